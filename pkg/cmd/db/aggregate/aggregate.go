// Package aggregate implements `tcb db aggregate`.
package aggregate

import (
	"context"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/db/shared"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/dbquery"
)

// Options of db aggregate.
type Options struct {
	F        *cmdutil.Factory
	Arg      string
	Pipeline string
	Explain  bool
	JSONL    bool
	Via      string
}

// NewCmdAggregate builds `tcb db aggregate`.
func NewCmdAggregate(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "aggregate <statement | collection>",
		Short: "Run an aggregation pipeline",
		Long: heredoc.Doc(`
			Run aggregate()...end() as a statement, or a pipeline given as a JSON array with
			--pipeline. Stages: $match, $project, $addFields, $group, $sort, $skip, $limit,
			$unwind, $count, $sortByCount, $lookup, $sample, $replaceRoot.
		`),
		Example: heredoc.Doc(`
			$ tcb db aggregate 'db.collection("orders").aggregate().match({paid: true}).group({_id: "$user", total: $.sum("$amount")}).sort({total: -1}).end()'
			$ tcb db aggregate orders --pipeline '[{"$match":{"paid":true}},{"$group":{"_id":"$user","n":{"$sum":1}}}]'
		`),
		Args: cmdutil.ExactArgs(1, "give a statement or a collection name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Arg = args[0]
			if shared.IsStatement(opts.Arg) == (opts.Pipeline != "") {
				return cmdutil.FlagErrorf("give a statement, or a collection name with --pipeline")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Pipeline, "pipeline", "", "pipeline as a JSON array of stages")
	cmd.Flags().BoolVar(&opts.Explain, "explain", false, "print the MongoDB form and send nothing")
	cmd.Flags().BoolVar(&opts.JSONL, "jsonl", false, "print one JSON document per line")
	shared.AddViaFlag(cmd, &opts.Via)
	return cmd
}

// Run aggregates.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	format, err := shared.DocFormat(f, opts.JSONL)
	if err != nil {
		return err
	}
	q, err := shared.Resolve(f, opts.Arg, func() (*dbquery.Query, error) {
		return dbquery.AggregateFromJSON(opts.Arg, opts.Pipeline)
	}, dbquery.ActionAggregate)
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
	docs, err := t.Backend.Aggregate(ctx, q)
	if err != nil {
		return cmdutil.CallError("db aggregate", err)
	}
	return shared.PrintDocs(f, docs, format)
}
