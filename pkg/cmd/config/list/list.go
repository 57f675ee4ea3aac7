// Package list implements `tcb config list`.
package list

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/config"
)

// Options of config list.
type Options struct{ F *cmdutil.Factory }

// NewCmdList builds `tcb config list`.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	return &cobra.Command{
		Use:     "list",
		Short:   "Show the settings of the active profile and where credentials come from",
		Example: "$ tcb config list\n$ tcb --profile staging config list --json",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
}

// Run prints the settings.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	profile, err := f.Profile()
	if err != nil {
		return err
	}
	st, err := f.Settings()
	if err != nil {
		return err
	}
	store, _ := f.Config()
	creds, err := f.Credentials()
	if err != nil {
		return err
	}
	settings := map[string]string{}
	for _, k := range config.SettingKeys() {
		settings[k.Key] = k.Get(&st)
	}
	profiles, err := store.Profiles()
	if err != nil {
		return err
	}
	if profiles == nil {
		profiles = []string{}
	}
	out := map[string]any{
		"profile":    profile,
		"config_dir": store.Dir(),
		"settings":   settings,
		"credentials": map[string]string{
			"secret_id":     config.Mask(creds.SecretID),
			"cloud_source":  string(creds.CloudSource),
			"wx_appid":      creds.WxAppID,
			"wechat_source": string(creds.WeChatSource),
		},
		"profiles": profiles,
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, out, f.Globals.JQ)
	}
	ios := f.IOStreams
	if !ios.IsStdoutTTY() {
		for _, k := range config.SettingKeys() {
			fmt.Fprintf(ios.Out, "%s=%s\n", k.Key, k.Get(&st))
		}
		return nil
	}
	fields := [][2]string{{"profile", profile}, {"config dir", store.Dir()}}
	for _, k := range config.SettingKeys() {
		fields = append(fields, [2]string{k.Key, k.Get(&st)})
	}
	cloud := "none"
	if creds.SecretID != "" {
		cloud = fmt.Sprintf("%s (from %s)", config.Mask(creds.SecretID), creds.CloudSource)
	}
	wx := "none"
	if creds.WxAppID != "" {
		wx = fmt.Sprintf("%s (from %s)", creds.WxAppID, creds.WeChatSource)
	}
	fields = append(fields, [2]string{"api keys", cloud}, [2]string{"wechat app", wx})
	return cmdutil.PrintFields(ios, fields)
}
