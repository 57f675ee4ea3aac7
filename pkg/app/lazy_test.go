package app

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/iostreams"
	"github.com/tcb-go/tcb/pkg/prompt"
)

func testFactory() *cmdutil.Factory {
	ios, _, _, _ := iostreams.Test()
	f := cmdutil.New("test", ios)
	f.Getenv = func(string) string { return "" }
	f.Prompter = prompt.NoTTY{}
	return f
}

// The names newRootFor recognises are the groups' names and aliases.
func TestGroupNames(t *testing.T) {
	f := testFactory()
	for _, g := range groups {
		cmd := g.build(f)
		if want := append([]string{cmd.Name()}, cmd.Aliases...); !slices.Equal(g.names, want) {
			t.Errorf("groups lists %q for the command called %q", g.names, want)
		}
	}
	var names []string
	for _, sub := range NewRoot(f).Commands() {
		names = append(names, sub.Name())
	}
	for _, g := range groups {
		if !slices.Contains(names, g.names[0]) {
			t.Errorf("%s is not below the root", g.names[0])
		}
	}
}

// commandPaths lists the path of every command of the tree.
func commandPaths(c *cobra.Command, prefix []string, out *[][]string) {
	for _, sub := range c.Commands() {
		p := append(slices.Clone(prefix), sub.Name())
		*out = append(*out, p)
		for _, a := range sub.Aliases {
			*out = append(*out, append(slices.Clone(prefix), a))
		}
		commandPaths(sub, p, out)
	}
}

// resolved is what cobra makes of args: the command, the arguments left
// for it, its flags, or the error.
func resolved(root *cobra.Command, args []string) string {
	cmd, rest, err := root.Find(args)
	if err != nil {
		return "error: " + err.Error()
	}
	var flags []string
	cmd.Flags().VisitAll(func(fl *pflag.Flag) { flags = append(flags, fl.Name) })
	cmd.InheritedFlags().VisitAll(func(fl *pflag.Flag) { flags = append(flags, fl.Name) })
	return fmt.Sprintf("%s %q flags=%v", cmd.CommandPath(), rest, flags)
}

func TestPartialTreesResolveLikeTheWholeTree(t *testing.T) {
	var paths [][]string
	commandPaths(NewRoot(testFactory()), nil, &paths)
	var cases [][]string
	for _, p := range paths {
		cases = append(cases,
			p,
			append(slices.Clone(p), "x", "--json"),
			append([]string{"-e", "demo-a1b2c3"}, p...),
			append([]string{"--env-id=demo-a1b2c3", "--json", "--jq", ".[0]", "-y"}, p...),
			append([]string{"--profile", "env", "-r", "fn"}, p...),
			append([]string{"--no-color", "--utc", "--verbose"}, append(slices.Clone(p), "--help")...),
		)
	}
	cases = append(cases,
		nil, []string{"--version"}, []string{"-v"}, []string{"--json", "--version"}, []string{"--version", "env"},
		[]string{"env", "--version"}, []string{"-h"}, []string{"--help"}, []string{"help", "env"}, []string{"evn", "list"},
		[]string{"env", "lsit"}, []string{"completion", "bash"}, []string{"__complete", "env", ""}, []string{"--", "env"},
		[]string{"-ye", "x", "env"}, []string{"-e=x", "env", "list"}, []string{"--bogus", "env"}, []string{"-"},
		[]string{"--version=false"}, []string{"--json", "false", "env"}, []string{"-e"}, []string{"functions", "list"},
	)
	for _, args := range cases {
		want := resolved(NewRoot(testFactory()), args)
		if got := resolved(newRootFor(testFactory(), args), args); got != want {
			t.Errorf("tcb %s\n got: %s\nwant: %s", strings.Join(args, " "), got, want)
		}
	}
}

// What the root, help and --version print is the same from a partial
// tree.
func TestPartialTreesPrintLikeTheWholeTree(t *testing.T) {
	exec := func(root *cobra.Command, args []string) string {
		var out, errOut bytes.Buffer
		if args == nil {
			args = []string{} // not os.Args
		}
		root.SetArgs(args)
		root.SetOut(&out)
		root.SetErr(&errOut)
		_, err := root.ExecuteContextC(context.Background())
		return fmt.Sprintf("out=%q err=%q error=%v", out.String(), errOut.String(), err)
	}
	for _, args := range [][]string{
		nil, {"--version"}, {"-v"}, {"version"}, {"--help"}, {"env"}, {"env", "--help"}, {"env", "list", "--help"},
		{"help", "fn", "deploy"}, {"fn", "code"}, {"db", "index", "-h"}, {"exit-codes"}, {"env", "lsit"}, {"evn"},
		{"--version", "--bogus"}, {"env", "list", "--bogus"},
	} {
		want := exec(NewRoot(testFactory()), args)
		if got := exec(newRootFor(testFactory(), args), args); got != want {
			t.Errorf("tcb %s\n got: %s\nwant: %s", strings.Join(args, " "), got, want)
		}
	}
}

func TestCommandWord(t *testing.T) {
	for _, tt := range []struct {
		args        []string
		word        string
		version, ok bool
	}{
		{nil, "", false, true},
		{[]string{"env", "list"}, "env", false, true},
		{[]string{"-e", "fn", "env"}, "env", false, true},
		{[]string{"--env-id", "fn", "db"}, "db", false, true},
		{[]string{"--env-id=fn", "db"}, "db", false, true},
		{[]string{"--json", "--jq", "env", "fn"}, "fn", false, true},
		{[]string{"-y", "token"}, "token", false, true},
		{[]string{"--version"}, "", true, true},
		{[]string{"-v", "--json"}, "", true, true},
		{[]string{"--help"}, "", false, false},
		{[]string{"-h", "env"}, "", false, false},
		{[]string{"--", "env"}, "", false, false},
		{[]string{"-ye", "x", "env"}, "", false, false},
		{[]string{"--nope", "env"}, "", false, false},
	} {
		word, version, ok := commandWord(NewRoot(testFactory()), tt.args)
		if word != tt.word || version != tt.version || ok != tt.ok {
			t.Errorf("%q: %q %v %v, want %q %v %v", tt.args, word, version, ok, tt.word, tt.version, tt.ok)
		}
	}
}
