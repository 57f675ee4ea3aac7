// Package config is the `tcb config` command group.
package config

import (
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/config/get"
	"github.com/tcb-go/tcb/pkg/cmd/config/list"
	"github.com/tcb-go/tcb/pkg/cmd/config/set"
	"github.com/tcb-go/tcb/pkg/cmd/config/unset"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// NewCmdConfig builds `tcb config`.
func NewCmdConfig(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config <command>",
		Short: "Read and change settings (default env, region, output, token server)",
		Long: "Settings live per profile in config.json in the configuration directory\n" +
			"($TCB_CONFIG_DIR, default ~/.config/tcb). Keys: env-id, region, output, token-server.",
	}
	cmd.AddCommand(list.NewCmdList(f, nil))
	cmd.AddCommand(get.NewCmdGet(f, nil))
	cmd.AddCommand(set.NewCmdSet(f, nil))
	cmd.AddCommand(unset.NewCmdUnset(f, nil))
	return cmd
}
