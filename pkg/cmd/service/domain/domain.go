// Package domain implements `tcb service domain bind`, `unbind` and
// `list`: custom domains of the HTTP access service.
package domain

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// Options of the domain commands.
type Options struct {
	F      *cmdutil.Factory
	Domain string
}

func newCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error, use, short, long, example string,
	run func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	return &cobra.Command{
		Use: use, Short: short, Long: long, Example: example,
		Args: cmdutil.ExactArgs(1, "a domain name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Domain = strings.ToLower(strings.TrimSuffix(args[0], "."))
			if err := validDomain(opts.Domain); err != nil {
				return cmdutil.FlagErrorf("%s", err)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
}

// validDomain checks the shape of a domain name before any call.
func validDomain(d string) error {
	if len(d) > 253 || !strings.Contains(d, ".") || strings.ContainsAny(d, "/:@ *") {
		return fmt.Errorf("%q is not a domain name (like api.example.com)", d)
	}
	return nil
}

// NewCmdBind builds `tcb service domain bind`.
func NewCmdBind(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	return newCmd(f, runF, "bind <domain>", "Bind a custom domain to the HTTP access service",
		"Bind a custom domain (BindCloudBaseAccessDomain): its paths are then served at https://<domain>/<path>. "+
			"On the emulator the domain is served when it reaches the emulator and was allowed with --allow-host.",
		"$ tcb service domain bind api.example.com", func(ctx context.Context, o *Options) error {
			return change(ctx, o, "bound", func(api *cloudapi.Client, env string) error { return api.BindGWDomain(ctx, env, o.Domain) })
		})
}

// NewCmdUnbind builds `tcb service domain unbind`.
func NewCmdUnbind(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	return newCmd(f, runF, "unbind <domain>", "Unbind a custom domain from the HTTP access service",
		"Unbind a custom domain (DeleteCloudBaseGWDomain).",
		"$ tcb service domain unbind api.example.com", func(ctx context.Context, o *Options) error {
			return change(ctx, o, "unbound", func(api *cloudapi.Client, env string) error { return api.UnbindGWDomain(ctx, env, o.Domain) })
		})
}

func change(ctx context.Context, opts *Options, done string, fn func(*cloudapi.Client, string) error) error {
	f := opts.F
	api, envID, err := f.CloudTarget()
	if err != nil {
		return err
	}
	if err := fn(api, envID); err != nil {
		return fmt.Errorf("service domain: %w", err)
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, map[string]string{"envId": envID, "domain": opts.Domain, "result": done}, f.Globals.JQ)
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "%s %s %s (%s)\n", f.IOStreams.ColorScheme().SuccessIcon(), opts.Domain, done, envID)
	return nil
}

// ListOptions of service domain list.
type ListOptions struct {
	F      *cmdutil.Factory
	Domain string
}

// NewCmdList builds `tcb service domain list`.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	opts := &ListOptions{F: f}
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the domains of the HTTP access service",
		Long:    "Show the default domain and the custom domains of the HTTP access service (DescribeCloudBaseGWService).",
		Example: "$ tcb service domain list\n$ tcb service domain list --json --jq .defaultDomain",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runList(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Domain, "domain", "d", "", "Only this domain")
	return cmd
}

var statusNames = map[int64]string{1: "deploying", 2: "deploy failed", 3: "deployed", 4: "deleting", 5: "delete failed"}

func runList(ctx context.Context, opts *ListOptions) error {
	f := opts.F
	api, envID, err := f.CloudTarget()
	if err != nil {
		return err
	}
	svc, err := api.DescribeGWService(ctx, envID, opts.Domain)
	if err != nil {
		return fmt.Errorf("service domain list: %w", err)
	}
	type entry struct {
		Domain   string `json:"domain"`
		Status   string `json:"status"`
		OpenTime string `json:"openTime"`
	}
	entries := []entry{}
	for _, s := range svc.ServiceSet {
		entries = append(entries, entry{s.Domain, statusNames[s.Status], f.FormatTime(time.Unix(s.OpenTime, 0))})
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, map[string]any{"defaultDomain": svc.DefaultDomain,
			"url": cloudapi.ServiceOrigin(svc.DefaultDomain), "enableService": svc.EnableService, "domains": entries}, f.Globals.JQ)
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "Default domain: %s\n", cloudapi.ServiceOrigin(svc.DefaultDomain))
	if len(entries) == 0 {
		fmt.Fprintln(f.IOStreams.ErrOut, "No custom domains")
		return nil
	}
	t := cmdutil.NewTable(f.IOStreams, "DOMAIN", "STATUS", "BOUND")
	for _, e := range entries {
		t.Row(e.Domain, e.Status, e.OpenTime)
	}
	return t.Render()
}
