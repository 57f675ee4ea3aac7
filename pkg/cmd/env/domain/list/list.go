// Package list implements `tcb env domain list`.
package list

import (
	"context"
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// Options of env domain list.
type Options struct {
	F *cmdutil.Factory
}

// NewCmdList builds `tcb env domain list`.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	return &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the security domains",
		Long: heredoc.Doc(`
			List the domains whose web pages may call the environment (the Web SDK's
			security domains): the system ones every environment has and those you added.
			--json prints the API's Domains array (Id, Domain, Type, Status, CreateTime,
			UpdateTime).
		`),
		Example: heredoc.Doc(`
			$ tcb env domain list -e demo-a1b2c3
			$ tcb env domain list --jq '.[] | select(.Type == "user") | .Domain'
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
}

// Run lists the domains.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	client, envID, err := f.CloudTarget()
	if err != nil {
		return err
	}
	resp, err := client.DescribeAuthDomains(ctx, envID)
	if err != nil {
		return fmt.Errorf("env domain list: %w", err)
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, resp.Domains, f.Globals.JQ)
	}
	t := cmdutil.NewTable(f.IOStreams, "ID", "DOMAIN", "TYPE", "STATUS", "CREATED")
	for _, d := range resp.Domains {
		t.Row(d.Id, d.Domain, d.Type, d.Status, f.FormatCloudTime(d.CreateTime))
	}
	return t.Render()
}
