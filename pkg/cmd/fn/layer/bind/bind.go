// Package bind implements `tcb fn layer bind`.
package bind

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/fn/shared"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/fnlayer"
)

// Options of fn layer bind.
type Options struct {
	F        *cmdutil.Factory
	Function string
	Layer    string
	Version  int64
}

// NewCmdBind builds `tcb fn layer bind`.
func NewCmdBind(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "bind <function> --layer <alias> --layer-version <n>",
		Short: "Bind a layer version to a function (after the ones it has)",
		Long: `Bind a layer version to a function, after the layers it already binds (at most
5): where two bound layers hold the same file, the later one wins. Waits
until the function is Active again.`,
		Example: "$ tcb fn layer bind hello --layer utils --layer-version 2",
		Args:    cmdutil.ExactArgs(1, "which function? tcb fn layer bind FUNCTION --layer ALIAS --layer-version N"),
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
	cmd.Flags().Int64Var(&opts.Version, "layer-version", 0, "the layer version to bind")
	return cmd
}

// Run binds the layer.
func Run(ctx context.Context, opts *Options) error {
	client, envID, name, err := shared.LayerTarget(opts.F, opts.Layer)
	if err != nil {
		return err
	}
	ref := fnlayer.Ref{Name: name, Version: opts.Version}
	return shared.ChangeLayers(ctx, opts.F, client, envID, "fn layer bind", "Binding "+ref.String()+" to "+opts.Function, opts.Function, func(cur []fnlayer.Ref) ([]fnlayer.Ref, error) {
		return fnlayer.Bind(cur, ref)
	})
}
