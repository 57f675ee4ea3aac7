// Package index implements `tcb db index list|create|drop`.
package index

import (
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
	var via string
	list := &cobra.Command{
		Use:     "list <collection>",
		Aliases: []string{"ls"},
		Short:   "List a collection's indexes",
		Example: "$ tcb db index list todos\n$ tcb db index list todos --jq '.[].name'",
		Args:    cmdutil.ExactArgs(1, "give the collection name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if via == "auto" {
				via = "api" // the WeChat HTTP API cannot list indexes
			}
			t, err := shared.Open(f, via)
			if err != nil {
				return err
			}
			defer t.Close()
			ixs, err := t.Backend.(database.Indexer).ListIndexes(cmd.Context(), args[0])
			if errors.Is(err, database.ErrIndexListUnsupported) {
				return cmdutil.FlagErrorf("db index list: %v", err)
			}
			if err != nil {
				return shared.MapError("db index list", err)
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
		},
	}
	shared.AddViaFlag(list, &via)

	var keys []string
	var name string
	var unique bool
	create := &cobra.Command{
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
			ix, err := parseIndex(name, keys, unique)
			if err != nil {
				return err
			}
			t, err := shared.Open(f, via)
			if err != nil {
				return err
			}
			defer t.Close()
			if err := t.Backend.(database.Indexer).CreateIndex(cmd.Context(), args[0], ix); err != nil {
				return shared.MapError("db index create", err)
			}
			return done(f, "created", ix.Name, args[0])
		},
	}
	create.Flags().StringArrayVar(&keys, "key", nil, "an indexed field: FIELD, FIELD:1, FIELD:-1 or FIELD:2dsphere (repeatable)")
	create.Flags().StringVar(&name, "name", "", "index name (default: from the keys)")
	create.Flags().BoolVar(&unique, "unique", false, "refuse duplicate values")
	shared.AddViaFlag(create, &via)

	drop := &cobra.Command{
		Use:     "drop <collection> <index>",
		Short:   "Drop an index",
		Example: "$ tcb db index drop todos owner_1_due_-1 --yes",
		Args:    cmdutil.ExactArgs(2, "give the collection and the index name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[1] == "_id_" {
				return cmdutil.FlagErrorf("the _id index cannot be dropped")
			}
			if err := f.ConfirmOrYes("db index drop", fmt.Sprintf("Drop index %s of %s?", args[1], args[0])); err != nil {
				return err
			}
			t, err := shared.Open(f, via)
			if err != nil {
				return err
			}
			defer t.Close()
			if err := t.Backend.(database.Indexer).DropIndex(cmd.Context(), args[0], args[1]); err != nil {
				return shared.MapError("db index drop", err)
			}
			return done(f, "dropped", args[1], args[0])
		},
	}
	shared.AddViaFlag(drop, &via)
	cmd.AddCommand(list, create, drop)
	return cmd
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
