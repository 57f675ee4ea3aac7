// Package emulator is the `tcb emulator` command group.
package emulator

import (
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/emulator/envcmd"
	"github.com/tcb-go/tcb/pkg/cmd/emulator/start"
	"github.com/tcb-go/tcb/pkg/cmd/emulator/status"
	"github.com/tcb-go/tcb/pkg/cmd/emulator/stop"
	"github.com/tcb-go/tcb/pkg/cmd/emulator/wxcode"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// NewCmdEmulator builds `tcb emulator`.
func NewCmdEmulator(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "emulator <command>",
		Short: "Run a local CloudBase: cloud API, functions, WeChat token and database",
	}
	cmd.AddCommand(start.NewCmdStart(f, nil))
	cmd.AddCommand(status.NewCmdStatus(f, nil))
	cmd.AddCommand(stop.NewCmdStop(f, nil))
	cmd.AddCommand(envcmd.NewCmdEnv(f, nil))
	cmd.AddCommand(wxcode.NewCmdWechatCode(f, nil))
	return cmd
}
