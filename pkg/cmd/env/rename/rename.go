// Package rename implements `tcb env rename`.
package rename

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// Options of env rename.
type Options struct {
	F     *cmdutil.Factory
	Alias string
}

// NewCmdRename builds `tcb env rename`.
func NewCmdRename(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	return &cobra.Command{
		Use:     "rename <new-alias>",
		Short:   "Change the alias of the selected environment",
		Long:    "Change the alias of the environment selected by -e (or TCB_ENV_ID, cloudbaserc.json, the default).\nThe EnvId does not change.",
		Example: "$ tcb env rename shop-prod -e shop-a1b2c3",
		Args:    cmdutil.ExactArgs(1, "give the new alias: tcb env rename NEW_ALIAS"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Alias = args[0]
			if err := validate(opts.Alias); err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
}

func validate(a string) error {
	if a == "" || len(a) > 20 {
		return fmt.Errorf("alias %q must have 1 to 20 characters", a)
	}
	if a[0] < 'a' || a[0] > 'z' {
		return fmt.Errorf("alias %q must start with a lowercase letter", a)
	}
	for _, r := range a {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return fmt.Errorf("alias %q may contain only letters, digits and '-'", a)
		}
	}
	return nil
}

// Run renames.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	client, envID, err := f.CloudTarget()
	if err != nil {
		return err
	}
	if err := client.ModifyEnv(ctx, envID, opts.Alias); err != nil {
		return fmt.Errorf("rename %s: %w", envID, err)
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, map[string]string{"EnvId": envID, "Alias": opts.Alias}, f.Globals.JQ)
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "%s Renamed %s to %s\n", f.IOStreams.ColorScheme().SuccessIcon(), envID, opts.Alias)
	return nil
}
