// Package create implements `tcb env domain create`.
package create

import (
	"context"
	"fmt"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// Options of env domain create.
type Options struct {
	F       *cmdutil.Factory
	Domains []string
}

// NewCmdCreate builds `tcb env domain create`.
func NewCmdCreate(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	return &cobra.Command{
		Use:     "create <domain>...",
		Aliases: []string{"add"},
		Short:   "Add security domains",
		Long: heredoc.Doc(`
			Add domains to the environment's security domains, all or none. Give each as a
			host name (example.com, *.example.com, or with a port, localhost:8080); several
			may be separate arguments or joined with "/" or "," as the official CLI takes
			them.
		`),
		Example: heredoc.Doc(`
			$ tcb env domain create example.com -e demo-a1b2c3
			$ tcb env domain create www.example.com/admin.example.com
		`),
		Args: cmdutil.MinArgs(1, "name at least one domain, e.g. `tcb env domain create example.com`"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ds, err := Parse(args)
			if err != nil {
				return err
			}
			opts.Domains = ds
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
}

// Parse splits the arguments on "/" and "," and checks every domain.
func Parse(args []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, a := range args {
		if strings.Contains(a, "://") {
			_, err := cloudapi.NormalizeAuthDomain(a)
			return nil, cmdutil.FlagErrorf("%v", err)
		}
		for _, p := range strings.FieldsFunc(a, func(r rune) bool { return r == '/' || r == ',' }) {
			d, err := cloudapi.NormalizeAuthDomain(p)
			if err != nil {
				return nil, cmdutil.FlagErrorf("%v", err)
			}
			if !seen[d] {
				seen[d] = true
				out = append(out, d)
			}
		}
	}
	if len(out) == 0 {
		return nil, cmdutil.FlagErrorf("no domain given")
	}
	return out, nil
}

// Run adds the domains.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	client, envID, err := f.CloudTarget()
	if err != nil {
		return err
	}
	if err := client.CreateAuthDomain(ctx, envID, opts.Domains); err != nil {
		return fmt.Errorf("env domain create: %w", err)
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, map[string]any{"envId": envID, "added": opts.Domains}, f.Globals.JQ)
	}
	cs := f.IOStreams.ColorScheme()
	for _, d := range opts.Domains {
		fmt.Fprintf(f.IOStreams.Out, "%s Added security domain %s to %s\n", cs.SuccessIcon(), d, envID)
	}
	return nil
}
