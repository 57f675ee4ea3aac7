// Package list implements `tcb service list`.
package list

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// Options of service list.
type Options struct {
	F         *cmdutil.Factory
	Domain    string
	Path      string
	ServiceID string
}

// NewCmdList builds `tcb service list`.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the paths of the HTTP access service",
		Long: "List the environment's HTTP access paths (DescribeCloudBaseGWAPI): path, function, type, " +
			"creation time and URL. --json prints every field.",
		Example: "$ tcb service list\n$ tcb service list -p /api --json --jq '.[].url'",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = cloudapi.NormalizeServicePath(opts.Path)
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Domain, "domain", "d", "", "Only the paths of this custom domain")
	cmd.Flags().StringVarP(&opts.Path, "service-path", "p", "", "Only this path")
	cmd.Flags().StringVarP(&opts.ServiceID, "service-id", "i", "", "Only the path with this id (APIId)")
	return cmd
}

// Entry is one path in --json output.
type Entry struct {
	APIId      string `json:"apiId"`
	Path       string `json:"path"`
	Function   string `json:"function"`
	Type       string `json:"type"`
	CreateTime string `json:"createTime"`
	EnableAuth bool   `json:"enableAuth"`
	URL        string `json:"url"`
}

// Run lists the paths.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	api, envID, err := f.CloudTarget()
	if err != nil {
		return err
	}
	var out *cloudapi.DescribeCloudBaseGWAPIResponse
	var svc *cloudapi.DescribeCloudBaseGWServiceResponse
	err = f.IOStreams.RunWithProgress("Reading the HTTP access service of "+envID, func() error {
		out, err = api.DescribeGWAPIs(ctx, envID, cloudapi.DescribeCloudBaseGWAPIRequest{Domain: opts.Domain, Path: opts.Path, APIId: opts.ServiceID, Limit: 1000})
		if err != nil {
			return err
		}
		svc, err = api.DescribeGWService(ctx, envID, "")
		return err
	})
	if err != nil {
		return fmt.Errorf("service list: %w", err)
	}
	origin := cloudapi.ServiceOrigin(svc.DefaultDomain)
	entries := make([]Entry, 0, len(out.APISet))
	for _, a := range out.APISet {
		typ := "function"
		if a.Type == cloudapi.GWAPITypeCloudRun {
			typ = "cloudrun"
		}
		o := origin
		if a.Domain != "" && a.Domain != "*" {
			o = cloudapi.ServiceOrigin(a.Domain)
		}
		entries = append(entries, Entry{APIId: a.APIId, Path: a.Path, Function: a.Name, Type: typ,
			CreateTime: f.FormatTime(time.Unix(a.CreateTime, 0)), EnableAuth: a.EnableAuth, URL: o + a.Path})
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, entries, f.Globals.JQ)
	}
	if !out.EnableService {
		fmt.Fprintf(f.IOStreams.ErrOut, "%s the HTTP access service of %s is switched off (tcb service switch --enable)\n", f.IOStreams.ColorScheme().WarningIcon(), envID)
	}
	if len(entries) == 0 {
		fmt.Fprintf(f.IOStreams.ErrOut, "No HTTP access paths in %s\n", envID)
		return nil
	}
	t := cmdutil.NewTable(f.IOStreams, "PATH", "FUNCTION", "TYPE", "CREATED", "URL")
	for _, e := range entries {
		t.Row(e.Path, e.Function, e.Type, e.CreateTime, e.URL)
	}
	return t.Render()
}
