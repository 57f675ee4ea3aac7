// Package delete implements `tcb env domain delete`.
package delete

import (
	"context"
	"fmt"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/cmd/env/domain/create"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// Options of env domain delete.
type Options struct {
	F       *cmdutil.Factory
	Domains []string
	DryRun  bool
}

// NewCmdDelete builds `tcb env domain delete`.
func NewCmdDelete(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:     "delete [domain]...",
		Aliases: []string{"rm"},
		Short:   "Delete security domains",
		Long: heredoc.Doc(`
			Delete security domains you added (system domains stay). Without arguments on a
			terminal, choose them from a list. It asks to confirm on a terminal; elsewhere
			--yes is required. --dry-run shows what would be deleted.
		`),
		Example: heredoc.Doc(`
			$ tcb env domain delete example.com --yes
			$ tcb env domain delete a.example.com/b.example.com --dry-run
		`),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				ds, err := create.Parse(args)
				if err != nil {
					return err
				}
				opts.Domains = ds
			} else if !f.IOStreams.CanPrompt() {
				return cmdutil.NoTTYError("env domain delete", "the domains to delete as arguments")
			}
			if !opts.DryRun && !f.Globals.Yes && !f.IOStreams.CanPrompt() {
				return cmdutil.NoTTYError("env domain delete", "--yes (or --dry-run to preview)")
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

// Run deletes the domains.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	client, envID, err := f.CloudTarget()
	if err != nil {
		return err
	}
	resp, err := client.DescribeAuthDomains(ctx, envID)
	if err != nil {
		return fmt.Errorf("env domain delete: %w", err)
	}
	byName := map[string]cloudapi.AuthDomain{}
	var choices []string
	for _, d := range resp.Domains {
		byName[d.Domain] = d
		if d.Type != "system" {
			choices = append(choices, d.Domain)
		}
	}
	domains := opts.Domains
	if len(domains) == 0 {
		if len(choices) == 0 {
			return cmdutil.NotFoundErrorf("env domain delete: %s has no security domains of its own", envID)
		}
		picked, err := f.Prompter.MultiSelect("Domains to delete", choices, nil)
		if err != nil {
			return err
		}
		for _, i := range picked {
			domains = append(domains, choices[i])
		}
		if len(domains) == 0 {
			return cmdutil.Errorf("env domain delete: nothing chosen")
		}
	}
	var ids []string
	for _, d := range domains {
		a, ok := byName[d]
		switch {
		case !ok:
			return cmdutil.NotFoundErrorf("env domain delete: %s is not a security domain of %s", d, envID)
		case a.Type == "system":
			return cmdutil.FlagErrorf("env domain delete: %s is a system domain and cannot be deleted", d)
		}
		ids = append(ids, a.Id)
	}
	if opts.DryRun {
		if f.WantsJSON() {
			return cmdutil.PrintJSON(f.IOStreams.Out, map[string]any{"envId": envID, "wouldDelete": domains, "dryRun": true}, f.Globals.JQ)
		}
		fmt.Fprintf(f.IOStreams.Out, "Would delete from %s: %s\n", envID, strings.Join(domains, ", "))
		return nil
	}
	if err := f.ConfirmOrYes("env domain delete", fmt.Sprintf("Delete %s from %s?", strings.Join(domains, ", "), envID)); err != nil {
		return err
	}
	n, err := client.DeleteAuthDomain(ctx, envID, ids)
	if err != nil {
		return fmt.Errorf("env domain delete: %w", err)
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, map[string]any{"envId": envID, "deleted": domains, "count": n}, f.Globals.JQ)
	}
	cs := f.IOStreams.ColorScheme()
	for _, d := range domains {
		fmt.Fprintf(f.IOStreams.Out, "%s Deleted security domain %s from %s\n", cs.SuccessIcon(), d, envID)
	}
	return nil
}
