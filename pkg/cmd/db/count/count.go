// Package count implements `tcb db count`.
package count

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/db/shared"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/dbquery"
)

// Options of db count.
type Options struct {
	F       *cmdutil.Factory
	Arg     string
	Where   string
	Explain bool
	Via     string
}

// NewCmdCount builds `tcb db count`.
func NewCmdCount(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:     "count <statement | collection>",
		Short:   "Count matching documents",
		Example: "$ tcb db count 'db.collection(\"todos\").where({done: true}).count()'\n$ tcb db count todos --where '{\"done\": true}'",
		Args:    cmdutil.ExactArgs(1, "give a statement or a collection name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Arg = args[0]
			if shared.IsStatement(opts.Arg) && cmd.Flags().Changed("where") {
				return cmdutil.FlagErrorf("--where applies to a collection name, not to a statement")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Where, "where", "", "condition as Extended JSON")
	cmd.Flags().BoolVar(&opts.Explain, "explain", false, "print the MongoDB form and send nothing")
	shared.AddViaFlag(cmd, &opts.Via)
	return cmd
}

// Run counts.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	q, err := shared.Resolve(f, opts.Arg, func() (*dbquery.Query, error) {
		return dbquery.CountFromFlags(opts.Arg, opts.Where)
	}, dbquery.ActionCount, dbquery.ActionFind)
	if err != nil {
		return err
	}
	if q.Action == dbquery.ActionFind {
		q = q.CountQuery()
	}
	if opts.Explain {
		return shared.Explain(f, q)
	}
	t, err := shared.Open(f, opts.Via)
	if err != nil {
		return err
	}
	defer t.Close()
	n, err := t.Backend.Count(ctx, q)
	if err != nil {
		return cmdutil.CallError("db count", err)
	}
	return shared.PrintCount(f, n)
}
