// Package trigger implements `tcb fn trigger create|delete|list`.
package trigger

import (
	"context"
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/cmd/fn/shared"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/project"
)

// NewCmdTrigger builds `tcb fn trigger`.
func NewCmdTrigger(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "trigger <command>", Short: "Manage timer triggers"}
	cmd.AddCommand(newCmdCreate(f), newCmdDelete(f), newCmdList(f))
	return cmd
}

type createOptions struct {
	f           *cmdutil.Factory
	fn          string
	name, cron  string
	description string
}

func newCmdCreate(f *cmdutil.Factory) *cobra.Command {
	o := &createOptions{f: f}
	cmd := &cobra.Command{
		Use:   "create <function>",
		Short: "Create timer triggers (from the config, or --name and --cron)",
		Long: heredoc.Doc(`
			Create a timer trigger. With --name and --cron, that one; otherwise every
			trigger the project config lists for the function. The cron has 7 fields
			(second minute hour day-of-month month day-of-week year) and is checked locally.
		`),
		Example: "$ tcb fn trigger create hello\n$ tcb fn trigger create hello --name every5min --cron '0 */5 * * * * *'",
		Args:    cmdutil.ExactArgs(1, "which function? tcb fn trigger create FUNCTION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.fn = args[0]
			if (o.name == "") != (o.cron == "") {
				return cmdutil.FlagErrorf("--name and --cron go together")
			}
			if o.cron != "" {
				if err := project.ValidateCron(o.cron); err != nil {
					return cmdutil.FlagErrorf("--cron: %v", err)
				}
			}
			return o.run(cmd.Context())
		},
	}
	cmd.Flags().StringVar(&o.name, "name", "", "trigger name")
	cmd.Flags().StringVar(&o.cron, "cron", "", "7-field cron expression")
	cmd.Flags().StringVar(&o.description, "description", "", "trigger description")
	return cmd
}

func (o *createOptions) run(ctx context.Context) error {
	f := o.f
	var triggers []project.Trigger
	if o.name != "" {
		triggers = []project.Trigger{{Name: o.name, Type: "timer", Config: o.cron}}
	} else {
		fn, p, err := shared.ConfiguredFunction(f, o.fn)
		if err != nil {
			return err
		}
		if fn == nil || len(fn.Triggers) == 0 {
			where := "no project config"
			if p != nil {
				where = p.ConfigPath
			}
			return cmdutil.FlagErrorf("no triggers configured for %s (%s): pass --name and --cron", o.fn, where)
		}
		triggers = fn.Triggers
	}
	client, envID, err := shared.Target(f)
	if err != nil {
		return err
	}
	var created []cloudapi.TriggerInfo
	for _, t := range triggers {
		info, err := client.CreateTrigger(ctx, &cloudapi.CreateTriggerRequest{FunctionName: o.fn, Namespace: envID,
			TriggerName: t.Name, Type: t.Type, TriggerDesc: t.Config, Enable: "OPEN", Description: o.description})
		if err != nil {
			return fmt.Errorf("fn trigger create %s/%s: %w", o.fn, t.Name, err)
		}
		created = append(created, *info)
		if !f.WantsJSON() {
			fmt.Fprintf(f.IOStreams.ErrOut, "%s Created trigger %s (%s)\n", f.IOStreams.ColorScheme().SuccessIcon(), t.Name, t.Config)
		}
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, created, f.Globals.JQ)
	}
	return nil
}

func newCmdDelete(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "delete <function> <trigger>",
		Short:   "Delete a trigger",
		Example: "$ tcb fn trigger delete hello every5min --yes",
		Args:    cmdutil.ExactArgs(2, "usage: tcb fn trigger delete FUNCTION TRIGGER"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !f.Globals.Yes && !f.IOStreams.CanPrompt() {
				return cmdutil.NoTTYError("fn trigger delete", "--yes")
			}
			client, envID, err := shared.Target(f)
			if err != nil {
				return err
			}
			if err := f.ConfirmOrYes("fn trigger delete", fmt.Sprintf("Delete trigger %s of %s?", args[1], args[0])); err != nil {
				return err
			}
			if err := client.DeleteTrigger(cmd.Context(), &cloudapi.DeleteTriggerRequest{FunctionName: args[0], Namespace: envID, TriggerName: args[1], Type: "timer"}); err != nil {
				return fmt.Errorf("fn trigger delete: %w", err)
			}
			if f.WantsJSON() {
				return cmdutil.PrintJSON(f.IOStreams.Out, map[string]string{"deleted": args[1], "function": args[0]}, f.Globals.JQ)
			}
			fmt.Fprintf(f.IOStreams.ErrOut, "%s Deleted trigger %s\n", f.IOStreams.ColorScheme().SuccessIcon(), args[1])
			return nil
		},
	}
}

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "list <function>",
		Short:   "List a function's triggers",
		Example: "$ tcb fn trigger list hello",
		Args:    cmdutil.ExactArgs(1, "which function? tcb fn trigger list FUNCTION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			client, envID, err := shared.Target(f)
			if err != nil {
				return err
			}
			ts, err := client.ListTriggers(cmd.Context(), envID, args[0])
			if err != nil {
				return fmt.Errorf("fn trigger list: %w", err)
			}
			if ts == nil {
				ts = []cloudapi.TriggerInfo{}
			}
			if f.WantsJSON() {
				return cmdutil.PrintJSON(f.IOStreams.Out, ts, f.Globals.JQ)
			}
			t := cmdutil.NewTable(f.IOStreams, "Name", "Type", "Schedule", "Enabled", "Created")
			for _, tr := range ts {
				en := "yes"
				if tr.Enable == 0 {
					en = "no"
				}
				t.Row(tr.TriggerName, tr.Type, tr.TriggerDesc, en, tr.AddTime)
			}
			return t.Render()
		},
	}
}
