// Package store is the `tcb token store` command group: operations on the
// token stores themselves.
package store

import (
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/token/store/migrate"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// NewCmdStore builds `tcb token store`.
func NewCmdStore(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "store <command>",
		Short: "Work on the token stores: move tokens between them",
	}
	cmd.AddCommand(migrate.NewCmdMigrate(f, nil))
	return cmd
}
