// Package create implements `tcb env create`.
package create

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/config"
)

// Options of env create.
type Options struct {
	F         *cmdutil.Factory
	Alias     string
	PackageID string
	NoWait    bool
	Timeout   time.Duration
	Use       bool
}

// NewCmdCreate builds `tcb env create`.
func NewCmdCreate(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "create [alias]",
		Short: "Create an environment and wait until it is ready",
		Long: heredoc.Doc(`
			Create a CloudBase environment with the given alias and wait until it is NORMAL.
			The EnvId (<alias>-<6 characters>) is printed on stdout; --json prints the whole
			EnvInfo.

			The alias starts with a lowercase letter, contains only a-z, 0-9 and '-', and
			has at most 20 characters. On a terminal, tcb asks for it when omitted, and
			for the region (a select of CloudBase's regions) unless -r or TCB_REGION
			names one or --yes is given; elsewhere the region resolves as usual (the
			project config, the profile, then ap-shanghai).

			In the real cloud, creating an environment orders a package and pays for it
			from the account balance.
		`),
		Example: heredoc.Doc(`
			$ tcb env create demo
			$ ENV_ID=$(tcb env create ci-run --use)
			$ tcb env create shop --package baas_pf_standard -r ap-guangzhou --json
			$ tcb env create demo --no-wait
		`),
		Args: cmdutil.MaxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Alias = args[0]
			}
			if opts.Alias != "" {
				if err := cloudapi.ValidateAlias(opts.Alias); err != nil {
					return cmdutil.FlagErrorf("%v", err)
				}
			} else if !f.IOStreams.CanPrompt() {
				return cmdutil.NoTTYError("env create", "an alias argument (tcb env create ALIAS)")
			}
			if opts.Timeout <= 0 {
				return cmdutil.FlagErrorf("--timeout must be positive")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.PackageID, "package", "", "package id: baas_personal (default), baas_pf_standard, baas_pf_enterprise")
	cmd.Flags().BoolVar(&opts.NoWait, "no-wait", false, "return right after the create call, without waiting for NORMAL")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", 5*time.Minute, "how long to wait for the environment to become NORMAL")
	cmd.Flags().BoolVar(&opts.Use, "use", false, "make the new environment the profile's default (like tcb env use)")
	return cmd
}

// Run creates the environment.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	ios := f.IOStreams
	if opts.Alias == "" {
		for {
			a, err := f.Prompter.Input("Alias for the new environment", "")
			if err != nil {
				return err
			}
			a = strings.TrimSpace(a)
			if err := cloudapi.ValidateAlias(a); err != nil {
				fmt.Fprintf(ios.ErrOut, "%s %v\n", ios.ColorScheme().WarningIcon(), err)
				continue
			}
			opts.Alias = a
			break
		}
	}
	if err := askRegion(f); err != nil {
		return err
	}
	client, err := f.CloudAPI()
	if err != nil {
		return err
	}
	var resp *cloudapi.CreateEnvResponse
	err = ios.RunWithProgress("Creating environment "+opts.Alias, func() error {
		resp, err = client.CreateEnv(ctx, &cloudapi.CreateEnvRequest{
			Alias: opts.Alias, PackageId: opts.PackageID,
			Resources: []string{"flexdb", "storage", "function"},
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("create environment %s: %w", opts.Alias, err)
	}
	envID := resp.EnvId

	var info *cloudapi.EnvInfo
	if !opts.NoWait {
		err = cmdutil.WaitFor(ctx, ios, "environment "+envID, opts.Timeout, func(ctx context.Context) (bool, string, error) {
			e, err := client.DescribeEnv(ctx, envID)
			if err != nil {
				return false, "", err
			}
			info = e
			return e.Status == "NORMAL", e.Status, nil
		})
		if err != nil {
			return fmt.Errorf("create environment %s: %w", envID, err)
		}
	}
	if opts.Use {
		if err := setDefault(f, envID); err != nil {
			return err
		}
	}
	if f.WantsJSON() {
		if info == nil {
			if info, err = client.DescribeEnv(ctx, envID); err != nil {
				return err
			}
		}
		return cmdutil.PrintJSON(ios.Out, info, f.Globals.JQ)
	}
	fmt.Fprintln(ios.Out, envID)
	if ios.IsStderrTTY() {
		cs := ios.ColorScheme()
		state := "ready"
		if opts.NoWait {
			state = "created (not waiting for it to become ready)"
		}
		fmt.Fprintf(ios.ErrOut, "%s Environment %s %s\n", cs.SuccessIcon(), envID, state)
		if opts.Use {
			fmt.Fprintf(ios.ErrOut, "%s Default environment is now %s\n", cs.SuccessIcon(), envID)
		}
	}
	return nil
}

func setDefault(f *cmdutil.Factory, envID string) error {
	store, err := f.Config()
	if err != nil {
		return err
	}
	profile, err := f.Profile()
	if err != nil {
		return err
	}
	return store.UpdateSettings(profile, func(s *config.Settings) error { s.EnvID = envID; return nil })
}

// askRegion asks for the region on a terminal when neither -r nor
// TCB_REGION names one (and --yes was not given), the resolved region
// preselected; the answer becomes -r for the rest of the run.
func askRegion(f *cmdutil.Factory) error {
	if !f.IOStreams.CanPrompt() || f.Globals.Yes || f.Globals.Region != "" || strings.TrimSpace(f.Getenv("TCB_REGION")) != "" {
		return nil
	}
	cur, err := f.Region()
	if err != nil {
		return err
	}
	r, err := f.ChooseRegion("-r REGION", cur)
	if err != nil {
		return err
	}
	f.Globals.Region = r
	return nil
}
