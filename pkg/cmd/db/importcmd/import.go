// Package importcmd implements `tcb db import`.
package importcmd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/db/shared"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/database"
)

// Options of db import.
type Options struct {
	F          *cmdutil.Factory
	File       string
	Collection string
	Mode       string
	Via        string
}

// NewCmdImport builds `tcb db import`.
func NewCmdImport(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "import <file>",
		Short: "Import a JSON array or JSON Lines file into a collection",
		Long: heredoc.Doc(`
			Read documents from FILE (a JSON array or JSON Lines, - for stdin) and write them
			to --collection: --mode insert (default) adds them in batches, an existing _id is
			an error; --mode upsert replaces the document with the same _id or inserts it.
			The import stops at the first bad record or failed write and says how far it
			got; everything before that point is stored.
		`),
		Example: "$ tcb db import todos.jsonl --collection todos\n$ tcb db export todos | tcb db import - --collection todos_copy",
		Args:    cmdutil.ExactArgs(1, "give the file to import (- for stdin)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.File = args[0]
			if opts.Collection == "" {
				return cmdutil.FlagErrorf("--collection is required")
			}
			if opts.Mode != "insert" && opts.Mode != "upsert" {
				return cmdutil.FlagErrorf("--mode must be insert or upsert")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Collection, "collection", "c", "", "target collection")
	cmd.Flags().StringVar(&opts.Mode, "mode", "insert", "insert or upsert")
	shared.AddViaFlag(cmd, &opts.Via)
	return cmd
}

// Run imports.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	ios := f.IOStreams
	var r io.Reader = ios.In
	if opts.File != "-" {
		fh, err := os.Open(opts.File)
		if err != nil {
			return cmdutil.LocalErrorf("db import: %v", err)
		}
		defer fh.Close()
		r = fh
	}
	t, err := shared.Open(f, opts.Via)
	if err != nil {
		return err
	}
	defer t.Close()
	st, err := database.Import(ctx, t.Backend, opts.Collection, bufio.NewReader(r), database.ImportOptions{
		Mode:     database.ImportMode(opts.Mode),
		Progress: func(done int64) { ios.StartProgressIndicator(fmt.Sprintf("Imported %d documents", done)) },
	})
	ios.StopProgressIndicator()
	if err != nil {
		var ie *database.ImportError
		if errors.As(err, &ie) {
			return cmdutil.FlagErrorf("db import: %s: %v (%d documents written before it)", opts.File, err, st.Inserted+st.Upserted+st.Replaced)
		}
		return shared.MapError(fmt.Sprintf("db import (%d documents written before the failure)", st.Inserted+st.Upserted+st.Replaced), err)
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(ios.Out, st, f.Globals.JQ)
	}
	fmt.Fprintf(ios.ErrOut, "%s Imported %d documents into %s (inserted %d, upserted %d, replaced %d)\n",
		ios.ColorScheme().SuccessIcon(), st.Read, opts.Collection, st.Inserted, st.Upserted, st.Replaced)
	return nil
}
