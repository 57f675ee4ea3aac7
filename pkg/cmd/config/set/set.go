// Package set implements `tcb config set`.
package set

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/config"
)

// Options of config set.
type Options struct {
	F          *cmdutil.Factory
	Key, Value string
}

// NewCmdSet builds `tcb config set`.
func NewCmdSet(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	var keys string
	for _, k := range config.SettingKeys() {
		keys += fmt.Sprintf("  %-13s %s\n", k.Key, k.Description)
	}
	return &cobra.Command{
		Use:     "set <key> <value>",
		Short:   "Change a setting of the active profile",
		Long:    "Change a setting of the active profile. Keys:\n\n" + keys,
		Example: "$ tcb config set region ap-guangzhou\n$ tcb config set output json\n$ tcb config set token-server https://token.internal:8081",
		Args:    cmdutil.ExactArgs(2, "usage: tcb config set <key> <value>"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Key, opts.Value = args[0], args[1]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
}

// Run stores the value.
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
	var stored string
	err = store.UpdateSettings(profile, func(s *config.Settings) error {
		v, err := k.Set(s, opts.Value)
		stored = v
		if err != nil {
			return cmdutil.FlagErrorf("%v", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if opts.F.WantsJSON() {
		return cmdutil.PrintJSON(opts.F.IOStreams.Out, map[string]string{"key": k.Key, "value": stored, "profile": profile}, opts.F.Globals.JQ)
	}
	fmt.Fprintf(opts.F.IOStreams.ErrOut, "%s %s = %s (profile %s)\n", opts.F.IOStreams.ColorScheme().SuccessIcon(), k.Key, stored, profile)
	return nil
}
