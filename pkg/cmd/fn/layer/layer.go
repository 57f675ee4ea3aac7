// Package layer is the `tcb fn layer` command group (function layers).
package layer

import (
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/fn/layer/bind"
	"github.com/tcb-go/tcb/pkg/cmd/fn/layer/create"
	"github.com/tcb-go/tcb/pkg/cmd/fn/layer/deletecmd"
	"github.com/tcb-go/tcb/pkg/cmd/fn/layer/download"
	"github.com/tcb-go/tcb/pkg/cmd/fn/layer/list"
	"github.com/tcb-go/tcb/pkg/cmd/fn/layer/sortcmd"
	"github.com/tcb-go/tcb/pkg/cmd/fn/layer/unbind"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// NewCmdLayer builds `tcb fn layer`.
func NewCmdLayer(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "layer <command>",
		Short: "Share files and dependencies between functions with layers",
		Long: `Layers hold files that functions see under /opt, in bound order (where two
bound layers hold the same file, the later one wins); a layer holding
node_modules/<pkg> makes require("<pkg>") work. A layer created for an
environment is named <alias>_<envId>; commands take the alias.`,
	}
	cmd.AddCommand(
		create.NewCmdCreate(f, nil),
		list.NewCmdList(f, nil),
		deletecmd.NewCmdDelete(f, nil),
		download.NewCmdDownload(f, nil),
		bind.NewCmdBind(f, nil),
		unbind.NewCmdUnbind(f, nil),
		sortcmd.NewCmdSort(f, nil),
	)
	return cmd
}
