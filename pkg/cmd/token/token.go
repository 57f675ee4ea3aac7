// Package token is the `tcb token` command group: WeChat access_tokens
// fetched, stored and served so that no two callers invalidate each other.
package token

import (
	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/token/get"
	"github.com/tcb-go/tcb/pkg/cmd/token/refresh"
	"github.com/tcb-go/tcb/pkg/cmd/token/serve"
	"github.com/tcb-go/tcb/pkg/cmd/token/status"
	"github.com/tcb-go/tcb/pkg/cmd/token/store"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// NewCmdToken builds `tcb token`.
func NewCmdToken(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token <command>",
		Short: "WeChat access_token: get, status, refresh, and the central token server",
		Long: heredoc.Doc(`
			Every call of WeChat's cgi-bin/token invalidates the previous token after 5
			minutes, so servers that fetch their own tokens break each other. tcb fetches
			with stable_token (normal mode) by default, keeps the token in a shared store
			(a file; for many machines Redis, PostgreSQL, MySQL or the environment's own
			database) so one process fetches and the others read, and runs the central
			server WeChat asks for ('tcb token serve').
		`),
	}
	cmd.AddCommand(get.NewCmdGet(f, nil))
	cmd.AddCommand(status.NewCmdStatus(f, nil))
	cmd.AddCommand(refresh.NewCmdRefresh(f, nil))
	cmd.AddCommand(serve.NewCmdServe(f, nil))
	cmd.AddCommand(store.NewCmdStore(f))
	return cmd
}
