// Package get implements `tcb config get`.
package get

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/config"
)

// Options of config get.
type Options struct {
	F   *cmdutil.Factory
	Key string
}

// NewCmdGet builds `tcb config get`.
func NewCmdGet(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	return &cobra.Command{
		Use:     "get <key>",
		Short:   "Print one setting (exit 4 when it is not set)",
		Example: "$ tcb config get env-id\n$ tcb config get region",
		Args:    cmdutil.ExactArgs(1, "which setting? keys: env-id, region, output, token-server"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Key = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
}

// Run prints the value.
func Run(ctx context.Context, opts *Options) error {
	k, err := config.LookupSetting(opts.Key)
	if err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	st, err := opts.F.Settings()
	if err != nil {
		return err
	}
	v := k.Get(&st)
	if opts.F.WantsJSON() {
		return cmdutil.PrintJSON(opts.F.IOStreams.Out, map[string]string{"key": k.Key, "value": v}, opts.F.Globals.JQ)
	}
	if v == "" {
		return cmdutil.NotFoundErrorf("%s is not set", k.Key)
	}
	_, err = fmt.Fprintln(opts.F.IOStreams.Out, v)
	return err
}
