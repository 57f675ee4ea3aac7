// Package listversions implements `tcb fn list-function-versions`.
package listversions

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// Options of fn list-function-versions.
type Options struct {
	F      *cmdutil.Factory
	Name   string
	Limit  int64
	Offset int64
}

const usage = "which function? tcb fn list-function-versions NAME"

// NewCmdListVersions builds `tcb fn list-function-versions`.
func NewCmdListVersions(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:     "list-function-versions <name>",
		Short:   "List a function's published versions",
		Example: "$ tcb fn list-function-versions hello\n$ tcb fn list-function-versions hello --json --jq '.Versions[].Version'",
		Args:    cmdutil.ExactArgs(1, usage),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if opts.Limit < 1 || opts.Limit > 100 {
				return cmdutil.FlagErrorf("--limit must be between 1 and 100")
			}
			if opts.Offset < 0 {
				return cmdutil.FlagErrorf("--offset must not be negative")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().Int64VarP(&opts.Limit, "limit", "l", 20, "how many versions to show (1-100)")
	cmd.Flags().Int64VarP(&opts.Offset, "offset", "o", 0, "how many versions to skip")
	return cmd
}

// Run lists the versions.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	client, envID, err := f.CloudTarget()
	if err != nil {
		return err
	}
	out, err := client.ListVersionByFunction(ctx, &cloudapi.ListVersionByFunctionRequest{
		FunctionName: opts.Name, Namespace: envID, Limit: &opts.Limit, Offset: &opts.Offset})
	if err != nil {
		return fmt.Errorf("fn list-function-versions: %w", err)
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, out, f.Globals.JQ)
	}
	t := cmdutil.NewTable(f.IOStreams, "VERSION", "DESCRIPTION", "CREATED", "MODIFIED")
	for _, v := range out.Versions {
		t.Row(v.Version, v.Description, f.FormatCloudTime(v.AddTime), f.FormatCloudTime(v.ModTime))
	}
	return t.Render()
}
