package app

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tcb-go/tcb/pkg/cmd/root"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// newRootFor assembles the part of the command tree that args reach:
// building every command (its flags, its help text) costs more than a
// small command's whole run, so `tcb env list` builds the env group only
// and `tcb --version` none. Whenever args do not plainly name one group
// (help, completion, an unknown or misspelt command, a flag it cannot
// read), the whole tree is built, so what the user sees never depends on
// this: TestPartialTreesResolveLikeTheWholeTree holds it to that.
func newRootFor(f *cmdutil.Factory, args []string) *cobra.Command {
	cmd := root.NewCmdRoot(f)
	word, version, ok := commandWord(cmd, args)
	switch {
	case !ok:
		return withGroups(cmd, f, func(string) bool { return true })
	case word == "" && version:
		return withGroups(cmd, f, func(string) bool { return false })
	}
	for _, g := range groups {
		if slices.Contains(g.names, word) {
			return withGroups(cmd, f, func(name string) bool { return name == g.names[0] })
		}
	}
	return withGroups(cmd, f, func(string) bool { return true })
}

// commandWord finds the first argument that is neither a flag of the root
// nor a flag's value: the name of the command to run ("" for the root
// itself), and whether --version comes before it. ok is false when the
// arguments cannot be read without the whole tree (--help, an unknown
// flag, shorthands written together, "--").
func commandWord(rootCmd *cobra.Command, args []string) (word string, version, ok bool) {
	flags := rootCmd.PersistentFlags()
	for i := 0; i < len(args); i++ {
		a := args[i]
		var fl *pflag.Flag
		inline := false
		switch {
		case !strings.HasPrefix(a, "-") || a == "-":
			return a, version, true
		case a == "--version":
			version = true
			continue
		case strings.HasPrefix(a, "--") && a != "--":
			name, _, hasValue := strings.Cut(a[2:], "=")
			fl, inline = flags.Lookup(name), hasValue
		case len(a) == 2 && a != "--":
			fl = flags.ShorthandLookup(a[1:])
			if fl == nil && a == "-v" {
				// cobra gives --version the shorthand -v when it is free
				version = true
				continue
			}
		}
		if fl == nil {
			return "", false, false
		}
		if fl.NoOptDefVal == "" && !inline {
			i++ // the flag's value
		}
	}
	return "", version, true
}
