// Package root builds the tcb command tree: global flags, version output,
// help topics and every command group.
package root

import (
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/build"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// VersionString is what --version and `tcb version` print.
func VersionString() string {
	return "tcb version " + build.String() + "\n"
}

// NewCmdRoot builds the root command.
func NewCmdRoot(f *cmdutil.Factory, groups ...*cobra.Command) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tcb <command> <subcommand> [flags]",
		Short: "Tencent CloudBase and WeChat cloud development from the command line",
		Long: heredoc.Doc(`
			tcb manages Tencent CloudBase (云开发) environments, cloud functions, the WeChat
			access_token and the document database, and runs a local CloudBase emulator so
			everything works offline, in CI and in tests.
		`),
		Example: heredoc.Doc(`
			# try everything locally first
			$ tcb emulator start --ephemeral &
			$ eval "$(tcb emulator env)"
			$ tcb env create demo
			$ tcb env list

			# against the real cloud
			$ tcb login --secret-id AKID... --secret-key ...
			$ tcb env list --json --jq '.[].EnvId'
		`),
		Version:       build.Version,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	cmd.SetVersionTemplate(VersionString())

	g := f.Globals
	pf := cmd.PersistentFlags()
	pf.StringVarP(&g.EnvID, "env-id", "e", "", "CloudBase environment id (default: TCB_ENV_ID, cloudbaserc.json envId, then the profile default)")
	pf.StringVarP(&g.Region, "region", "r", "", "region, e.g. ap-shanghai (default: TCB_REGION, project config, profile, ap-shanghai)")
	pf.StringVar(&g.Profile, "profile", "", "credentials and settings profile (default: TCB_PROFILE or \"default\")")
	pf.BoolVar(&g.JSON, "json", false, "print machine-readable JSON with the API's field names")
	pf.StringVar(&g.JQ, "jq", "", "filter JSON output with a jq `expression` (implies --json)")
	pf.BoolVarP(&g.Yes, "yes", "y", false, "answer yes to confirmations (required for destructive commands without a terminal)")
	pf.StringVar(&g.Endpoint, "endpoint", "", "send Tencent Cloud API calls to this `URL` (e.g. http://127.0.0.1:9800)")
	pf.StringVar(&g.ConfigFile, "config-file", "", "project config `file` (default: cloudbaserc.json etc. in the current directory)")
	pf.StringVar(&g.Mode, "mode", "", "load .env.<mode> for config placeholders")
	pf.BoolVar(&g.Verbose, "verbose", false, "log API calls to stderr (secrets masked)")
	pf.BoolVar(&g.NoColor, "no-color", false, "disable colors")
	pf.BoolVar(&g.UTC, "utc", false, "show times in UTC instead of the local time zone")
	// The official CLI's spelling, accepted quietly.
	pf.StringVar(&g.EnvID, "envId", "", "")
	_ = pf.MarkHidden("envId")

	cmd.PersistentPreRunE = func(c *cobra.Command, args []string) error {
		if g.NoColor {
			f.IOStreams.SetColorEnabled(false)
		}
		return nil
	}
	cmd.SetFlagErrorFunc(FlagError)

	cmd.AddCommand(newCmdVersion())
	for _, sub := range groups {
		cmd.AddCommand(sub)
	}
	cmd.AddCommand(newHelpTopic("exit-codes", "Exit codes and what they mean", exitCodesHelp()))
	cmd.AddCommand(newHelpTopic("environment", "Environment variables tcb reads", environmentHelp))
	return cmd
}

func newCmdVersion() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date",
		Args:  cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprint(cmd.OutOrStdout(), VersionString())
			return err
		},
	}
}
