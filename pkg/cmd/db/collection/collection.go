// Package collection implements `tcb db collection list|create|delete`.
package collection

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/db/shared"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/database"
	"github.com/tcb-go/tcb/pkg/funcpack"
)

// NewCmdCollection builds `tcb db collection`.
func NewCmdCollection(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "collection <command>", Short: "List, create and delete collections"}
	var via string
	list := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List collections with their document counts and sizes",
		Example: "$ tcb db collection list\n$ tcb db collection list --jq '.[].name'",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := shared.Open(f, via)
			if err != nil {
				return err
			}
			defer t.Close()
			var all []database.Collection
			const page = 100
			for off := int64(0); ; off += page {
				cs, total, err := t.Backend.ListCollections(cmd.Context(), page, off)
				if err != nil {
					return shared.MapError("db collection list", err)
				}
				all = append(all, cs...)
				if len(cs) < page || int64(len(all)) >= total {
					break
				}
			}
			if all == nil {
				all = []database.Collection{}
			}
			if f.WantsJSON() {
				return cmdutil.PrintJSON(f.IOStreams.Out, all, f.Globals.JQ)
			}
			t2 := cmdutil.NewTable(f.IOStreams, "Name", "Documents", "Size", "Indexes")
			for _, c := range all {
				t2.Row(c.Name, fmt.Sprint(c.Count), funcpack.FormatSize(c.Size), fmt.Sprint(c.IndexCount))
			}
			return t2.Render()
		},
	}
	shared.AddViaFlag(list, &via)
	create := &cobra.Command{
		Use:     "create <name>",
		Short:   "Create a collection",
		Example: "$ tcb db collection create todos",
		Args:    cmdutil.ExactArgs(1, "give the collection name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := shared.Open(f, via)
			if err != nil {
				return err
			}
			defer t.Close()
			if err := t.Backend.CreateCollection(cmd.Context(), args[0]); err != nil {
				return shared.MapError("db collection create", err)
			}
			return done(f, "created", args[0])
		},
	}
	shared.AddViaFlag(create, &via)
	del := &cobra.Command{
		Use:     "delete <name>",
		Short:   "Delete a collection and all its documents",
		Example: "$ tcb db collection delete scratch --yes",
		Args:    cmdutil.ExactArgs(1, "give the collection name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !f.Globals.Yes && !f.IOStreams.CanPrompt() {
				return cmdutil.NoTTYError("db collection delete", "--yes")
			}
			t, err := shared.Open(f, via)
			if err != nil {
				return err
			}
			defer t.Close()
			if err := f.ConfirmOrYes("db collection delete", fmt.Sprintf("Delete collection %s and all its documents?", args[0])); err != nil {
				return err
			}
			if err := t.Backend.DeleteCollection(cmd.Context(), args[0]); err != nil {
				return shared.MapError("db collection delete", err)
			}
			return done(f, "deleted", args[0])
		},
	}
	shared.AddViaFlag(del, &via)
	cmd.AddCommand(list, create, del)
	return cmd
}

func done(f *cmdutil.Factory, what, name string) error {
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, map[string]string{what: name}, f.Globals.JQ)
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "%s Collection %s %s\n", f.IOStreams.ColorScheme().SuccessIcon(), name, what)
	return nil
}
