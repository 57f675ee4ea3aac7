// Package sortcmd implements `tcb fn layer sort`.
package sortcmd

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/fn/shared"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/fnlayer"
)

// Options of fn layer sort.
type Options struct {
	F        *cmdutil.Factory
	Function string
	Order    []string // ALIAS:VERSION, in the new order
}

// NewCmdSort builds `tcb fn layer sort`.
func NewCmdSort(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	return &cobra.Command{
		Use:   "sort <function> <alias:version>...",
		Short: "Reorder the layers bound to a function",
		Long: `Give every layer bound to the function, as ALIAS:VERSION, in the new order:
where two layers hold the same file, the later one wins. Waits until the
function is Active again.`,
		Example: "$ tcb fn layer sort hello utils:2 base:1",
		Args:    cmdutil.MinArgs(2, "tcb fn layer sort FUNCTION ALIAS:VERSION... (every bound layer, in the new order)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Function, opts.Order = args[0], args[1:]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
}

// Run reorders the layers.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	client, envID, err := f.CloudTarget()
	if err != nil {
		return err
	}
	var order []fnlayer.Ref
	for _, s := range opts.Order {
		r, err := fnlayer.ParseRef(s, envID)
		if err != nil {
			return cmdutil.FlagErrorf("fn layer sort: %v", err)
		}
		order = append(order, r)
	}
	return shared.ChangeLayers(ctx, f, client, envID, "fn layer sort", "Reordering the layers of "+opts.Function, opts.Function, func(cur []fnlayer.Ref) ([]fnlayer.Ref, error) {
		return fnlayer.Sort(cur, order)
	})
}
