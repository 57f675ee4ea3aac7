// Package deletecmd implements `tcb fn layer delete`.
package deletecmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/fn/shared"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// Options of fn layer delete.
type Options struct {
	F       *cmdutil.Factory
	Layer   string
	Version int64
	DryRun  bool
}

// NewCmdDelete builds `tcb fn layer delete`.
func NewCmdDelete(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "delete --layer <alias> --layer-version <n>",
		Short: "Delete a layer version",
		Long: `Delete one version of a layer (DeleteLayerVersion). Functions already bound to
it keep it; it can no longer be bound. When every version is gone the layer
is gone; a new version of the same name continues the numbering.`,
		Example: "$ tcb fn layer delete --layer utils --layer-version 1 --yes",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := shared.RequireLayerVersion(opts.Layer, opts.Version, "the version to delete"); err != nil {
				return err
			}
			if !opts.DryRun && !f.Globals.Yes && !f.IOStreams.CanPrompt() {
				return cmdutil.NoTTYError("fn layer delete", "--yes (or --dry-run to preview)")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Layer, "layer", "", "the layer's alias")
	cmd.Flags().Int64Var(&opts.Version, "layer-version", 0, "the version to delete")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "show what would be deleted without deleting")
	return cmd
}

// Run deletes the version.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	client, _, name, err := shared.LayerTarget(f, opts.Layer)
	if err != nil {
		return err
	}
	if _, err := client.GetLayerVersion(ctx, name, opts.Version); err != nil {
		return fmt.Errorf("fn layer delete: %w", err)
	}
	if opts.DryRun {
		fmt.Fprintf(f.IOStreams.Out, "would delete layer %s version %d\n", name, opts.Version)
		return nil
	}
	if err := f.ConfirmOrYes("fn layer delete", fmt.Sprintf("Delete layer %s version %d?", name, opts.Version)); err != nil {
		return err
	}
	if err := client.DeleteLayerVersion(ctx, name, opts.Version); err != nil {
		return fmt.Errorf("fn layer delete: %w", err)
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, map[string]any{"layer": name, "version": opts.Version, "deleted": true}, f.Globals.JQ)
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "%s Deleted layer %s version %d\n", f.IOStreams.ColorScheme().SuccessIcon(), name, opts.Version)
	return nil
}
