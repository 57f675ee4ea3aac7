// Package service is the `tcb service` command group: the HTTP access
// service (HTTP 访问服务) that serves functions at
// https://<envId>.service.tcloudbase.com/<path>.
package service

import (
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/service/auth"
	"github.com/tcb-go/tcb/pkg/cmd/service/create"
	"github.com/tcb-go/tcb/pkg/cmd/service/delete"
	"github.com/tcb-go/tcb/pkg/cmd/service/domain"
	"github.com/tcb-go/tcb/pkg/cmd/service/list"
	"github.com/tcb-go/tcb/pkg/cmd/service/switchcmd"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// NewCmdService builds `tcb service`.
func NewCmdService(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "service <command>",
		Short: "Serve functions over HTTP (the HTTP access service)",
		Long: "The HTTP access service maps paths of https://<envId>.service.tcloudbase.com to functions " +
			"(on the emulator: http://<envId>.service.localhost:PORT/<path>, or http://HOST:PORT/_service/<envId>/<path>). " +
			"A request goes to the path with the longest matching prefix.",
	}
	cmd.AddCommand(create.NewCmdCreate(f, nil))
	cmd.AddCommand(list.NewCmdList(f, nil))
	cmd.AddCommand(delete.NewCmdDelete(f, nil))
	cmd.AddCommand(switchcmd.NewCmdSwitch(f, nil))
	authCmd := &cobra.Command{Use: "auth <command>", Short: "Turn access authentication of the HTTP access service on or off"}
	authCmd.AddCommand(auth.NewCmdSwitch(f, nil))
	cmd.AddCommand(authCmd)
	domainCmd := &cobra.Command{Use: "domain <command>", Short: "Bind, unbind and list custom domains of the HTTP access service"}
	domainCmd.AddCommand(domain.NewCmdBind(f, nil))
	domainCmd.AddCommand(domain.NewCmdUnbind(f, nil))
	domainCmd.AddCommand(domain.NewCmdList(f, nil))
	cmd.AddCommand(domainCmd)
	return cmd
}
