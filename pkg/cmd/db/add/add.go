// Package add implements `tcb db add`.
package add

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/db/shared"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/database"
	"github.com/tcb-go/tcb/pkg/dbquery"
)

// Options of db add.
type Options struct {
	F          *cmdutil.Factory
	Collection string
	Data       string
	File       string
	Explain    bool
	Via        string
}

// NewCmdAdd builds `tcb db add`.
func NewCmdAdd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "add <collection | statement>",
		Short: "Add documents and print their ids",
		Long: heredoc.Doc(`
			Add documents: --data takes one JSON object or an array of them; --file reads a
			JSON array or JSON Lines (- for stdin) and adds in batches. Values are
			Extended JSON ({"$date": "2026-01-01T00:00:00Z"} is a date). A statement with
			.add({data: ...}) works too. The new ids are printed one per line (--json:
			{"id_list": [...]}). Stops at the first error; documents before it stay added.
		`),
		Example: heredoc.Doc(`
			$ tcb db add todos --data '{"title": "write docs", "done": false}'
			$ tcb db add todos --file todos.jsonl
			$ tcb db add 'db.collection("todos").add({data: {title: "x", due: new Date("2026-12-01")}})'
		`),
		Args: cmdutil.ExactArgs(1, "give a collection name (or an add() statement)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Collection = args[0]
			stmt := shared.IsStatement(opts.Collection)
			if stmt && (opts.Data != "" || opts.File != "") || !stmt && (opts.Data == "") == (opts.File == "") {
				return cmdutil.FlagErrorf("give a collection with exactly one of --data or --file, or an add() statement")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Data, "data", "", "a JSON object or an array of objects")
	cmd.Flags().StringVar(&opts.File, "file", "", "a .json (array) or .jsonl file, - for stdin")
	cmd.Flags().BoolVar(&opts.Explain, "explain", false, "print the MongoDB form and send nothing (not with --file)")
	shared.AddViaFlag(cmd, &opts.Via)
	return cmd
}

// Run adds.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	var q *dbquery.Query
	var err error
	switch {
	case shared.IsStatement(opts.Collection):
		q, err = shared.ParseStatement(f, opts.Collection, dbquery.ActionInsert)
	case opts.Data != "":
		q, err = fromData(opts.Collection, opts.Data)
	}
	if err != nil {
		return err
	}
	if opts.Explain {
		if q == nil {
			return cmdutil.FlagErrorf("--explain does not read --file")
		}
		return shared.Explain(f, q)
	}
	t, err := shared.Open(f, opts.Via)
	if err != nil {
		return err
	}
	defer t.Close()
	var ids []string
	if q != nil {
		ids, err = t.Backend.Insert(ctx, q)
		if err != nil {
			return cmdutil.CallError("db add", err)
		}
	} else {
		var r io.Reader = f.IOStreams.In
		if opts.File != "-" {
			fh, err := os.Open(opts.File)
			if err != nil {
				return cmdutil.LocalErrorf("db add: %v", err)
			}
			defer fh.Close()
			r = fh
		}
		st, err := database.Import(ctx, t.Backend, opts.Collection, bufio.NewReader(r), database.ImportOptions{
			Mode: database.ImportInsert, OnIDs: func(b []string) { ids = append(ids, b...) },
		})
		if err != nil {
			return addErr(err, st)
		}
	}
	if f.WantsJSON() {
		if ids == nil {
			ids = []string{}
		}
		return cmdutil.PrintJSON(f.IOStreams.Out, map[string]any{"id_list": ids}, f.Globals.JQ)
	}
	_, err = fmt.Fprint(f.IOStreams.Out, strings.Join(ids, "\n")+"\n")
	return err
}

func addErr(err error, st database.ImportStats) error {
	var ie *database.ImportError
	if errors.As(err, &ie) {
		return cmdutil.FlagErrorf("db add: %v (%d documents added before it)", err, st.Inserted)
	}
	return cmdutil.CallError(fmt.Sprintf("db add (%d documents added before the failure)", st.Inserted), err)
}

func fromData(collection, data string) (*dbquery.Query, error) {
	v, err := dbquery.DecodeValue([]byte(data))
	if err != nil {
		return nil, cmdutil.FlagErrorf("--data: %v", err)
	}
	var docs []*dbquery.Document
	switch x := v.(type) {
	case *dbquery.Document:
		docs = []*dbquery.Document{x}
	case []any:
		for i, e := range x {
			d, ok := e.(*dbquery.Document)
			if !ok {
				return nil, cmdutil.FlagErrorf("--data: element %d is not an object", i+1)
			}
			docs = append(docs, d)
		}
	default:
		return nil, cmdutil.FlagErrorf("--data must be a JSON object or an array of objects")
	}
	q, err := dbquery.InsertDocuments(collection, docs)
	if err != nil {
		return nil, cmdutil.FlagErrorf("--data: %v", err)
	}
	return q, nil
}
