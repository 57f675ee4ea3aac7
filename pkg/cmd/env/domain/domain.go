// Package domain is the `tcb env domain` command group: the security
// domains allowed to call the environment from a browser (tcb
// DescribeAuthDomains, CreateAuthDomain, DeleteAuthDomain).
package domain

import (
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/env/domain/create"
	"github.com/tcb-go/tcb/pkg/cmd/env/domain/delete"
	"github.com/tcb-go/tcb/pkg/cmd/env/domain/list"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// NewCmdDomain builds `tcb env domain`.
func NewCmdDomain(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "domain <command>",
		Short: "List, add and delete the environment's security domains",
	}
	cmd.AddCommand(list.NewCmdList(f, nil))
	cmd.AddCommand(create.NewCmdCreate(f, nil))
	cmd.AddCommand(delete.NewCmdDelete(f, nil))
	return cmd
}
