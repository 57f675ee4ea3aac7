// Package create implements `tcb fn layer create`.
package create

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/cmd/fn/shared"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/fndeploy"
	"github.com/tcb-go/tcb/pkg/fnlayer"
	"github.com/tcb-go/tcb/pkg/funcpack"
)

// Options of fn layer create.
type Options struct {
	F           *cmdutil.Factory
	Alias       string
	File        string
	Runtimes    []string
	Description string
}

// NewCmdCreate builds `tcb fn layer create`.
func NewCmdCreate(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "create <alias> --file <dir|zip>",
		Short: "Publish a new version of a layer from a directory or a zip",
		Long: `Publish a new version of the layer <alias>_<envId> (PublishLayerVersion). A
directory is packed as a function's code is (node_modules included); a zip is
checked as function code is. Versions count from 1 and never change.

A zip over the inline limit (about 7.5 MB) is uploaded through COS first, as
tcb fn deploy does for code (scf GetTempCosInfo signs the upload, the layer
names it in Content.TempCosObjectName); up to 50 MB.`,
		Example: "$ tcb fn layer create utils --file ./layer\n$ tcb fn layer create utils --file layer.zip --runtime Nodejs18.15 --json",
		Args:    cmdutil.ExactArgs(1, "which layer? tcb fn layer create ALIAS --file PATH"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Alias = args[0]
			if opts.File == "" {
				return cmdutil.FlagErrorf("--file is required: the directory or .zip holding the layer's files")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.File, "file", "", "directory or .zip with the layer's content")
	cmd.Flags().StringSliceVar(&opts.Runtimes, "runtime", nil, "compatible runtimes (default: Nodejs8.9,Php7,Java8, as the official CLI)")
	cmd.Flags().StringVar(&opts.Description, "description", "", "description of this version")
	return cmd
}

// Run publishes the layer version.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	client, envID, name, err := shared.LayerTarget(f, opts.Alias)
	if err != nil {
		return err
	}
	zip, err := fnlayer.Package(ctx, opts.File)
	var ie *fnlayer.InvalidError
	switch {
	case errors.As(err, &ie), errors.Is(err, funcpack.ErrZipTooLarge):
		return cmdutil.FlagErrorf("fn layer create: %v", err)
	case err != nil:
		return cmdutil.LocalErrorf("fn layer create: %v", err)
	}
	runtimes := opts.Runtimes
	if len(runtimes) == 0 {
		runtimes = fnlayer.DefaultRuntimes
	}
	ios := f.IOStreams
	content := &cloudapi.Code{ZipFile: base64.StdEncoding.EncodeToString(zip)}
	upload := fndeploy.UploadInline
	if !fnlayer.Inline(int64(len(zip))) {
		upload = fndeploy.UploadCOS
		quarter := int64(0)
		cu := fndeploy.CodeUpload{Endpoint: f.Endpoint(), Progress: func(_ string, done, total int64) {
			if total <= 0 {
				return
			}
			if ios.ProgressEnabled() {
				ios.StartProgressIndicator(fmt.Sprintf("Uploading layer %s: %3.0f%% of %s", name, 100*float64(done)/float64(total), funcpack.FormatSize(total)))
			} else if q := done * 4 / total; q > quarter && q < 4 {
				quarter = q
				fmt.Fprintf(ios.ErrOut, "%s: uploaded %s of %s\n", name, funcpack.FormatSize(done), funcpack.FormatSize(total))
			}
		}}
		content, err = fndeploy.UploadTempCode(ctx, client, cu, envID, name, zip, func(format string, a ...any) {
			if !ios.ProgressEnabled() {
				fmt.Fprintf(ios.ErrOut, "%s: %s\n", name, fmt.Sprintf(format, a...))
			}
		})
		ios.StopProgressIndicator()
		if err != nil {
			return fmt.Errorf("fn layer create: %w", err)
		}
	}
	var version int64
	err = ios.RunWithProgress("Publishing layer "+name, func() error {
		version, err = client.PublishLayerVersion(ctx, &cloudapi.PublishLayerVersionRequest{LayerName: name,
			CompatibleRuntimes: runtimes, Content: content, Description: opts.Description, Src: fnlayer.Src(envID)})
		return err
	})
	if err != nil {
		return fmt.Errorf("fn layer create: %w", err)
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(ios.Out, map[string]any{"layer": name, "version": version, "bytes": len(zip), "upload": upload}, f.Globals.JQ)
	}
	fmt.Fprintf(ios.ErrOut, "%s Published layer %s version %d\n", ios.ColorScheme().SuccessIcon(), name, version)
	return nil
}
