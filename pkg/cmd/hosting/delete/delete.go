// Package delete implements `tcb hosting delete`.
package delete

import (
	"context"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/storage/xfer"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/storage"
)

// Options of hosting delete.
type Options struct {
	F      *cmdutil.Factory
	Cloud  string
	Dir    bool
	DryRun bool
}

// NewCmdDelete builds `tcb hosting delete`.
func NewCmdDelete(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "delete [cloudPath]",
		Short: "Delete files of the static website",
		Long: heredoc.Doc(`
			Delete the site's file CLOUDPATH, or with -d every file under the directory
			CLOUDPATH (-d alone: the whole site). tcb asks first on a terminal; without one
			--yes is required. --dry-run lists what would be deleted.
		`),
		Example: heredoc.Doc(`
			$ tcb hosting delete old.html
			$ tcb hosting delete assets -d --yes
			$ tcb hosting delete -d --dry-run
		`),
		Args: cmdutil.MaxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Cloud = args[0]
			}
			if opts.Cloud == "" && !opts.Dir {
				return cmdutil.FlagErrorf("which file? tcb hosting delete CLOUDPATH (a directory with -d; -d alone deletes the whole site)")
			}
			if _, err := storage.CloudPath(opts.Cloud, opts.Dir); err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			if !opts.DryRun && !f.Globals.Yes && !f.IOStreams.CanPrompt() {
				return cmdutil.NoTTYError("hosting delete", "--yes (or --dry-run to preview)")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Dir, "dir", "d", false, "delete a directory (every file under CLOUDPATH)")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "show what would be deleted without deleting")
	return cmd
}

// Run deletes.
func Run(ctx context.Context, opts *Options) error {
	t, err := xfer.Hosting(ctx, opts.F, storage.DefaultParallel, nil)
	if err != nil {
		return err
	}
	return xfer.Delete(ctx, opts.F, t, opts.Cloud, opts.Dir, opts.DryRun, "hosting delete")
}
