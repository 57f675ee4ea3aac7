// Package update implements `tcb db update`.
package update

import (
	"context"
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/db/shared"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/dbquery"
)

// Options of db update.
type Options struct {
	F       *cmdutil.Factory
	Arg     string
	Where   string
	Set     string
	Unset   []string
	Explain bool
	DryRun  bool
	Via     string
}

// NewCmdUpdate builds `tcb db update`.
func NewCmdUpdate(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "update <statement | collection>",
		Short: "Update documents (update() or set())",
		Long: heredoc.Doc(`
			Run an update() or doc(id).set() statement, or update every document matching
			--where: --set takes plain values (nested objects set only the paths they name,
			like update({data})), --unset removes fields. Operators such as _.inc() or
			_.push() need a statement. --where is required with flags; use --where '{}' to
			update every document. Prints matched and modified counts. On a terminal tcb
			counts the matches and asks first ("no" by default; --yes skips it); off one,
			only an update without a condition needs --yes.
		`),
		Example: heredoc.Doc(`
			$ tcb db update 'db.collection("todos").where({done: false}).update({data: {priority: _.inc(1)}})'
			$ tcb db update 'db.collection("todos").doc("todo-1").set({data: {title: "new", done: true}})'
			$ tcb db update todos --where '{"owner": "ann"}' --set '{"done": true}' --unset draft
		`),
		Args: cmdutil.ExactArgs(1, "give a statement or a collection name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Arg = args[0]
			stmt := shared.IsStatement(opts.Arg)
			flags := cmd.Flags().Changed("where") || opts.Set != "" || len(opts.Unset) > 0
			if stmt && flags {
				return cmdutil.FlagErrorf("--where/--set/--unset apply to a collection name, not to a statement")
			}
			if !stmt && !cmd.Flags().Changed("where") {
				return cmdutil.FlagErrorf("--where is required (use --where '{}' to update every document)")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Where, "where", "", "condition as Extended JSON")
	cmd.Flags().StringVar(&opts.Set, "set", "", "values to set, as a JSON object")
	cmd.Flags().StringSliceVar(&opts.Unset, "unset", nil, "fields to remove")
	cmd.Flags().BoolVar(&opts.Explain, "explain", false, "print the MongoDB form and send nothing")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "count the documents the update would match, change nothing")
	shared.AddViaFlag(cmd, &opts.Via)
	return cmd
}

// Run updates.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	q, err := shared.Resolve(f, opts.Arg, func() (*dbquery.Query, error) {
		return dbquery.UpdateFromFlags(opts.Arg, opts.Where, opts.Set, opts.Unset)
	}, dbquery.ActionUpdate, dbquery.ActionSet)
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
	// On a terminal every update shows its match count and asks; off one,
	// only an update of everything needs --yes.
	ask := f.IOStreams.CanPrompt() && !f.Globals.Yes
	if everything := q.Action == dbquery.ActionUpdate && q.EffectiveFilter().Len() == 0; everything || opts.DryRun || ask {
		n, err := t.Backend.Count(ctx, q.CountQuery())
		if err != nil {
			return cmdutil.CallError("db update", err)
		}
		if opts.DryRun {
			if f.WantsJSON() {
				return cmdutil.PrintJSON(f.IOStreams.Out, map[string]any{"dry_run": true, "would_match": n}, f.Globals.JQ)
			}
			_, err := fmt.Fprintf(f.IOStreams.Out, "would match %d document(s) of %s\n", n, q.Collection)
			return err
		}
		switch {
		case everything && n > 0:
			if err := f.ConfirmOrYes("db update", fmt.Sprintf("The update has no condition: change all %d document(s) of %s?", n, q.Collection)); err != nil {
				return err
			}
		case ask && q.Action == dbquery.ActionSet:
			what := "replace the document"
			if n == 0 {
				what = "create the document"
			}
			id, _ := dbquery.EncodeValue(q.DocID)
			if err := f.ConfirmOrYes("db update", fmt.Sprintf("%s: %s with _id %s?", q.Collection, what, id)); err != nil {
				return err
			}
		case ask && n > 0:
			if err := f.ConfirmOrYes("db update", fmt.Sprintf("Update %d matching document(s) of %s?", n, q.Collection)); err != nil {
				return err
			}
		}
	}
	res, err := t.Backend.Update(ctx, q)
	if err != nil {
		return cmdutil.CallError("db update", err)
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, res, f.Globals.JQ)
	}
	line := fmt.Sprintf("matched %d, modified %d", res.Matched, res.Modified)
	if res.UpsertedID != "" {
		line += ", inserted " + res.UpsertedID
	}
	_, err = fmt.Fprintln(f.IOStreams.Out, line)
	return err
}
