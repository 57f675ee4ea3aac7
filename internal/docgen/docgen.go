// Package docgen renders the command reference (docs/commands/*.md) from
// the cobra tree, one Markdown file per command.
package docgen

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Render returns file name -> content for root and every visible command.
func Render(root *cobra.Command) map[string][]byte {
	files := map[string][]byte{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" {
			return
		}
		files[fileName(c)] = renderOne(c)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	files["README.md"] = renderIndex(root)
	return files
}

// Write replaces dir's *.md files with the rendered reference.
func Write(root *cobra.Command, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	for name, content := range Render(root) {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func fileName(c *cobra.Command) string {
	return strings.ReplaceAll(c.CommandPath(), " ", "_") + ".md"
}

func renderIndex(root *cobra.Command) []byte {
	var b bytes.Buffer
	b.WriteString("# tcb command reference\n\nGenerated from the command tree by `go run ./cmd/gen-docs`; do not edit by hand.\n\n")
	var walk func(c *cobra.Command, depth int)
	walk = func(c *cobra.Command, depth int) {
		if c.Hidden || c.Name() == "help" {
			return
		}
		fmt.Fprintf(&b, "%s- [`%s`](%s) — %s\n", strings.Repeat("  ", depth), c.CommandPath(), fileName(c), c.Short)
		for _, sub := range c.Commands() {
			walk(sub, depth+1)
		}
	}
	walk(root, 0)
	return b.Bytes()
}

func renderOne(c *cobra.Command) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s\n\n%s\n\n", c.CommandPath(), c.Short)
	if c.Runnable() || c.HasAvailableSubCommands() {
		fmt.Fprintf(&b, "```\n%s\n```\n\n", c.UseLine())
	}
	if c.Long != "" {
		fmt.Fprintf(&b, "%s\n\n", strings.TrimSpace(c.Long))
	}
	if len(c.Aliases) > 0 {
		fmt.Fprintf(&b, "Aliases: %s\n\n", strings.Join(c.Aliases, ", "))
	}
	if c.Example != "" {
		fmt.Fprintf(&b, "## Examples\n\n```\n%s\n```\n\n", strings.TrimRight(c.Example, "\n"))
	}
	if subs := visible(c.Commands()); len(subs) > 0 {
		b.WriteString("## Commands\n\n")
		for _, s := range subs {
			fmt.Fprintf(&b, "- [`%s`](%s) — %s\n", s.CommandPath(), fileName(s), s.Short)
		}
		b.WriteString("\n")
	}
	if fl := flagTable(c.NonInheritedFlags()); fl != "" {
		fmt.Fprintf(&b, "## Flags\n\n%s\n", fl)
	}
	if fl := flagTable(c.InheritedFlags()); fl != "" {
		fmt.Fprintf(&b, "## Global flags\n\n%s\n", fl)
	}
	if c.HasParent() {
		p := c.Parent()
		fmt.Fprintf(&b, "See also: [`%s`](%s)\n", p.CommandPath(), fileName(p))
	}
	return b.Bytes()
}

func visible(cmds []*cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	for _, c := range cmds {
		if !c.Hidden && c.Name() != "help" {
			out = append(out, c)
		}
	}
	return out
}

func flagTable(fs *pflag.FlagSet) string {
	type row struct{ name, typ, def, usage string }
	var rows []row
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden || f.Name == "help" {
			return
		}
		name := "--" + f.Name
		if f.Shorthand != "" {
			name = "-" + f.Shorthand + ", " + name
		}
		varname, usage := pflag.UnquoteUsage(f)
		def := f.DefValue
		if def == "false" || def == "[]" {
			def = ""
		}
		rows = append(rows, row{name, varname, def, usage})
	})
	if len(rows) == 0 {
		return ""
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].name < rows[j].name })
	var b strings.Builder
	b.WriteString("| flag | value | default | description |\n|---|---|---|---|\n")
	esc := strings.NewReplacer("|", "\\|", "\n", " ")
	for _, r := range rows {
		def := r.def
		if def != "" {
			def = "`" + esc.Replace(def) + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", r.name, r.typ, def, esc.Replace(r.usage))
	}
	return b.String()
}
