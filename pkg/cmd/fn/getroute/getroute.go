// Package getroute implements `tcb fn get-route`.
package getroute

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/fnversion"
)

// Options of fn get-route.
type Options struct {
	F    *cmdutil.Factory
	Name string
}

const usage = "which function? tcb fn get-route NAME"

// NewCmdGetRoute builds `tcb fn get-route`.
func NewCmdGetRoute(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	return &cobra.Command{
		Use:     "get-route <name>",
		Short:   "Show how a function's traffic is split between versions",
		Long:    "Show the traffic split of the function's $DEFAULT alias (set by tcb fn config-route), in percent per version.",
		Example: "$ tcb fn get-route hello\n$ tcb fn get-route hello --json --jq '.routes'",
		Args:    cmdutil.ExactArgs(1, usage),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
}

// Run shows the route.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	client, envID, err := f.CloudTarget()
	if err != nil {
		return err
	}
	a, err := client.GetAlias(ctx, envID, opts.Name, fnversion.DefaultAlias)
	if err != nil {
		return fmt.Errorf("fn get-route: %w", err)
	}
	shares := fnversion.Shares(&a.Alias)
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, map[string]any{"function": opts.Name, "alias": a.Name,
			"main_version": a.FunctionVersion, "routes": shares, "routing_config": a.RoutingConfig}, f.Globals.JQ)
	}
	t := cmdutil.NewTable(f.IOStreams, "VERSION", "TRAFFIC")
	for _, s := range shares {
		t.Row(s.Version, fmt.Sprintf("%g%%", s.Percent))
	}
	return t.Render()
}
