// Package env is the `tcb env` command group.
package env

import (
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/env/create"
	"github.com/tcb-go/tcb/pkg/cmd/env/delete"
	"github.com/tcb-go/tcb/pkg/cmd/env/domain"
	"github.com/tcb-go/tcb/pkg/cmd/env/info"
	"github.com/tcb-go/tcb/pkg/cmd/env/list"
	"github.com/tcb-go/tcb/pkg/cmd/env/rename"
	"github.com/tcb-go/tcb/pkg/cmd/env/use"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// NewCmdEnv builds `tcb env`.
func NewCmdEnv(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "env <command>",
		Short: "Create, list, inspect, rename and delete CloudBase environments",
	}
	cmd.AddCommand(create.NewCmdCreate(f, nil))
	cmd.AddCommand(list.NewCmdList(f, nil))
	cmd.AddCommand(info.NewCmdInfo(f, nil))
	cmd.AddCommand(rename.NewCmdRename(f, nil))
	cmd.AddCommand(delete.NewCmdDelete(f, nil))
	cmd.AddCommand(use.NewCmdUse(f, nil))
	cmd.AddCommand(domain.NewCmdDomain(f))
	return cmd
}
