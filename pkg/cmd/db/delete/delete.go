// Package delete implements `tcb db delete`.
package delete

import (
	"context"
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/db/shared"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/dbquery"
)

// Options of db delete.
type Options struct {
	F       *cmdutil.Factory
	Arg     string
	Where   string
	DryRun  bool
	Explain bool
	Via     string
}

// NewCmdDelete builds `tcb db delete`.
func NewCmdDelete(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "delete <statement | collection>",
		Short: "Delete documents (asks first; --dry-run counts them)",
		Long: heredoc.Doc(`
			Run a remove() statement, or delete every document matching --where. tcb counts
			the matches and asks first on a terminal; without one, --yes is required.
			--dry-run only reports how many documents would go.
		`),
		Example: heredoc.Doc(`
			$ tcb db delete 'db.collection("todos").where({done: true}).remove()' --yes
			$ tcb db delete todos --where '{"done": true}' --dry-run
		`),
		Args: cmdutil.ExactArgs(1, "give a statement or a collection name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Arg = args[0]
			stmt := shared.IsStatement(opts.Arg)
			if stmt && cmd.Flags().Changed("where") {
				return cmdutil.FlagErrorf("--where applies to a collection name, not to a statement")
			}
			if !stmt && !cmd.Flags().Changed("where") {
				return cmdutil.FlagErrorf("--where is required (use --where '{}' to delete every document)")
			}
			if !opts.DryRun && !opts.Explain && !f.Globals.Yes && !f.IOStreams.CanPrompt() {
				return cmdutil.NoTTYError("db delete", "--yes (or --dry-run to count first)")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Where, "where", "", "condition as Extended JSON")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "count what would be deleted, delete nothing")
	cmd.Flags().BoolVar(&opts.Explain, "explain", false, "print the MongoDB form and send nothing")
	shared.AddViaFlag(cmd, &opts.Via)
	return cmd
}

// Run deletes.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	q, err := shared.Resolve(f, opts.Arg, func() (*dbquery.Query, error) {
		return dbquery.RemoveFromFlags(opts.Arg, opts.Where)
	}, dbquery.ActionRemove)
	if err != nil {
		return err
	}
	if opts.Explain {
		return shared.Explain(f, q)
	}
	t, err := shared.Open(f, opts.Via)
	if err != nil {
		return err
	}
	defer t.Close()
	n, err := t.Backend.Count(ctx, q.CountQuery())
	if err != nil {
		return cmdutil.CallError("db delete", err)
	}
	if opts.DryRun {
		if f.WantsJSON() {
			return cmdutil.PrintJSON(f.IOStreams.Out, map[string]any{"dry_run": true, "would_delete": n}, f.Globals.JQ)
		}
		_, err := fmt.Fprintf(f.IOStreams.Out, "would delete %d document(s) from %s\n", n, q.Collection)
		return err
	}
	var deleted int64
	if n > 0 {
		if err := f.ConfirmOrYes("db delete", fmt.Sprintf("Delete %d document(s) from %s?", n, q.Collection)); err != nil {
			return err
		}
		// Nothing matched when asked: nothing is removed either, so documents
		// added since the count are never deleted unseen.
		deleted, err = t.Backend.Remove(ctx, q)
	}
	if err != nil {
		return cmdutil.CallError("db delete", err)
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, map[string]int64{"deleted": deleted}, f.Globals.JQ)
	}
	_, err = fmt.Fprintf(f.IOStreams.Out, "deleted %d\n", deleted)
	return err
}
