// Package logout implements `tcb logout`: forget the stored credentials of
// the active profile, or of every profile.
package logout

import (
	"context"
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/config"
)

// Options are the inputs of a logout.
type Options struct {
	F   *cmdutil.Factory
	All bool
}

// NewCmdLogout builds `tcb logout`.
func NewCmdLogout(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "Remove stored credentials",
		Long: heredoc.Doc(`
			Remove the credentials (API keys and WeChat app secret) of the active profile,
			or of every profile with --all. Settings such as the default environment stay.
			Credentials from environment variables are not affected.
		`),
		Example: "$ tcb logout\n$ tcb logout --all\n$ tcb --profile staging logout",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.All, "all", false, "remove the credentials of every profile")
	return cmd
}

// Run performs the logout.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	store, err := f.Config()
	if err != nil {
		return err
	}
	var removed []string
	if opts.All {
		if removed, err = store.DeleteAllCredentials(); err != nil {
			return err
		}
	} else {
		profile, err := f.Profile()
		if err != nil {
			return err
		}
		had := false
		err = store.UpdateCredentials(profile, func(c *config.Credentials) error {
			had = !c.IsZero()
			*c = config.Credentials{}
			return nil
		})
		if err != nil {
			return err
		}
		if had {
			removed = []string{profile}
		}
	}
	if removed == nil {
		removed = []string{}
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, map[string]any{"removed_profiles": removed}, f.Globals.JQ)
	}
	cs := f.IOStreams.ColorScheme()
	if len(removed) == 0 {
		fmt.Fprintln(f.IOStreams.ErrOut, "No stored credentials to remove.")
		return nil
	}
	for _, p := range removed {
		fmt.Fprintf(f.IOStreams.ErrOut, "%s Removed the credentials of profile %s\n", cs.SuccessIcon(), p)
	}
	return nil
}
