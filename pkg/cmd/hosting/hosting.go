// Package hosting is the `tcb hosting` command group.
package hosting

import (
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/hosting/delete"
	"github.com/tcb-go/tcb/pkg/cmd/hosting/deploy"
	"github.com/tcb-go/tcb/pkg/cmd/hosting/detail"
	"github.com/tcb-go/tcb/pkg/cmd/hosting/download"
	"github.com/tcb-go/tcb/pkg/cmd/hosting/list"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// NewCmdHosting builds `tcb hosting`.
func NewCmdHosting(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "hosting <command>",
		Short: "Deploy and manage the environment's static website",
		Long: "Static hosting serves the files of the environment's hosting bucket as a website " +
			"(on the emulator at http://<envId>.site.localhost:PORT/).",
	}
	cmd.AddCommand(detail.NewCmdDetail(f, nil))
	cmd.AddCommand(deploy.NewCmdDeploy(f, nil))
	cmd.AddCommand(list.NewCmdList(f, nil))
	cmd.AddCommand(delete.NewCmdDelete(f, nil))
	cmd.AddCommand(download.NewCmdDownload(f, nil))
	return cmd
}
