// Package collection implements `tcb db collection list|create|delete`.
package collection

import (
	"context"
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
	cmd.AddCommand(NewCmdList(f, nil), NewCmdCreate(f, nil), NewCmdDelete(f, nil))
	return cmd
}

// ListOptions of `db collection list`.
type ListOptions struct {
	F   *cmdutil.Factory
	Via string
}

// NewCmdList builds `tcb db collection list`.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	opts := &ListOptions{F: f}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List collections with their document counts and sizes",
		Example: "$ tcb db collection list\n$ tcb db collection list --jq '.[].name'",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
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
	f := opts.F
	t, err := shared.Open(f, opts.Via)
	if err != nil {
		return err
	}
	defer t.Close()
	var all []database.Collection
	const page = 100
	for off := int64(0); ; off += page {
		cs, total, err := t.Backend.ListCollections(ctx, page, off)
		if err != nil {
			return cmdutil.CallError("db collection list", err)
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
}

// CreateOptions of `db collection create`.
type CreateOptions struct {
	F    *cmdutil.Factory
	Name string
	Via  string
}

// NewCmdCreate builds `tcb db collection create`.
func NewCmdCreate(f *cmdutil.Factory, runF func(context.Context, *CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{F: f}
	cmd := &cobra.Command{
		Use:     "create <name>",
		Short:   "Create a collection",
		Example: "$ tcb db collection create todos",
		Args:    cmdutil.ExactArgs(1, "give the collection name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return createRun(cmd.Context(), opts)
		},
	}
	shared.AddViaFlag(cmd, &opts.Via)
	return cmd
}

func createRun(ctx context.Context, opts *CreateOptions) error {
	t, err := shared.Open(opts.F, opts.Via)
	if err != nil {
		return err
	}
	defer t.Close()
	if err := t.Backend.CreateCollection(ctx, opts.Name); err != nil {
		return cmdutil.CallError("db collection create", err)
	}
	return done(opts.F, "created", opts.Name)
}

// DeleteOptions of `db collection delete`.
type DeleteOptions struct {
	F    *cmdutil.Factory
	Name string
	Via  string
}

// NewCmdDelete builds `tcb db collection delete`.
func NewCmdDelete(f *cmdutil.Factory, runF func(context.Context, *DeleteOptions) error) *cobra.Command {
	opts := &DeleteOptions{F: f}
	cmd := &cobra.Command{
		Use:     "delete <name>",
		Short:   "Delete a collection and all its documents",
		Example: "$ tcb db collection delete scratch --yes",
		Args:    cmdutil.ExactArgs(1, "give the collection name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if !f.Globals.Yes && !f.IOStreams.CanPrompt() {
				return cmdutil.NoTTYError("db collection delete", "--yes")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return deleteRun(cmd.Context(), opts)
		},
	}
	shared.AddViaFlag(cmd, &opts.Via)
	return cmd
}

func deleteRun(ctx context.Context, opts *DeleteOptions) error {
	f := opts.F
	t, err := shared.Open(f, opts.Via)
	if err != nil {
		return err
	}
	defer t.Close()
	if !f.Globals.Yes && f.IOStreams.CanPrompt() {
		what := fmt.Sprintf("collection %s with all its documents and indexes", opts.Name)
		if cs, _, err := t.Backend.ListCollections(ctx, 1000, 0); err == nil {
			for _, c := range cs {
				if c.Name == opts.Name {
					what = fmt.Sprintf("collection %s with its %d document(s) and %d index(es)", opts.Name, c.Count, c.IndexCount)
				}
			}
		}
		cmdutil.ShowRemoval(f.IOStreams, t.Env, []string{what})
	}
	if err := f.ConfirmOrYes("db collection delete", fmt.Sprintf("Delete collection %s and all its documents?", opts.Name)); err != nil {
		return err
	}
	if err := t.Backend.DeleteCollection(ctx, opts.Name); err != nil {
		return cmdutil.CallError("db collection delete", err)
	}
	return done(f, "deleted", opts.Name)
}

func done(f *cmdutil.Factory, what, name string) error {
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, map[string]string{what: name}, f.Globals.JQ)
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "%s Collection %s %s\n", f.IOStreams.ColorScheme().SuccessIcon(), name, what)
	return nil
}
