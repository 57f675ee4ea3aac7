// Package upload implements `tcb storage upload`.
package upload

import (
	"context"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/storage/xfer"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/storage"
)

// Options of storage upload.
type Options struct {
	F        *cmdutil.Factory
	Local    string
	Cloud    string
	Force    bool
	DryRun   bool
	Parallel int
	// Times and Interval are the official CLI's retry flags, accepted for
	// compatibility (retries are automatic).
	Times    int
	Interval int
}

// NewCmdUpload builds `tcb storage upload`.
func NewCmdUpload(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "upload <local> [cloudPath]",
		Short: "Upload a file or a directory to cloud storage",
		Long: heredoc.Doc(`
			Upload a file, or a directory's files, to the environment's storage bucket.

			A file goes to CLOUDPATH (default: its name; a CLOUDPATH ending in / is a
			directory it goes into). A directory's files go under CLOUDPATH (default: the
			bucket's root) with their relative paths.

			Files are sent several at a time (--parallel); files of 16 MB or more go in
			parts, and an upload that was interrupted resumes where it stopped the next
			time the same file is uploaded. Files whose copy in the bucket has the same
			checksum are skipped (--force sends them anyway). On a terminal one progress bar
			shows files, bytes and rate; otherwise each file gets a line on stderr.
		`),
		Example: heredoc.Doc(`
			$ tcb storage upload ./logo.png images/
			$ tcb storage upload ./assets assets/ --parallel 32
			$ tcb storage upload ./backup.tar.gz backups/2024-01-01.tar.gz --json
		`),
		Args: cmdutil.MinArgs(1, "what to upload? tcb storage upload LOCAL [CLOUDPATH]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 2 {
				return cmdutil.FlagErrorf("too many arguments: tcb storage upload LOCAL [CLOUDPATH]")
			}
			opts.Local = args[0]
			if len(args) == 2 {
				opts.Cloud = args[1]
			}
			if _, err := storage.CloudPath(opts.Cloud, true); err != nil {
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
	fl := cmd.Flags()
	fl.BoolVar(&opts.Force, "force", false, "upload files even when the bucket has them unchanged")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "show what would be uploaded without uploading")
	fl.IntVar(&opts.Parallel, "parallel", storage.DefaultParallel, "files transferred at once (1-64)")
	fl.IntVar(&opts.Times, "times", 1, "accepted for compatibility: failed requests are retried automatically")
	fl.IntVar(&opts.Interval, "interval", 500, "accepted for compatibility")
	_ = fl.MarkHidden("times")
	_ = fl.MarkHidden("interval")
	return cmd
}

// Run uploads.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	t, err := xfer.Storage(ctx, f, opts.Parallel)
	if err != nil {
		return err
	}
	sum, err := xfer.Upload(ctx, f, t, xfer.UploadRun{Local: opts.Local, Cloud: opts.Cloud, Force: opts.Force, DryRun: opts.DryRun, Cmd: "storage upload"})
	if sum != nil {
		if perr := xfer.PrintUpload(f, sum); perr != nil && err == nil {
			err = perr
		}
	}
	return err
}
