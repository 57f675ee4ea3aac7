// Package use implements `tcb env use`.
package use

import (
	"context"
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/config"
)

// Options of env use.
type Options struct {
	F     *cmdutil.Factory
	EnvID string
	Unset bool
}

// NewCmdUse builds `tcb env use`.
func NewCmdUse(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "use [env-id]",
		Short: "Set (or --unset) the profile's default environment",
		Long: heredoc.Doc(`
			Make ENV_ID the default environment of the active profile after checking that
			it exists. It has the lowest priority: cloudbaserc.json's envId, TCB_ENV_ID and
			-e all win over it.
		`),
		Example: "$ tcb env use demo-a1b2c3\n$ tcb env use --unset",
		Args:    cmdutil.MaxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.EnvID = args[0]
			}
			if opts.Unset == (opts.EnvID != "") {
				return cmdutil.FlagErrorf("give either an environment id or --unset")
			}
			if opts.EnvID != "" {
				if err := config.ValidateEnvID(opts.EnvID); err != nil {
					return cmdutil.FlagErrorf("%v", err)
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Unset, "unset", false, "remove the default environment")
	return cmd
}

// Run stores the default.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	if opts.EnvID != "" {
		client, err := f.CloudAPI()
		if err != nil {
			return err
		}
		if _, err := client.DescribeEnv(ctx, opts.EnvID); err != nil {
			return fmt.Errorf("env use: %w", err)
		}
	}
	store, err := f.Config()
	if err != nil {
		return err
	}
	profile, err := f.Profile()
	if err != nil {
		return err
	}
	if err := store.UpdateSettings(profile, func(s *config.Settings) error { s.EnvID = opts.EnvID; return nil }); err != nil {
		return err
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, map[string]string{"profile": profile, "env_id": opts.EnvID}, f.Globals.JQ)
	}
	cs := f.IOStreams.ColorScheme()
	if opts.Unset {
		fmt.Fprintf(f.IOStreams.ErrOut, "%s No default environment (profile %s)\n", cs.SuccessIcon(), profile)
	} else {
		fmt.Fprintf(f.IOStreams.ErrOut, "%s Default environment is now %s (profile %s)\n", cs.SuccessIcon(), opts.EnvID, profile)
	}
	return nil
}
