// Package unbind implements `tcb fn layer unbind`.
package unbind

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/fn/shared"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/fnlayer"
)

// Options of fn layer unbind.
type Options struct {
	F        *cmdutil.Factory
	Function string
	Layer    string
	Version  int64
}

// NewCmdUnbind builds `tcb fn layer unbind`.
func NewCmdUnbind(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:     "unbind <function> --layer <alias> --layer-version <n>",
		Short:   "Unbind a layer version from a function",
		Long:    "Unbind a layer version from a function (the others keep their order). Waits until the function is Active again.",
		Example: "$ tcb fn layer unbind hello --layer utils --layer-version 2",
		Args:    cmdutil.ExactArgs(1, "which function? tcb fn layer unbind FUNCTION --layer ALIAS --layer-version N"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Function = args[0]
			if err := shared.RequireLayerVersion(opts.Layer, opts.Version, ""); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Layer, "layer", "", "the layer's alias")
	cmd.Flags().Int64Var(&opts.Version, "layer-version", 0, "the layer version to unbind")
	return cmd
}

// Run unbinds the layer.
func Run(ctx context.Context, opts *Options) error {
	client, envID, name, err := shared.LayerTarget(opts.F, opts.Layer)
	if err != nil {
		return err
	}
	ref := fnlayer.Ref{Name: name, Version: opts.Version}
	return shared.ChangeLayers(ctx, opts.F, client, envID, "fn layer unbind", "Unbinding "+ref.String()+" from "+opts.Function, opts.Function, func(cur []fnlayer.Ref) ([]fnlayer.Ref, error) {
		return fnlayer.Unbind(cur, ref)
	})
}
