// Package auth implements `tcb service auth switch`.
package auth

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/cmd/service/switchcmd"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// Options of service auth switch.
type Options = switchcmd.Options

// NewCmdSwitch builds `tcb service auth switch`.
func NewCmdSwitch(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "switch",
		Short: "Turn access authentication of the HTTP access service on or off",
		Long: "Require (or stop requiring) a CloudBase login for requests to the HTTP access service " +
			"(ModifyCloudBaseGWPrivilege authswitch). The emulator stores and reports the switch but does not " +
			"check logins. Without --enable or --disable tcb asks on a terminal.",
		Example: "$ tcb service auth switch --enable",
		Args:    cmdutil.NoArgs,
	}
	check := switchcmd.Flags(cmd, opts, "authentication")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := check(); err != nil {
			return err
		}
		if runF != nil {
			return runF(cmd.Context(), opts)
		}
		return switchcmd.Run(cmd.Context(), opts, cloudapi.GWSwitchAuth)
	}
	return cmd
}
