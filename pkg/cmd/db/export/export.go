// Package export implements `tcb db export`.
package export

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/db/shared"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/database"
)

// Options of db export.
type Options struct {
	F          *cmdutil.Factory
	Collection string
	Out        string
	PageSize   int64
	Via        string
}

// NewCmdExport builds `tcb db export`.
func NewCmdExport(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "export <collection>",
		Short: "Stream a whole collection as JSON Lines",
		Long: heredoc.Doc(`
			Write every document of the collection as JSON Lines (relaxed Extended JSON),
			paging in _id order so memory stays flat. --out writes a file atomically (a
			failed export leaves no partial file); otherwise stdout.
		`),
		Example: "$ tcb db export todos --out todos.jsonl\n$ tcb db export todos | gzip > todos.jsonl.gz",
		Args:    cmdutil.ExactArgs(1, "give the collection name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Collection = args[0]
			if opts.PageSize < 1 || opts.PageSize > 1000 {
				return cmdutil.FlagErrorf("--page-size must be between 1 and 1000")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Out, "out", "o", "", "output file (default: stdout)")
	cmd.Flags().Int64Var(&opts.PageSize, "page-size", 1000, "documents per request")
	shared.AddViaFlag(cmd, &opts.Via)
	return cmd
}

// Run exports.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	ios := f.IOStreams
	t, err := shared.Open(f, opts.Via)
	if err != nil {
		return err
	}
	defer t.Close()
	var w io.Writer = ios.Out
	var tmp *os.File
	if opts.Out != "" && opts.Out != "-" {
		dir := filepath.Dir(opts.Out)
		tmp, err = os.CreateTemp(dir, "."+filepath.Base(opts.Out)+".part-*")
		if err != nil {
			return cmdutil.LocalErrorf("db export: %v", err)
		}
		defer os.Remove(tmp.Name()) // a no-op after the rename
		w = tmp
	}
	n, err := database.Export(ctx, t.Backend, opts.Collection, w, database.ExportOptions{
		PageSize: opts.PageSize,
		Progress: func(done int64) { ios.StartProgressIndicator(fmt.Sprintf("Exported %d documents", done)) },
	})
	ios.StopProgressIndicator()
	if err != nil {
		if tmp != nil {
			tmp.Close()
		}
		return cmdutil.CallError("db export", err)
	}
	if tmp != nil {
		if err := tmp.Sync(); err != nil {
			return cmdutil.LocalErrorf("db export: %v", err)
		}
		if err := tmp.Close(); err != nil {
			return cmdutil.LocalErrorf("db export: %v", err)
		}
		if err := os.Rename(tmp.Name(), opts.Out); err != nil {
			return cmdutil.LocalErrorf("db export: %v", err)
		}
	}
	if tmp != nil || ios.IsStderrTTY() {
		fmt.Fprintf(ios.ErrOut, "%s Exported %d documents from %s\n", ios.ColorScheme().SuccessIcon(), n, opts.Collection)
	}
	return nil
}
