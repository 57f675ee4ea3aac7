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
	"github.com/tcb-go/tcb/pkg/dbquery"
)

// Options of db import.
type Options struct {
	F          *cmdutil.Factory
	File       string
	Collection string
	Mode       string
	Create     bool
	Atomic     bool
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
			The whole file must be well formed: a truncated array, anything after its closing
			], or a line that is not one JSON object is an error naming the line (JSON Lines)
			or byte offset (array). The import stops at the first bad record or failed write,
			exits non-zero and says how many documents were written: everything before that
			point is stored. --atomic reads and checks the whole file first (syntax, _id
			repeated in the file, upserts without _id) and writes nothing unless it is all
			valid; a write the database refuses still stops the import where it is.
			--create creates the collection first when it does not exist.
		`),
		Example: "$ tcb db import todos.jsonl --collection todos\n$ tcb db import todos.json --collection todos --atomic\n$ tcb db export todos | tcb db import - --collection todos_copy --create",
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
	cmd.Flags().BoolVar(&opts.Create, "create", false, "create the collection when it does not exist")
	cmd.Flags().BoolVar(&opts.Atomic, "atomic", false, "check the whole file before writing: write nothing unless it is all valid")
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
	if opts.Create {
		if err := ensureCollection(ctx, t.Backend, opts.Collection); err != nil {
			return cmdutil.CallError("db import: creating "+opts.Collection, err)
		}
	}
	in := r
	if _, seekable := r.(io.Seeker); !seekable || !opts.Atomic {
		in = bufio.NewReader(r)
	}
	st, err := database.Import(ctx, t.Backend, opts.Collection, in, database.ImportOptions{
		Mode:     database.ImportMode(opts.Mode),
		Atomic:   opts.Atomic,
		Progress: func(done int64) { ios.StartProgressIndicator(fmt.Sprintf("Imported %d documents", done)) },
	})
	ios.StopProgressIndicator()
	if err != nil {
		var ie *database.ImportError
		if errors.As(err, &ie) {
			if opts.Atomic && st.Written() == 0 {
				return cmdutil.FlagErrorf("db import: %s: %v (nothing written: --atomic)", opts.File, err)
			}
			return cmdutil.FlagErrorf("db import: %s: %v (%d documents written before it)", opts.File, err, st.Written())
		}
		err = cmdutil.CallError(fmt.Sprintf("db import (%d documents written before the failure)", st.Written()), err)
		var ce *cmdutil.Error
		if errors.As(err, &ce) && ce.Code == cmdutil.ExitNotFound && !opts.Create {
			return ce.WithHint("create it with `tcb db collection create %s`, or pass --create", opts.Collection)
		}
		return err
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(ios.Out, st, f.Globals.JQ)
	}
	fmt.Fprintf(ios.ErrOut, "%s Imported %d documents into %s (inserted %d, upserted %d, replaced %d)\n",
		ios.ColorScheme().SuccessIcon(), st.Read, opts.Collection, st.Inserted, st.Upserted, st.Replaced)
	return nil
}

// ensureCollection creates name unless it exists.
func ensureCollection(ctx context.Context, b database.Backend, name string) error {
	err := b.CreateCollection(ctx, name)
	if err == nil {
		return nil
	}
	if _, cerr := b.Count(ctx, &dbquery.Query{Collection: name, Action: dbquery.ActionCount}); cerr == nil {
		return nil // it existed already
	}
	return err
}
