// Package delete implements `tcb env delete`.
package delete

import (
	"context"
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/config"
)

// Options of env delete.
type Options struct {
	F      *cmdutil.Factory
	EnvID  string
	DryRun bool
}

// NewCmdDelete builds `tcb env delete`.
func NewCmdDelete(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "delete [env-id]",
		Short: "Delete an environment and everything in it",
		Long: heredoc.Doc(`
			Delete an environment with its functions, database and files. On a terminal tcb
			asks first; without one, --yes is required. --dry-run shows what would be
			deleted and changes nothing.
		`),
		Example: heredoc.Doc(`
			$ tcb env delete demo-a1b2c3
			$ tcb env delete demo-a1b2c3 --yes
			$ tcb env delete demo-a1b2c3 --dry-run
		`),
		Args: cmdutil.MaxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.EnvID = args[0]
			}
			if !opts.DryRun && !f.Globals.Yes && !f.IOStreams.CanPrompt() {
				return cmdutil.NoTTYError("env delete", "--yes (or --dry-run to preview)")
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

// Run deletes.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	ios := f.IOStreams
	client, err := f.CloudAPI()
	if err != nil {
		return err
	}
	envID := opts.EnvID
	if envID == "" {
		if envID, err = f.RequireEnvID(); err != nil {
			return err
		}
	}
	env, err := client.DescribeEnv(ctx, envID)
	if err != nil {
		return fmt.Errorf("env delete: %w", err)
	}
	if opts.DryRun {
		if f.WantsJSON() {
			return cmdutil.PrintJSON(ios.Out, map[string]any{"dry_run": true, "would_delete": env}, f.Globals.JQ)
		}
		fmt.Fprintf(ios.Out, "would delete environment %s (alias %s, status %s, region %s)\n", env.EnvId, env.Alias, env.Status, env.Region)
		return nil
	}
	if !f.Globals.Yes {
		what := []string{fmt.Sprintf("environment %s (alias %s, status %s, region %s, package %s)", env.EnvId, env.Alias, env.Status, env.Region, env.PackageName)}
		if fns, err := client.ListFunctions(ctx, env.Namespace()); err == nil {
			what = append(what, fmt.Sprintf("its %d cloud function(s)", len(fns)))
		}
		what = append(what, "its database, storage bucket and static hosting, with all their data")
		cmdutil.ShowRemoval(ios, "", what)
	}
	if err := f.ConfirmOrYes("env delete", fmt.Sprintf("Delete environment %s (%s) with all its functions and data?", env.EnvId, env.Alias)); err != nil {
		return err
	}
	err = ios.RunWithProgress("Deleting "+envID, func() error { return client.DestroyEnv(ctx, envID) })
	if err != nil {
		return fmt.Errorf("env delete: %w", err)
	}
	// Forget it as the default, so later commands do not aim at a ghost.
	if store, err := f.Config(); err == nil {
		if profile, err := f.Profile(); err == nil {
			_ = store.UpdateSettings(profile, func(s *config.Settings) error {
				if s.EnvID == envID {
					s.EnvID = ""
				}
				return nil
			})
		}
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(ios.Out, map[string]any{"deleted": envID}, f.Globals.JQ)
	}
	fmt.Fprintf(ios.ErrOut, "%s Deleted environment %s\n", ios.ColorScheme().SuccessIcon(), envID)
	return nil
}
