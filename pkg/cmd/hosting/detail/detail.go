// Package detail implements `tcb hosting detail`.
package detail

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/storage"
)

// Options of hosting detail.
type Options struct {
	F *cmdutil.Factory
}

// NewCmdDetail builds `tcb hosting detail`.
func NewCmdDetail(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	return &cobra.Command{
		Use:     "detail",
		Short:   "Show the static website: status, bucket, region and URL",
		Long:    "Show the environment's static hosting (DescribeStaticStore): its status, bucket, region, domain and the site's URL, printed last.",
		Example: "$ tcb hosting detail\n$ tcb hosting detail --json --jq .url",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
}

// Run shows the static hosting.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	api, envID, err := f.CloudTarget()
	if err != nil {
		return err
	}
	var h *storage.Hosting
	err = f.IOStreams.RunWithProgress("Reading the static hosting of "+envID, func() error {
		h, err = storage.DescribeHosting(ctx, api, envID)
		return err
	})
	if err != nil {
		return fmt.Errorf("hosting detail: %w", err)
	}
	if h == nil {
		return cmdutil.NotFoundErrorf("static hosting is not enabled for %s", envID).
			WithHint("`tcb hosting deploy` offers to enable it (--yes enables it without asking)")
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, struct {
			*storage.Hosting
			URL string `json:"url"`
		}{h, h.URL()}, f.Globals.JQ)
	}
	cs := f.IOStreams.ColorScheme()
	return cmdutil.PrintFields(f.IOStreams, [][2]string{
		{"EnvId", h.EnvID},
		{"Status", cs.Status(h.Status)},
		{"Bucket", h.Bucket},
		{"Region", h.Region},
		{"Domain", h.CdnDomain},
		{"URL", h.URL()},
	})
}
