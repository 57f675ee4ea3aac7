// Package detail implements `tcb fn detail`.
package detail

import (
	"context"
	"fmt"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/cmd/fn/shared"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// Options of fn detail.
type Options struct {
	F    *cmdutil.Factory
	Name string
}

const usage = "which function? tcb fn detail NAME"

// NewCmdDetail builds `tcb fn detail`.
func NewCmdDetail(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	return &cobra.Command{
		Use:     "detail <name>",
		Aliases: []string{"info"},
		Short:   "Show a function's configuration, status and triggers",
		Long: heredoc.Doc(`
			Show a function's configuration, status and triggers; --json prints the
			GetFunction answer.

			Without NAME on a terminal, tcb offers the environment's functions to pick
			from; elsewhere NAME is required (exit 3).
		`),
		Example: "$ tcb fn detail hello\n$ tcb fn detail hello --jq .Environment.Variables",
		Args:    cmdutil.ArgsOrPrompt(f, 1, 1, usage),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Name = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
}

// Run shows the function.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	if opts.Name == "" {
		name, err := shared.ChooseFunction(ctx, f, usage)
		if err != nil {
			return err
		}
		opts.Name = name
	}
	client, envID, err := f.CloudTarget()
	if err != nil {
		return err
	}
	var fn *cloudapi.GetFunctionResponse
	err = f.IOStreams.RunWithProgress("Fetching "+opts.Name, func() error {
		fn, err = client.GetFunction(ctx, envID, opts.Name)
		return err
	})
	if err != nil {
		return fmt.Errorf("fn detail: %w", err)
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, fn, f.Globals.JQ)
	}
	cs := f.IOStreams.ColorScheme()
	status := cs.Status(fn.Status)
	if fn.StatusDesc != "" {
		status += " (" + fn.StatusDesc + ")"
	}
	var env []string
	if fn.Environment != nil {
		for _, v := range fn.Environment.Variables {
			env = append(env, v.Key+"="+v.Value)
		}
	}
	var triggers []string
	for _, t := range fn.Triggers {
		triggers = append(triggers, fmt.Sprintf("%s (%s %s)", t.TriggerName, t.Type, t.TriggerDesc))
	}
	fields := [][2]string{
		{"Name", fn.FunctionName},
		{"Namespace", fn.Namespace},
		{"Status", status},
		{"Runtime", fn.Runtime},
		{"Handler", fn.Handler},
		{"Timeout", fmt.Sprintf("%d s", fn.Timeout)},
		{"Memory", fmt.Sprintf("%d MB", fn.MemorySize)},
		{"Code size", fmt.Sprintf("%d bytes", fn.CodeSize)},
		{"Install deps", fn.InstallDependency},
		{"Environment", strings.Join(env, ", ")},
		{"Triggers", strings.Join(triggers, "; ")},
		{"Created", f.FormatCloudTime(fn.AddTime)},
		{"Modified", f.FormatCloudTime(fn.ModTime)},
	}
	for _, r := range fn.StatusReasons {
		fields = append(fields, [2]string{"Reason", r.ErrorCode + " " + r.ErrorMessage})
	}
	return cmdutil.PrintFields(f.IOStreams, fields)
}
