// Package query implements `tcb db query`.
package query

import (
	"context"
	"fmt"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/db/shared"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/database"
	"github.com/tcb-go/tcb/pkg/dbquery"
)

// pageSize is the page --all asks for (the HTTP API's maximum).
const pageSize = 1000

// Options of db query.
type Options struct {
	F       *cmdutil.Factory
	Arg     string
	Where   string
	OrderBy []string
	Skip    int64
	Limit   int64
	Fields  []string
	All     bool
	Explain bool
	JSONL   bool
	Via     string
	set     func(string) bool
}

// NewCmdQuery builds `tcb db query`.
func NewCmdQuery(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "query <statement | collection>",
		Short: "Read documents with a statement or flags",
		Long: heredoc.Doc(`
			Run a read statement (get(), count() or aggregate()...end()), or query a
			collection with flags. Without .limit() the API returns 10 documents; --all
			pages through every match.

			Output: a table of top-level fields on a terminal, JSON Lines otherwise;
			--json prints an array, --jsonl one document per line. --explain prints the
			MongoDB form (filter, projection, sort, skip, limit, ...) and sends nothing.
			"-" reads the statement from stdin.

			Without an argument on a terminal, tcb offers the environment's collections,
			then the statement to edit, starting as
			db.collection('NAME').where({}).limit(10).get(); a statement that fails shows
			its --explain form.
		`),
		Example: heredoc.Doc(`
			$ tcb db query 'db.collection("todos").where({done: false, due: _.lt(new Date("2026-12-01"))}).orderBy("due","asc").limit(20).get()'
			$ tcb db query todos --where '{"done": false}' --order-by due:asc --limit 20 --field title,due
			$ tcb db query todos --all --jsonl > todos.jsonl
			$ tcb db query 'db.collection("todos").where({tags: "home"}).get()' --explain
		`),
		Args: cmdutil.ArgsOrPrompt(f, 1, 1, "give a statement or a collection name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Arg = args[0]
			}
			opts.set = cmd.Flags().Changed
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Where, "where", "", "condition as Extended JSON, read like where(): {\"age\": {\"$gt\": 3}}")
	fl.StringArrayVar(&opts.OrderBy, "order-by", nil, "sort key FIELD[:asc|desc], repeatable")
	fl.Int64Var(&opts.Skip, "skip", 0, "documents to skip")
	fl.Int64Var(&opts.Limit, "limit", 0, "documents to return (the API default is 10)")
	fl.StringSliceVar(&opts.Fields, "field", nil, "fields to return (a,b) or leave out (-a)")
	fl.BoolVar(&opts.All, "all", false, "page through every matching document")
	fl.BoolVar(&opts.Explain, "explain", false, "print the MongoDB form and send nothing")
	fl.BoolVar(&opts.JSONL, "jsonl", false, "print one JSON document per line")
	shared.AddViaFlag(cmd, &opts.Via)
	return cmd
}

// Build turns the argument and flags into a query.
func (o *Options) Build() (*dbquery.Query, error) {
	changed := func(n string) bool { return o.set != nil && o.set(n) }
	if shared.IsStatement(o.Arg) {
		for _, n := range []string{"where", "order-by", "skip", "limit", "field"} {
			if changed(n) {
				return nil, cmdutil.FlagErrorf("--%s applies to a collection name, not to a statement", n)
			}
		}
		return shared.ParseStatement(o.F, o.Arg, dbquery.ActionFind, dbquery.ActionCount, dbquery.ActionAggregate)
	}
	var skip, limit *int64
	if changed("skip") {
		skip = &o.Skip
	}
	if changed("limit") {
		limit = &o.Limit
	}
	var fields []string
	for _, f := range o.Fields {
		if f = strings.TrimSpace(f); f != "" {
			fields = append(fields, f)
		}
	}
	q, err := dbquery.FromFlags(o.Arg, o.Where, o.OrderBy, skip, limit, fields)
	if err != nil {
		return nil, cmdutil.FlagErrorf("%v", err)
	}
	return q, nil
}

// Run queries.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	format, err := shared.DocFormat(f, opts.JSONL)
	if err != nil {
		return err
	}
	var t *shared.Target
	var q *dbquery.Query
	asked := opts.Arg == ""
	if asked {
		if t, err = shared.Open(f, opts.Via); err != nil {
			return err
		}
		defer t.Close()
		name, err := shared.ChooseCollection(ctx, f, t, "a statement or a collection name")
		if err != nil {
			return err
		}
		start := fmt.Sprintf("db.collection('%s').where({}).limit(10).get()", name)
		if opts.Arg, q, err = shared.AskStatement(f, start, dbquery.ActionFind, dbquery.ActionCount, dbquery.ActionAggregate); err != nil {
			return err
		}
	} else if q, err = opts.Build(); err != nil {
		return err
	}
	if opts.All && (q.Action != dbquery.ActionFind || q.Limit != nil || q.Skip != nil) {
		return cmdutil.FlagErrorf("--all pages a get() without skip/limit")
	}
	if opts.Explain {
		return shared.Explain(f, q)
	}
	if t == nil {
		if t, err = shared.Open(f, opts.Via); err != nil {
			return err
		}
		defer t.Close()
	}
	var docs []*dbquery.Document
	switch {
	case opts.All:
		err = f.IOStreams.RunWithProgress("Reading "+q.Collection, func() error {
			for skip := int64(0); ; skip += pageSize {
				page := *q
				s, l := skip, int64(pageSize)
				page.Skip, page.Limit = &s, &l
				got, _, err := t.Backend.Find(ctx, &page)
				if err != nil {
					return err
				}
				docs = append(docs, got...)
				if len(got) < pageSize {
					return nil
				}
			}
		})
	case q.Action == dbquery.ActionCount:
		var n int64
		if n, err = t.Backend.Count(ctx, q); err == nil {
			return shared.PrintCount(f, n)
		}
	default:
		var out *database.Outcome
		err = f.IOStreams.RunWithProgress("Querying "+q.Collection, func() error {
			out, err = database.Run(ctx, t.Backend, q)
			return err
		})
		if out != nil {
			docs = out.Docs
		}
	}
	if err != nil {
		if asked {
			shared.ExplainOnError(f, q)
		}
		return cmdutil.CallError("db query", err)
	}
	if q.HasDocID && q.Action == dbquery.ActionFind && len(docs) == 0 {
		// doc(id).get() of a missing document: the SDKs fail too
		// ("document.get:fail document with _id ... does not exist").
		id, _ := dbquery.EncodeValue(q.DocID)
		return cmdutil.NotFoundErrorf("db query: no document with _id %s in %s", id, q.Collection)
	}
	return shared.PrintDocs(f, docs, format)
}
