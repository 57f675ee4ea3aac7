// Package list implements `tcb hosting list`.
package list

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/storage/xfer"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/storage"
)

// Options of hosting list.
type Options struct {
	F     *cmdutil.Factory
	Cloud string
}

// NewCmdList builds `tcb hosting list`.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	return &cobra.Command{
		Use:     "list [cloudPath]",
		Aliases: []string{"ls"},
		Short:   "List the static website's files",
		Example: "$ tcb hosting list\n$ tcb hosting list assets/ --json",
		Args:    cmdutil.MaxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Cloud = args[0]
			}
			if _, err := storage.CloudPath(opts.Cloud, true); err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
}

// Run lists.
func Run(ctx context.Context, opts *Options) error {
	t, err := xfer.Hosting(ctx, opts.F, storage.DefaultParallel, nil)
	if err != nil {
		return err
	}
	return xfer.List(ctx, opts.F, t, opts.Cloud, "hosting list")
}
