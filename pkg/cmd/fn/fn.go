// Package fn is the `tcb fn` command group (cloud functions).
package fn

import (
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/fn/code"
	"github.com/tcb-go/tcb/pkg/cmd/fn/configcmd"
	"github.com/tcb-go/tcb/pkg/cmd/fn/configroute"
	"github.com/tcb-go/tcb/pkg/cmd/fn/delete"
	"github.com/tcb-go/tcb/pkg/cmd/fn/deploy"
	"github.com/tcb-go/tcb/pkg/cmd/fn/detail"
	"github.com/tcb-go/tcb/pkg/cmd/fn/getroute"
	"github.com/tcb-go/tcb/pkg/cmd/fn/invoke"
	"github.com/tcb-go/tcb/pkg/cmd/fn/layer"
	"github.com/tcb-go/tcb/pkg/cmd/fn/list"
	"github.com/tcb-go/tcb/pkg/cmd/fn/listversions"
	"github.com/tcb-go/tcb/pkg/cmd/fn/log"
	"github.com/tcb-go/tcb/pkg/cmd/fn/publishversion"
	"github.com/tcb-go/tcb/pkg/cmd/fn/run"
	"github.com/tcb-go/tcb/pkg/cmd/fn/trigger"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// NewCmdFn builds `tcb fn`.
func NewCmdFn(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "fn <command>",
		Aliases: []string{"functions"},
		Short:   "Deploy, invoke and manage cloud functions",
	}
	cmd.AddCommand(
		deploy.NewCmdDeploy(f, nil),
		list.NewCmdList(f, nil),
		detail.NewCmdDetail(f, nil),
		invoke.NewCmdInvoke(f, nil),
		log.NewCmdLog(f, nil),
		delete.NewCmdDelete(f, nil),
		code.NewCmdCode(f),
		configcmd.NewCmdConfig(f),
		trigger.NewCmdTrigger(f),
		run.NewCmdRun(f, nil),
		publishversion.NewCmdPublishVersion(f, nil),
		listversions.NewCmdListVersions(f, nil),
		configroute.NewCmdConfigRoute(f, nil),
		getroute.NewCmdGetRoute(f, nil),
		layer.NewCmdLayer(f),
	)
	return cmd
}
