// Package db is the `tcb db` command group (the document database).
package db

import (
	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/db/add"
	"github.com/tcb-go/tcb/pkg/cmd/db/aggregate"
	"github.com/tcb-go/tcb/pkg/cmd/db/collection"
	"github.com/tcb-go/tcb/pkg/cmd/db/count"
	"github.com/tcb-go/tcb/pkg/cmd/db/delete"
	"github.com/tcb-go/tcb/pkg/cmd/db/export"
	"github.com/tcb-go/tcb/pkg/cmd/db/importcmd"
	"github.com/tcb-go/tcb/pkg/cmd/db/index"
	"github.com/tcb-go/tcb/pkg/cmd/db/query"
	"github.com/tcb-go/tcb/pkg/cmd/db/update"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// NewCmdDB builds `tcb db`.
func NewCmdDB(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "db <command>",
		Short: "Query and change the document database",
		Long: heredoc.Doc(`
			Read and change the CloudBase document database with the statements you write in
			mini-program code, e.g.

			    db.collection("todos").where({done: false}).orderBy("due", "asc").limit(20).get()

			or with plain flags. Statements travel over the WeChat CloudBase HTTP API when a
			WeChat app is configured (access_token from the token store or token server), or
			over the Tencent Cloud API (tcb RunCommands) with --via api or when only API keys
			exist. --explain prints the MongoDB form of a statement and sends nothing.
		`),
	}
	cmd.AddCommand(query.NewCmdQuery(f, nil), add.NewCmdAdd(f, nil), update.NewCmdUpdate(f, nil),
		delete.NewCmdDelete(f, nil), count.NewCmdCount(f, nil), aggregate.NewCmdAggregate(f, nil),
		collection.NewCmdCollection(f), index.NewCmdIndex(f), export.NewCmdExport(f, nil), importcmd.NewCmdImport(f, nil))
	return cmd
}
