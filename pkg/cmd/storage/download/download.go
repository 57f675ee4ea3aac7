// Package download implements `tcb storage download`.
package download

import (
	"context"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/storage/xfer"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/storage"
)

// Options of storage download.
type Options struct {
	F        *cmdutil.Factory
	Cloud    string
	Local    string
	Dir      bool
	Parallel int
}

// NewCmdDownload builds `tcb storage download`.
func NewCmdDownload(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "download <cloudPath> <local>",
		Short: "Download a file or a directory from cloud storage",
		Long: heredoc.Doc(`
			Download the file CLOUDPATH to LOCAL (a file, or a directory it goes into), or
			with -d every file under the directory CLOUDPATH into the directory LOCAL, with
			their relative paths. Files are streamed to a temporary file checked against the
			bucket's CRC64 and renamed into place, so an interrupted download never leaves a
			partial file. Keys that would land outside LOCAL are refused.
		`),
		Example: heredoc.Doc(`
			$ tcb storage download images/logo.png ./logo.png
			$ tcb storage download assets ./assets -d
		`),
		Args: cmdutil.ExactArgs(2, "tcb storage download CLOUDPATH LOCAL [-d]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cloud, opts.Local = args[0], args[1]
			if _, err := storage.CloudPath(opts.Cloud, opts.Dir); err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			if err := xfer.CheckParallel(opts.Parallel); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Dir, "dir", "d", false, "download a directory")
	cmd.Flags().IntVar(&opts.Parallel, "parallel", storage.DefaultParallel, "files transferred at once (1-64)")
	return cmd
}

// Run downloads.
func Run(ctx context.Context, opts *Options) error {
	t, err := xfer.Storage(ctx, opts.F, opts.Parallel)
	if err != nil {
		return err
	}
	return xfer.Download(ctx, opts.F, t, opts.Cloud, opts.Local, opts.Dir, "storage download")
}
