// Command benchbase is the yardstick for tcb's startup in scripts/bench.sh:
// the smallest cobra program shaped like tcb (a root command with --version,
// persistent flags and one subcommand that prints a line), built the same
// way. tcb's startup is reported as a ratio to this program's.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	var envID string
	var asJSON bool
	root := &cobra.Command{
		Use:           "benchbase",
		Short:         "A minimal cobra program",
		Version:       "0.0.0",
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.PersistentFlags().StringVarP(&envID, "env-id", "e", "", "environment id")
	root.PersistentFlags().BoolVar(&asJSON, "json", false, "print JSON")
	root.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "Print one line",
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "env-1")
			return err
		},
	})
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
