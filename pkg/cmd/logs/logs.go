// Package logs is the `tcb logs` command group.
package logs

import (
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/logs/search"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// NewCmdLogs builds `tcb logs`.
func NewCmdLogs(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "logs <command>",
		Short: "Search the environment's logs",
	}
	cmd.AddCommand(search.NewCmdSearch(f, nil))
	return cmd
}
