// Package configcmd implements `tcb fn config update`.
package configcmd

import (
	"context"
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/fn/shared"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/fndeploy"
)

// NewCmdConfig builds `tcb fn config`.
func NewCmdConfig(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "config <command>", Short: "Apply configuration changes without redeploying code"}
	cmd.AddCommand(NewCmdUpdate(f, nil))
	return cmd
}

// UpdateOptions of fn config update.
type UpdateOptions struct {
	F      *cmdutil.Factory
	Names  []string
	All    bool
	DryRun bool
}

// NewCmdUpdate builds `tcb fn config update`.
func NewCmdUpdate(f *cmdutil.Factory, runF func(context.Context, *UpdateOptions) error) *cobra.Command {
	opts := &UpdateOptions{F: f}
	cmd := &cobra.Command{
		Use:   "update [name...]",
		Short: "Apply timeout, memory, runtime and environment from the project config",
		Long: heredoc.Doc(`
			Apply each function's configuration from cloudbaserc.json (timeout, memory,
			runtime, environment variables, VPC) to the deployed function, only when it
			differs. Environment variables replace the deployed set as a whole. Without
			names or --all on a terminal, tcb offers the project's functions.
		`),
		Example: "$ tcb fn config update hello\n$ tcb fn config update --all",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Names = args
			if opts.All && len(args) > 0 || !opts.All && len(args) == 0 && !f.IOStreams.CanPrompt() {
				return cmdutil.FlagErrorf("give function names or --all")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return RunUpdate(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.All, "all", false, "every function in the project config")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "show what would change")
	return cmd
}

// RunUpdate applies the configuration.
func RunUpdate(ctx context.Context, opts *UpdateOptions) error {
	f := opts.F
	p, err := f.ProjectConfig()
	if err != nil {
		return err
	}
	if p == nil {
		return cmdutil.LocalErrorf("fn config update needs a project config (cloudbaserc.json) in this directory")
	}
	names := opts.Names
	if !opts.All && len(names) == 0 {
		if err := p.Resolved("functions"); err != nil {
			return err
		}
		all := shared.Names(p)
		i, err := f.Choose("Function", "function names or --all", all, 0)
		if err != nil {
			return err
		}
		names = []string{all[i]}
	}
	if opts.All {
		if err := p.Resolved("functions", "functionDefaultConfig"); err != nil {
			return err
		}
		names = shared.Names(p)
	}
	var specs []fndeploy.Spec
	for _, n := range names {
		fn, _, err := shared.ConfiguredFunction(f, n)
		if err != nil {
			return err
		}
		if fn == nil {
			return cmdutil.LocalErrorf("%s does not configure function %q", p.ConfigPath, n)
		}
		spec, err := fndeploy.NewSpec(*fn, fndeploy.Overrides{})
		if err != nil {
			return err
		}
		specs = append(specs, spec)
	}
	client, envID, err := f.CloudTarget()
	if err != nil {
		return err
	}
	d := &fndeploy.Deployer{API: client, Namespace: envID, DryRun: opts.DryRun}
	var results []fndeploy.Result
	failed := 0
	for _, s := range specs {
		var r fndeploy.Result
		_ = f.IOStreams.RunWithProgress("Updating "+s.Name, func() error { r = d.UpdateConfig(ctx, s); return nil })
		if r.Err != nil {
			failed++
		}
		results = append(results, r)
	}
	if f.WantsJSON() {
		if err := cmdutil.PrintJSON(f.IOStreams.Out, results, f.Globals.JQ); err != nil {
			return err
		}
	} else {
		t := cmdutil.NewTable(f.IOStreams, "Function", "Config", "Error")
		for _, r := range results {
			state := "unchanged"
			if r.ConfigUpdated {
				state = "updated"
				if opts.DryRun {
					state = "would update"
				}
			}
			if r.Err != nil {
				state = "failed"
			}
			t.Row(r.Name, state, r.Error)
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	if failed > 0 {
		if len(results) == 1 {
			return fmt.Errorf("fn config update %s: %w", results[0].Name, results[0].Err)
		}
		return cmdutil.Errorf("fn config update: %d of %d failed", failed, len(results))
	}
	return nil
}
