// Package download implements `tcb hosting download`.
package download

import (
	"context"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/storage/xfer"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/storage"
)

// Options of hosting download.
type Options struct {
	F        *cmdutil.Factory
	Cloud    string
	Local    string
	Dir      bool
	Parallel int
}

// NewCmdDownload builds `tcb hosting download`.
func NewCmdDownload(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "download <cloudPath> [local]",
		Short: "Download files of the static website",
		Long: heredoc.Doc(`
			Download the site's file CLOUDPATH to LOCAL (default: its name here), or with -d
			every file under the directory CLOUDPATH into the directory LOCAL (default: the
			current directory).
		`),
		Example: heredoc.Doc(`
			$ tcb hosting download index.html
			$ tcb hosting download "" ./backup -d
		`),
		Args: cmdutil.MinArgs(1, "which file? tcb hosting download CLOUDPATH [LOCAL] [-d]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 2 {
				return cmdutil.FlagErrorf("too many arguments: tcb hosting download CLOUDPATH [LOCAL]")
			}
			opts.Cloud = args[0]
			if len(args) == 2 {
				opts.Local = args[1]
			}
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
	t, err := xfer.Hosting(ctx, opts.F, opts.Parallel, nil)
	if err != nil {
		return err
	}
	return xfer.Download(ctx, opts.F, t, opts.Cloud, opts.Local, opts.Dir, "hosting download")
}
