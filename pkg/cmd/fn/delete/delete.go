// Package delete implements `tcb fn delete`.
package delete

import (
	"context"
	"fmt"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/fn/shared"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/fndeploy"
	"github.com/tcb-go/tcb/pkg/funcpack"
)

// Options of fn delete.
type Options struct {
	F      *cmdutil.Factory
	Names  []string
	DryRun bool
}

// NewCmdDelete builds `tcb fn delete`.
func NewCmdDelete(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "delete <name>...",
		Short: "Delete functions",
		Long: heredoc.Doc(`
			Delete one or more functions with their triggers and logs, waiting until
			each is gone. On a terminal tcb lists what it will remove (runtime, code
			size, triggers) and asks first, "no" being the default; without one, --yes is
			required. --dry-run checks that they exist and deletes nothing. Without NAME on
			a terminal, tcb offers the environment's functions to pick from.
		`),
		Example: "$ tcb fn delete hello\n$ tcb fn delete a b c --yes\n$ tcb fn delete hello --dry-run",
		Args:    cmdutil.ArgsOrPrompt(f, 1, -1, usage),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Names = args
			if !opts.DryRun && !f.Globals.Yes && !f.IOStreams.CanPrompt() {
				return cmdutil.NoTTYError("fn delete", "--yes (or --dry-run to preview)")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "show what would be deleted without deleting")
	return cmd
}

const usage = "which functions? tcb fn delete NAME..."

// Run deletes.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	ios := f.IOStreams
	if len(opts.Names) == 0 {
		names, err := shared.ChooseFunctions(ctx, f, usage)
		if err != nil {
			return err
		}
		opts.Names = names
	}
	client, envID, err := f.CloudTarget()
	if err != nil {
		return err
	}
	var what []string
	for _, n := range opts.Names {
		fn, err := client.GetFunction(ctx, envID, n)
		if err != nil {
			return fmt.Errorf("fn delete: %w", err)
		}
		what = append(what, fmt.Sprintf("function %s (%s, %s of code, %d trigger(s)) with its logs", n, fn.Runtime, funcpack.FormatSize(fn.CodeSize), len(fn.Triggers)))
	}
	if opts.DryRun {
		if f.WantsJSON() {
			return cmdutil.PrintJSON(ios.Out, map[string]any{"dry_run": true, "would_delete": opts.Names}, f.Globals.JQ)
		}
		for _, n := range opts.Names {
			fmt.Fprintf(ios.Out, "would delete function %s from %s\n", n, envID)
		}
		return nil
	}
	if !f.Globals.Yes {
		cmdutil.ShowRemoval(ios, envID, what)
	}
	if err := f.ConfirmOrYes("fn delete", fmt.Sprintf("Delete %s from %s?", strings.Join(opts.Names, ", "), envID)); err != nil {
		return err
	}
	var deleted []string
	for _, n := range opts.Names {
		waiter := &fndeploy.Deployer{API: client, Namespace: envID}
		err := ios.RunWithProgress("Deleting "+n, func() error {
			if err := client.DeleteFunction(ctx, envID, n); err != nil {
				return err
			}
			return waiter.WaitDeleted(ctx, n)
		})
		if err != nil {
			return fmt.Errorf("fn delete %s (deleted so far: %v): %w", n, deleted, err)
		}
		deleted = append(deleted, n)
		if !f.WantsJSON() {
			fmt.Fprintf(ios.ErrOut, "%s Deleted %s\n", ios.ColorScheme().SuccessIcon(), n)
		}
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(ios.Out, map[string]any{"deleted": deleted}, f.Globals.JQ)
	}
	return nil
}
