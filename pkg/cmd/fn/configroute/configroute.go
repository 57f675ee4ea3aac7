// Package configroute implements `tcb fn config-route`.
package configroute

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/fnversion"
)

// Options of fn config-route.
type Options struct {
	F      *cmdutil.Factory
	Name   string
	Shares []fnversion.Share
}

const usage = "tcb fn config-route NAME VERSION1 TRAFFIC1 [VERSION2 TRAFFIC2]"

// NewCmdConfigRoute builds `tcb fn config-route`.
func NewCmdConfigRoute(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	return &cobra.Command{
		Use:   "config-route <name> <version1> <traffic1> [version2] [traffic2]",
		Short: "Split a function's traffic between versions",
		Long: `Split the traffic of the function's $DEFAULT alias between one or two versions
(percentages; two must add up to 100; with one, the rest goes to $LATEST).
This is what callFunction from mini-programs, the WeChat HTTP API and the HTTP
access service run; a Cloud API Invoke without --qualifier runs $LATEST, and
tcb fn invoke --qualifier '$DEFAULT' follows the split.`,
		Example: "$ tcb fn config-route hello 1 80 '$LATEST' 20\n$ tcb fn config-route hello 2 100",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 3 && len(args) != 5 {
				return cmdutil.FlagErrorf("give a function and one or two VERSION TRAFFIC pairs: %s", usage)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			opts.Shares = nil
			for i := 1; i+1 < len(args); i += 2 {
				p, err := fnversion.ParsePercent(args[i+1])
				if err != nil {
					return cmdutil.FlagErrorf("%v", err)
				}
				opts.Shares = append(opts.Shares, fnversion.Share{Version: args[i], Percent: float64(p)})
			}
			if _, err := fnversion.RouteRequest("", opts.Name, opts.Shares); err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
}

// Run sets the route.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	client, envID, err := f.CloudTarget()
	if err != nil {
		return err
	}
	req, err := fnversion.RouteRequest(envID, opts.Name, opts.Shares)
	var ie *fnversion.InvalidError
	if errors.As(err, &ie) {
		return cmdutil.FlagErrorf("%v", err)
	}
	if err := client.UpdateAlias(ctx, req); err != nil {
		return fmt.Errorf("fn config-route: %w", err)
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, map[string]any{"function": opts.Name, "alias": fnversion.DefaultAlias, "routes": opts.Shares}, f.Globals.JQ)
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "%s Set the traffic of %s:", f.IOStreams.ColorScheme().SuccessIcon(), opts.Name)
	for _, s := range opts.Shares {
		fmt.Fprintf(f.IOStreams.ErrOut, " %s %g%%", s.Version, s.Percent)
	}
	fmt.Fprintln(f.IOStreams.ErrOut)
	return nil
}
