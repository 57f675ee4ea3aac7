// Package index implements `tcb db index list|create|drop`.
package index

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/db/shared"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/database"
	"github.com/tcb-go/tcb/pkg/funcpack"
)

// NewCmdIndex builds `tcb db index`.
func NewCmdIndex(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "index <command>",
		Short: "List, create and drop the indexes of a collection",
		Long: heredoc.Doc(`
			Indexes make where() conditions, orderBy() and geo queries fast; a unique index
			also refuses duplicate values. Every collection has the unique _id index.

			Listing needs the Tencent Cloud API (API keys, or the emulator); creating and
			dropping work over either transport.
		`),
	}
	cmd.AddCommand(NewCmdList(f, nil), NewCmdCreate(f, nil), NewCmdDrop(f, nil))
	return cmd
}

// ListOptions of `db index list`.
type ListOptions struct {
	F          *cmdutil.Factory
	Collection string
	Via        string
}

// NewCmdList builds `tcb db index list`.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	opts := &ListOptions{F: f}
	cmd := &cobra.Command{
		Use:     "list <collection>",
		Aliases: []string{"ls"},
		Short:   "List a collection's indexes",
		Example: "$ tcb db index list todos\n$ tcb db index list todos --jq '.[].name'",
		Args:    cmdutil.ExactArgs(1, "give the collection name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Collection = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	shared.AddViaFlag(cmd, &opts.Via)
	return cmd
}

func listRun(ctx context.Context, opts *ListOptions) error {
	f, via := opts.F, opts.Via
	if via == "auto" {
		via = "api" // the WeChat HTTP API cannot list indexes
	}
	t, err := shared.Open(f, via)
	if err != nil {
		return err
	}
	defer t.Close()
	ixs, err := t.Backend.(database.Indexer).ListIndexes(ctx, opts.Collection)
	if errors.Is(err, database.ErrIndexListUnsupported) {
		return cmdutil.FlagErrorf("db index list: %v", err)
	}
	if err != nil {
		return cmdutil.CallError("db index list", err)
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, ixs, f.Globals.JQ)
	}
	tbl := cmdutil.NewTable(f.IOStreams, "Name", "Keys", "Unique", "Size", "Uses")
	for _, ix := range ixs {
		keys := make([]string, len(ix.Keys))
		for i, k := range ix.Keys {
			keys[i] = k.Field + ":" + k.Direction
		}
		tbl.Row(ix.Name, strings.Join(keys, ","), fmt.Sprint(ix.Unique), funcpack.FormatSize(ix.Size), fmt.Sprint(ix.Ops))
	}
	return tbl.Render()
}

// CreateOptions of `db index create`.
type CreateOptions struct {
	F          *cmdutil.Factory
	Collection string
	Keys       []string
	Name       string
	Unique     bool
	Via        string
	// Index is the index the flags describe.
	Index database.Index
}

// NewCmdCreate builds `tcb db index create`.
func NewCmdCreate(f *cmdutil.Factory, runF func(context.Context, *CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{F: f}
	cmd := &cobra.Command{
		Use:   "create <collection> --key FIELD[:1|-1|2dsphere]...",
		Short: "Create an index",
		Long: heredoc.Doc(`
			Create an index on one or more fields: --key FIELD (ascending), FIELD:-1
			(descending) or FIELD:2dsphere (geo, for geoNear/geoWithin/geoIntersects),
			repeatable for a compound index. --name defaults to the MongoDB style name
			(field_1_other_-1). --unique refuses duplicate values; creating it fails when
			the collection already holds some.
		`),
		Example: heredoc.Doc(`
			$ tcb db index create todos --key owner --key due:-1
			$ tcb db index create users --key email --unique
			$ tcb db index create places --key location:2dsphere
		`),
		Args: cmdutil.ExactArgs(1, "give the collection name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Collection = args[0]
			ix, err := parseIndex(opts.Name, opts.Keys, opts.Unique)
			if err != nil {
				return err
			}
			opts.Index = ix
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return createRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringArrayVar(&opts.Keys, "key", nil, "an indexed field: FIELD, FIELD:1, FIELD:-1 or FIELD:2dsphere (repeatable)")
	cmd.Flags().StringVar(&opts.Name, "name", "", "index name (default: from the keys)")
	cmd.Flags().BoolVar(&opts.Unique, "unique", false, "refuse duplicate values")
	shared.AddViaFlag(cmd, &opts.Via)
	return cmd
}

func createRun(ctx context.Context, opts *CreateOptions) error {
	t, err := shared.Open(opts.F, opts.Via)
	if err != nil {
		return err
	}
	defer t.Close()
	if err := t.Backend.(database.Indexer).CreateIndex(ctx, opts.Collection, opts.Index); err != nil {
		return cmdutil.CallError("db index create", err)
	}
	return done(opts.F, "created", opts.Index.Name, opts.Collection)
}

// DropOptions of `db index drop`.
type DropOptions struct {
	F          *cmdutil.Factory
	Collection string
	Index      string
	Via        string
}

// NewCmdDrop builds `tcb db index drop`.
func NewCmdDrop(f *cmdutil.Factory, runF func(context.Context, *DropOptions) error) *cobra.Command {
	opts := &DropOptions{F: f}
	cmd := &cobra.Command{
		Use:     "drop <collection> <index>",
		Short:   "Drop an index",
		Example: "$ tcb db index drop todos owner_1_due_-1 --yes",
		Args:    cmdutil.ExactArgs(2, "give the collection and the index name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Collection, opts.Index = args[0], args[1]
			if opts.Index == "_id_" {
				return cmdutil.FlagErrorf("the _id index cannot be dropped")
			}
			if !f.Globals.Yes && !f.IOStreams.CanPrompt() {
				return cmdutil.NoTTYError("db index drop", "--yes")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return dropRun(cmd.Context(), opts)
		},
	}
	shared.AddViaFlag(cmd, &opts.Via)
	return cmd
}

func dropRun(ctx context.Context, opts *DropOptions) error {
	f := opts.F
	if err := f.ConfirmOrYes("db index drop", fmt.Sprintf("Drop index %s of %s?", opts.Index, opts.Collection)); err != nil {
		return err
	}
	t, err := shared.Open(f, opts.Via)
	if err != nil {
		return err
	}
	defer t.Close()
	if err := t.Backend.(database.Indexer).DropIndex(ctx, opts.Collection, opts.Index); err != nil {
		return cmdutil.CallError("db index drop", err)
	}
	return done(f, "dropped", opts.Index, opts.Collection)
}

// parseIndex builds the index of the create flags.
func parseIndex(name string, keys []string, unique bool) (database.Index, error) {
	if len(keys) == 0 {
		return database.Index{}, cmdutil.FlagErrorf("--key is required (e.g. --key owner or --key due:-1)")
	}
	ix := database.Index{Name: name, Unique: unique}
	var auto []string
	seen := map[string]bool{}
	for _, k := range keys {
		field, dir, _ := strings.Cut(k, ":")
		field = strings.TrimSpace(field)
		if dir == "" {
			dir = "1"
		}
		switch dir {
		case "1", "-1", "2dsphere":
		default:
			return database.Index{}, cmdutil.FlagErrorf("--key %q: the direction must be 1, -1 or 2dsphere", k)
		}
		if field == "" || strings.HasPrefix(field, "$") || strings.ContainsAny(field, " \x00") {
			return database.Index{}, cmdutil.FlagErrorf("--key %q: not a field name", k)
		}
		if seen[field] {
			return database.Index{}, cmdutil.FlagErrorf("--key: %s is given twice", field)
		}
		seen[field] = true
		ix.Keys = append(ix.Keys, database.IndexKey{Field: field, Direction: dir})
		auto = append(auto, field+"_"+dir)
	}
	if ix.Name == "" {
		ix.Name = strings.Join(auto, "_")
	}
	if ix.Name == "_id_" {
		return database.Index{}, cmdutil.FlagErrorf("--name _id_ is the _id index's")
	}
	return ix, nil
}

func done(f *cmdutil.Factory, what, index, coll string) error {
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, map[string]string{"collection": coll, "index": index, "result": what}, f.Globals.JQ)
	}
	_, err := fmt.Fprintf(f.IOStreams.Out, "%s Index %s of %s %s\n", f.IOStreams.ColorScheme().SuccessIcon(), index, coll, what)
	return err
}
