// Package switchcmd implements `tcb service switch`.
package switchcmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// Options of service switch (and of service auth switch).
type Options struct {
	F *cmdutil.Factory
	// On is the new state; nil asks on a terminal.
	On *bool
}

// Flags adds --enable and --disable to cmd and checks them before run.
func Flags(cmd *cobra.Command, opts *Options, what string) func() error {
	var enable, disable bool
	cmd.Flags().BoolVar(&enable, "enable", false, "Turn "+what+" on")
	cmd.Flags().BoolVar(&disable, "disable", false, "Turn "+what+" off")
	return func() error {
		switch {
		case enable && disable:
			return cmdutil.FlagErrorf("%s: --enable and --disable exclude each other", cmd.CommandPath())
		case enable:
			opts.On = &enable
		case disable:
			off := false
			opts.On = &off
		case !opts.F.IOStreams.CanPrompt():
			return cmdutil.NoTTYError(cmd.CommandPath(), "--enable or --disable")
		}
		return nil
	}
}

// NewCmdSwitch builds `tcb service switch`.
func NewCmdSwitch(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "switch",
		Short: "Turn the HTTP access service on or off",
		Long: "Turn the environment's HTTP access service on or off (ModifyCloudBaseGWPrivilege serviceswitch). " +
			"While it is off every path answers 403 HTTPSERVICE_NONACTIVATED; the paths are kept. " +
			"Without --enable or --disable tcb shows the current state and asks on a terminal.",
		Example: "$ tcb service switch --disable\n$ tcb service switch --enable",
		Args:    cmdutil.NoArgs,
	}
	check := Flags(cmd, opts, "the service")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := check(); err != nil {
			return err
		}
		if runF != nil {
			return runF(cmd.Context(), opts)
		}
		return Run(cmd.Context(), opts, cloudapi.GWSwitchService)
	}
	return cmd
}

// Run sets the switch key (cloudapi.GWSwitchService or GWSwitchAuth).
func Run(ctx context.Context, opts *Options, key string) error {
	f := opts.F
	api, envID, err := f.CloudTarget()
	if err != nil {
		return err
	}
	name := map[string]string{cloudapi.GWSwitchService: "HTTP access service", cloudapi.GWSwitchAuth: "HTTP access authentication"}[key]
	if opts.On == nil {
		cur, err := api.DescribeGWPrivilege(ctx, envID)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		state := cur.EnableService
		if key == cloudapi.GWSwitchAuth {
			state = cur.EnableAuth
		}
		i, err := f.Prompter.Select(fmt.Sprintf("%s of %s (now %s)", name, envID, onOff(state)), []string{"on", "off"}, 0)
		if err != nil {
			return err
		}
		on := i == 0
		opts.On = &on
	}
	if err := api.ModifyGWPrivilege(ctx, envID, key, *opts.On); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, map[string]any{"envId": envID, "enabled": *opts.On}, f.Globals.JQ)
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "%s %s of %s is %s\n", f.IOStreams.ColorScheme().SuccessIcon(), name, envID, onOff(*opts.On))
	return nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
