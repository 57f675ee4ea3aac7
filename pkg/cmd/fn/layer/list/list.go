// Package list implements `tcb fn layer list`.
package list

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/fnlayer"
)

// Options of fn layer list.
type Options struct {
	F        *cmdutil.Factory
	Function string // --name: the layers bound to this function
	Layer    string // --layer: the versions of this layer
}

// NewCmdList builds `tcb fn layer list`.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the environment's layers, a layer's versions, or a function's bound layers",
		Example: `$ tcb fn layer list
$ tcb fn layer list --layer utils
$ tcb fn layer list --name hello --json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Function != "" && opts.Layer != "" {
				return cmdutil.FlagErrorf("give --name or --layer, not both")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Function, "name", "", "list the layers bound to this function, in bound order")
	cmd.Flags().StringVar(&opts.Layer, "layer", "", "list the versions of this layer (its alias)")
	return cmd
}

// Run lists.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	client, envID, err := f.CloudTarget()
	if err != nil {
		return err
	}
	var layers []cloudapi.LayerVersionInfo
	switch {
	case opts.Layer != "":
		if err := fnlayer.CheckAlias(opts.Layer, envID); err != nil {
			return cmdutil.FlagErrorf("%v", err)
		}
		layers, err = client.ListLayerVersions(ctx, fnlayer.Name(opts.Layer, envID))
	case opts.Function != "":
		var fn *cloudapi.GetFunctionResponse
		if fn, err = client.GetFunction(ctx, envID, opts.Function); err == nil {
			layers = fn.Layers
		}
	default:
		layers, err = client.ListLayers(ctx, cloudapi.ListLayersRequest{SearchSrc: fnlayer.Src(envID)})
	}
	if err != nil {
		return fmt.Errorf("fn layer list: %w", err)
	}
	if layers == nil {
		layers = []cloudapi.LayerVersionInfo{}
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, layers, f.Globals.JQ)
	}
	t := cmdutil.NewTable(f.IOStreams, "#", "NAME", "VERSION", "STATUS", "RUNTIMES", "CREATED")
	for i, l := range layers {
		t.Row(strconv.Itoa(i+1), l.LayerName, strconv.FormatInt(l.LayerVersion, 10), l.Status,
			strings.Join(l.CompatibleRuntimes, ","), f.FormatCloudTime(l.AddTime))
	}
	return t.Render()
}
