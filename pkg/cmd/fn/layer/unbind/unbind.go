// Package unbind implements `tcb fn layer unbind`.
package unbind

import (
	"context"
	"errors"
	"fmt"

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
			if opts.Layer == "" {
				return cmdutil.FlagErrorf("--layer is required: the layer's alias")
			}
			if opts.Version < 1 {
				return cmdutil.FlagErrorf("--layer-version is required (1 or more)")
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
	f := opts.F
	client, envID, err := shared.Target(f)
	if err != nil {
		return err
	}
	if err := fnlayer.CheckAlias(opts.Layer, envID); err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	ref := fnlayer.Ref{Name: fnlayer.Name(opts.Layer, envID), Version: opts.Version}
	var bound []fnlayer.Ref
	err = f.IOStreams.RunWithProgress("Unbinding "+ref.String()+" from "+opts.Function, func() error {
		bound, err = fnlayer.Apply(ctx, client, envID, opts.Function, func(cur []fnlayer.Ref) ([]fnlayer.Ref, error) {
			return fnlayer.Unbind(cur, ref)
		})
		return err
	})
	var ie *fnlayer.InvalidError
	if errors.As(err, &ie) {
		return cmdutil.FlagErrorf("fn layer unbind: %v", err)
	}
	if err != nil {
		return fmt.Errorf("fn layer unbind: %w", err)
	}
	return shared.PrintLayers(f, opts.Function, bound)
}
