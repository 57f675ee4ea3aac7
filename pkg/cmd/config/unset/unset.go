// Package unset implements `tcb config unset`.
package unset

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/config"
)

// Options of config unset.
type Options struct {
	F   *cmdutil.Factory
	Key string
}

// NewCmdUnset builds `tcb config unset`.
func NewCmdUnset(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	return &cobra.Command{
		Use:     "unset <key>",
		Short:   "Remove a setting from the active profile",
		Example: "$ tcb config unset env-id",
		Args:    cmdutil.ExactArgs(1, "which setting? keys: env-id, region, output, token-server"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Key = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
}

// Run removes the value.
func Run(ctx context.Context, opts *Options) error {
	k, err := config.LookupSetting(opts.Key)
	if err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	store, err := opts.F.Config()
	if err != nil {
		return err
	}
	profile, err := opts.F.Profile()
	if err != nil {
		return err
	}
	if err := store.UpdateSettings(profile, func(s *config.Settings) error { k.Unset(s); return nil }); err != nil {
		return err
	}
	if opts.F.WantsJSON() {
		return cmdutil.PrintJSON(opts.F.IOStreams.Out, map[string]string{"key": k.Key, "profile": profile}, opts.F.Globals.JQ)
	}
	fmt.Fprintf(opts.F.IOStreams.ErrOut, "%s %s unset (profile %s)\n", opts.F.IOStreams.ColorScheme().SuccessIcon(), k.Key, profile)
	return nil
}
