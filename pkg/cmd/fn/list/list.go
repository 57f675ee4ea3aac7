// Package list implements `tcb fn list`.
package list

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// Options of fn list.
type Options struct{ F *cmdutil.Factory }

// NewCmdList builds `tcb fn list`.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	return &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the environment's functions (all pages)",
		Example: "$ tcb fn list -e demo-a1b2c3\n$ tcb fn list --jq '.[] | select(.Status != \"Active\") | .FunctionName'",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
}

// Run lists.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	client, envID, err := f.CloudTarget()
	if err != nil {
		return err
	}
	var fns []cloudapi.Function
	err = f.IOStreams.RunWithProgress("Listing functions", func() error {
		fns, err = client.ListFunctions(ctx, envID)
		return err
	})
	if err != nil {
		return fmt.Errorf("fn list: %w", err)
	}
	if fns == nil {
		fns = []cloudapi.Function{}
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, fns, f.Globals.JQ)
	}
	if len(fns) == 0 {
		if f.IOStreams.IsStdoutTTY() {
			fmt.Fprintf(f.IOStreams.ErrOut, "No functions in %s yet. Deploy one with `tcb fn deploy NAME`.\n", envID)
		}
		return nil
	}
	cs := f.IOStreams.ColorScheme()
	t := cmdutil.NewTable(f.IOStreams, "Name", "Runtime", "Status", "Created", "Modified")
	for _, fn := range fns {
		st := fn.Status
		if f.IOStreams.IsStdoutTTY() {
			st = cs.Status(st)
		}
		t.Row(fn.FunctionName, fn.Runtime, st, f.FormatCloudTime(fn.AddTime), f.FormatCloudTime(fn.ModTime))
	}
	return t.Render()
}
