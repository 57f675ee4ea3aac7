// Package publishversion implements `tcb fn publish-version`.
package publishversion

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// Options of fn publish-version.
type Options struct {
	F           *cmdutil.Factory
	Name        string
	Description string
}

const usage = "which function? tcb fn publish-version NAME [DESCRIPTION]"

// NewCmdPublishVersion builds `tcb fn publish-version`.
func NewCmdPublishVersion(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	return &cobra.Command{
		Use:   "publish-version <name> [description]",
		Short: "Publish the function's current code and configuration as a new version",
		Long: `Publish the function's current ($LATEST) code and configuration, its layers
included, as a new numbered version (PublishVersion). A version never changes:
invoke it with tcb fn invoke --qualifier N, or send it traffic with
tcb fn config-route.`,
		Example: "$ tcb fn publish-version hello\n$ tcb fn publish-version hello \"before the refactor\" --json",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmdutil.FlagErrorf("%s", usage)
			}
			return cmdutil.MaxArgs(2)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if len(args) == 2 {
				opts.Description = args[1]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
}

// Run publishes the version.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	client, envID, err := f.CloudTarget()
	if err != nil {
		return err
	}
	out, err := client.PublishVersion(ctx, envID, opts.Name, opts.Description)
	if err != nil {
		return fmt.Errorf("fn publish-version: %w", err)
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, out, f.Globals.JQ)
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "%s Published %s version %s\n", f.IOStreams.ColorScheme().SuccessIcon(), opts.Name, out.FunctionVersion)
	fmt.Fprintln(f.IOStreams.Out, out.FunctionVersion)
	return nil
}
