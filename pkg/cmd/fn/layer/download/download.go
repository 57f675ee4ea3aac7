// Package download implements `tcb fn layer download`.
package download

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/fn/shared"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/fndeploy"
)

// Options of fn layer download.
type Options struct {
	F       *cmdutil.Factory
	Layer   string
	Version int64
	Dest    string
	Force   bool
}

// NewCmdDownload builds `tcb fn layer download`.
func NewCmdDownload(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "download --layer <alias> --layer-version <n> --dest <dir>",
		Short: "Download a layer version and unpack it",
		Long: `Download a layer version's zip (GetLayerVersion's Location), check its SHA-256
and unpack it into --dest, refusing unsafe paths. A non-empty --dest is
replaced only with --force.`,
		Example: "$ tcb fn layer download --layer utils --layer-version 1 --dest ./utils-layer",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := shared.RequireLayerVersion(opts.Layer, opts.Version, ""); err != nil {
				return err
			}
			if opts.Dest == "" {
				return cmdutil.FlagErrorf("--dest is required: the directory to unpack into")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Layer, "layer", "", "the layer's alias")
	cmd.Flags().Int64Var(&opts.Version, "layer-version", 0, "the version to download")
	cmd.Flags().StringVar(&opts.Dest, "dest", "", "directory to unpack into")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "replace a non-empty --dest")
	return cmd
}

// Run downloads and unpacks.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	empty, err := fndeploy.IsEmptyDir(opts.Dest)
	if err != nil {
		return cmdutil.LocalErrorf("%s: %v", opts.Dest, err)
	}
	if !empty && !opts.Force {
		return cmdutil.FlagErrorf("fn layer download: %s is not empty (--force replaces it)", opts.Dest)
	}
	client, _, name, err := shared.LayerTarget(f, opts.Layer)
	if err != nil {
		return err
	}
	lv, err := client.GetLayerVersion(ctx, name, opts.Version)
	if err != nil {
		return fmt.Errorf("fn layer download: %w", err)
	}
	var zip []byte
	err = f.IOStreams.RunWithProgress("Downloading "+name, func() error {
		zip, err = fndeploy.DownloadCode(ctx, &http.Client{Timeout: 5 * time.Minute}, lv.Location, lv.CodeSha256)
		return err
	})
	if err != nil {
		return cmdutil.APIErrorf("fn layer download: %v", err)
	}
	st, err := fndeploy.ExtractReplace(zip, opts.Dest)
	if err != nil {
		return cmdutil.LocalErrorf("fn layer download: unpacking into %s: %v", opts.Dest, err)
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, map[string]any{"layer": name, "version": opts.Version, "dest": opts.Dest,
			"files": st.Files, "bytes": st.Bytes, "code_sha256": lv.CodeSha256}, f.Globals.JQ)
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "%s Unpacked %s version %d into %s (%d files)\n", f.IOStreams.ColorScheme().SuccessIcon(), name, opts.Version, opts.Dest, st.Files)
	return nil
}
