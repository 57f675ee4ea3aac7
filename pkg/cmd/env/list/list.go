// Package list implements `tcb env list`.
package list

import (
	"context"
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// Options of env list.
type Options struct{ F *cmdutil.Factory }

// NewCmdList builds `tcb env list`.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	return &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List environments",
		Long:    "List every environment of the account. Times are shown in the local time zone (UTC with --utc); --json prints the API's EnvInfo objects, times as the API writes them (China time, UTC+8).",
		Example: heredoc.Doc(`
			$ tcb env list
			$ tcb env list --json --jq '.[] | select(.Status == "NORMAL") | .EnvId'
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
}

// Run lists environments.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	client, err := f.CloudAPI()
	if err != nil {
		return err
	}
	var envs []cloudapi.EnvInfo
	err = f.IOStreams.RunWithProgress("Listing environments", func() error {
		envs, err = client.DescribeEnvs(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("list environments: %w", err)
	}
	if envs == nil {
		envs = []cloudapi.EnvInfo{}
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, envs, f.Globals.JQ)
	}
	if len(envs) == 0 {
		if f.IOStreams.IsStdoutTTY() {
			fmt.Fprintln(f.IOStreams.ErrOut, "No environments yet. Create one with `tcb env create ALIAS`.")
		}
		return nil
	}
	cs := f.IOStreams.ColorScheme()
	t := cmdutil.NewTable(f.IOStreams, "Alias", "EnvId", "Package", "Source", "Status", "Region", "CreateTime")
	for _, e := range envs {
		pkg := e.PackageName
		if pkg == "" {
			pkg = e.PackageId
		}
		status := e.Status
		if f.IOStreams.IsStdoutTTY() {
			status = cs.Status(status)
		}
		t.Row(e.Alias, e.EnvId, pkg, e.Source, status, e.Region, f.FormatCloudTime(e.CreateTime))
	}
	return t.Render()
}
