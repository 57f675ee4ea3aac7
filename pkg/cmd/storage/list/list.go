// Package list implements `tcb storage list`.
package list

import (
	"context"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/storage/xfer"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/storage"
)

// Options of storage list.
type Options struct {
	F     *cmdutil.Factory
	Cloud string
}

// NewCmdList builds `tcb storage list`.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:     "list [cloudPath]",
		Aliases: []string{"ls"},
		Short:   "List cloud storage files",
		Long:    "List the files whose path starts with CLOUDPATH (default: every file), with their sizes and times; --json gives key, size, etag and lastModified.",
		Example: heredoc.Doc(`
			$ tcb storage list
			$ tcb storage list images/ --json --jq '.[].key'
		`),
		Args: cmdutil.MaxArgs(1),
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
	return cmd
}

// Run lists.
func Run(ctx context.Context, opts *Options) error {
	t, err := xfer.Storage(ctx, opts.F, storage.DefaultParallel)
	if err != nil {
		return err
	}
	return xfer.List(ctx, opts.F, t, opts.Cloud, "storage list")
}
