// Package deploy implements `tcb hosting deploy`.
package deploy

import (
	"context"
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/storage/xfer"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/storage"
)

// Options of hosting deploy.
type Options struct {
	F        *cmdutil.Factory
	Local    string
	Cloud    string
	Force    bool
	Prune    bool
	DryRun   bool
	Parallel int
}

// NewCmdDeploy builds `tcb hosting deploy`.
func NewCmdDeploy(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "deploy [local] [cloudPath]",
		Short: "Deploy a directory (or a file) to the static website",
		Long: heredoc.Doc(`
			Upload LOCAL (default: the current directory) to the static website, under
			CLOUDPATH (default: the site's root). Only files that changed are sent (by
			checksum; --force sends all), several at a time. --prune also deletes the files
			of the site under CLOUDPATH that LOCAL no longer has, after listing them (and
			asking on a terminal; --yes without one).

			When static hosting is not enabled yet, tcb offers to enable it (--yes enables
			it without asking). The last line printed is the site's URL.
		`),
		Example: heredoc.Doc(`
			$ tcb hosting deploy ./dist
			$ tcb hosting deploy ./dist --prune --yes
			$ tcb hosting deploy ./docs docs/ --dry-run
		`),
		Args: cmdutil.MaxArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Local = "."
			if len(args) >= 1 {
				opts.Local = args[0]
			}
			if len(args) == 2 {
				opts.Cloud = args[1]
			}
			if _, err := storage.CloudPath(opts.Cloud, true); err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			if err := xfer.CheckParallel(opts.Parallel); err != nil {
				return err
			}
			if opts.Prune && !opts.DryRun && !f.Globals.Yes && !f.IOStreams.CanPrompt() {
				return cmdutil.NoTTYError("hosting deploy --prune", "--yes (or --dry-run to preview)")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.Force, "force", false, "upload every file, changed or not")
	fl.BoolVar(&opts.Prune, "prune", false, "delete the site's files under CLOUDPATH that LOCAL does not have")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "show what would be uploaded (and pruned) without changing anything")
	fl.IntVar(&opts.Parallel, "parallel", storage.DefaultParallel, "files transferred at once (1-64)")
	return cmd
}

// Run deploys.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	enable := func(envID string) (bool, error) {
		if err := f.ConfirmOrYes("hosting deploy", fmt.Sprintf("Static hosting is not enabled for %s. Enable it?", envID)); err != nil {
			return false, err
		}
		return true, nil
	}
	if opts.DryRun {
		enable = nil
	}
	t, err := xfer.Hosting(ctx, f, opts.Parallel, enable)
	if err != nil {
		return err
	}
	sum, err := xfer.Upload(ctx, f, t, xfer.UploadRun{Local: opts.Local, Cloud: opts.Cloud, Force: opts.Force, Prune: opts.Prune,
		DryRun: opts.DryRun, Cmd: "hosting deploy"})
	if sum == nil {
		return err
	}
	sum.URL = t.Hosting.URL()
	if perr := xfer.PrintUpload(f, sum); perr != nil && err == nil {
		err = perr
	}
	if err == nil && !f.WantsJSON() && !opts.DryRun {
		fmt.Fprintln(f.IOStreams.Out, sum.URL)
	}
	return err
}
