// Package info implements `tcb env info`.
package info

import (
	"context"
	"fmt"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// Options of env info.
type Options struct {
	F     *cmdutil.Factory
	EnvID string
}

// NewCmdInfo builds `tcb env info`.
func NewCmdInfo(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	return &cobra.Command{
		Use:     "info [env-id]",
		Aliases: []string{"detail"},
		Short:   "Show one environment",
		Long:    "Show an environment (the argument, else -e, TCB_ENV_ID, cloudbaserc.json or the default).",
		Example: heredoc.Doc(`
			$ tcb env info demo-a1b2c3
			$ tcb env info --json --jq .Functions[0].Namespace
		`),
		Args: cmdutil.MaxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.EnvID = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
}

// Run shows the environment.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	client, err := f.CloudAPI()
	if err != nil {
		return err
	}
	envID := opts.EnvID
	if envID == "" {
		if envID, err = f.RequireEnvID(); err != nil {
			return err
		}
	}
	var e *cloudapi.EnvInfo
	err = f.IOStreams.RunWithProgress("Fetching "+envID, func() error {
		e, err = client.DescribeEnv(ctx, envID)
		return err
	})
	if err != nil {
		return fmt.Errorf("env info: %w", err)
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, e, f.Globals.JQ)
	}
	cs := f.IOStreams.ColorScheme()
	fields := [][2]string{
		{"EnvId", e.EnvId},
		{"Alias", e.Alias},
		{"Status", cs.Status(e.Status)},
		{"Region", e.Region},
		{"Source", e.Source},
		{"Package", strings.TrimSpace(e.PackageId + " " + e.PackageName)},
		{"PayMode", e.PayMode},
		{"CreateTime", f.FormatCloudTime(e.CreateTime)},
		{"UpdateTime", f.FormatCloudTime(e.UpdateTime)},
		{"Functions", "namespace " + e.Namespace()},
	}
	for _, d := range e.Databases {
		fields = append(fields, [2]string{"Database", fmt.Sprintf("%s (%s)", d.InstanceId, d.Status)})
	}
	for _, s := range e.Storages {
		fields = append(fields, [2]string{"Storage", fmt.Sprintf("%s (%s)", s.Bucket, s.CdnDomain)})
	}
	for _, s := range e.StaticStorages {
		fields = append(fields, [2]string{"Hosting", fmt.Sprintf("%s (%s)", s.StaticDomain, s.Status)})
	}
	return cmdutil.PrintFields(f.IOStreams, fields)
}
