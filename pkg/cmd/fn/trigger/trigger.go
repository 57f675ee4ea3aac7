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
	cmd.AddCommand(NewCmdCreate(f, nil), NewCmdDelete(f, nil), NewCmdList(f, nil))
	return cmd
}

// CreateOptions of `fn trigger create`.
type CreateOptions struct {
	F           *cmdutil.Factory
	Function    string
	Name, Cron  string
	Description string
}

// NewCmdCreate builds `tcb fn trigger create`.
func NewCmdCreate(f *cmdutil.Factory, runF func(context.Context, *CreateOptions) error) *cobra.Command {
	o := &CreateOptions{F: f}
	cmd := &cobra.Command{
		Use:   "create <function>",
		Short: "Create timer triggers (from the config, or --name and --cron)",
		Long: heredoc.Doc(`
			Create a timer trigger. With --name and --cron, that one; otherwise every
			trigger the project config lists for the function. The cron has 7 fields
			(second minute hour day-of-month month day-of-week year) and is checked locally.

			Without FUNCTION on a terminal, tcb offers the environment's functions to pick
			from; elsewhere FUNCTION is required (exit 3).
		`),
		Example: "$ tcb fn trigger create hello\n$ tcb fn trigger create hello --name every5min --cron '0 */5 * * * * *'",
		Args:    cmdutil.ArgsOrPrompt(f, 1, 1, createUsage),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Function = args[0]
			}
			if (o.Name == "") != (o.Cron == "") {
				return cmdutil.FlagErrorf("--name and --cron go together")
			}
			if o.Cron != "" {
				if err := project.ValidateCron(o.Cron); err != nil {
					return cmdutil.FlagErrorf("--cron: %v", err)
				}
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return createRun(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.Name, "name", "", "trigger name")
	cmd.Flags().StringVar(&o.Cron, "cron", "", "7-field cron expression")
	cmd.Flags().StringVar(&o.Description, "description", "", "trigger description")
	return cmd
}

const (
	createUsage = "which function? tcb fn trigger create FUNCTION"
	deleteUsage = "usage: tcb fn trigger delete FUNCTION TRIGGER"
	listUsage   = "which function? tcb fn trigger list FUNCTION"
)

func createRun(ctx context.Context, o *CreateOptions) error {
	f := o.F
	if o.Function == "" {
		name, err := shared.ChooseFunction(ctx, f, createUsage)
		if err != nil {
			return err
		}
		o.Function = name
	}
	var triggers []project.Trigger
	if o.Name != "" {
		triggers = []project.Trigger{{Name: o.Name, Type: "timer", Config: o.Cron}}
	} else {
		fn, p, err := shared.ConfiguredFunction(f, o.Function, "triggers")
		if err != nil {
			return err
		}
		if fn == nil || len(fn.Triggers) == 0 {
			where := "no project config"
			if p != nil {
				where = p.ConfigPath
			}
			return cmdutil.FlagErrorf("no triggers configured for %s (%s): pass --name and --cron", o.Function, where)
		}
		triggers = fn.Triggers
	}
	client, envID, err := f.CloudTarget()
	if err != nil {
		return err
	}
	var created []cloudapi.TriggerInfo
	for _, t := range triggers {
		info, err := client.CreateTrigger(ctx, &cloudapi.CreateTriggerRequest{FunctionName: o.Function, Namespace: envID,
			TriggerName: t.Name, Type: t.Type, TriggerDesc: t.Config, Enable: "OPEN", Description: o.Description})
		if err != nil {
			return fmt.Errorf("fn trigger create %s/%s: %w", o.Function, t.Name, err)
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

// DeleteOptions of `fn trigger delete`.
type DeleteOptions struct {
	F        *cmdutil.Factory
	Function string
	Trigger  string
}

// NewCmdDelete builds `tcb fn trigger delete`.
func NewCmdDelete(f *cmdutil.Factory, runF func(context.Context, *DeleteOptions) error) *cobra.Command {
	o := &DeleteOptions{F: f}
	return &cobra.Command{
		Use:   "delete <function> <trigger>",
		Short: "Delete a trigger",
		Long: heredoc.Doc(`
			Delete a timer trigger of a function, after showing what it removes and asking
			(default no); --yes skips the question and is required without a terminal.

			On a terminal, a missing FUNCTION is picked from the environment's functions
			and a missing TRIGGER from the function's triggers; elsewhere both are
			required (exit 3).
		`),
		Example: "$ tcb fn trigger delete hello every5min --yes",
		Args:    cmdutil.ArgsOrPrompt(f, 2, 2, deleteUsage),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				o.Function = args[0]
			}
			if len(args) > 1 {
				o.Trigger = args[1]
			}
			if !f.Globals.Yes && !f.IOStreams.CanPrompt() {
				return cmdutil.NoTTYError("fn trigger delete", "--yes")
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return deleteRun(cmd.Context(), o)
		},
	}
}

func deleteRun(ctx context.Context, o *DeleteOptions) error {
	f := o.F
	if o.Function == "" {
		name, err := shared.ChooseFunction(ctx, f, deleteUsage)
		if err != nil {
			return err
		}
		o.Function = name
	}
	client, envID, err := f.CloudTarget()
	if err != nil {
		return err
	}
	ts, err := client.ListTriggers(ctx, envID, o.Function)
	if err != nil {
		return fmt.Errorf("fn trigger delete: %w", err)
	}
	if o.Trigger == "" {
		rows := make([][]string, len(ts))
		for i, t := range ts {
			rows[i] = []string{t.TriggerName, t.Type, t.TriggerDesc}
		}
		i, err := f.Choose("Trigger of "+o.Function, "the TRIGGER argument", cmdutil.Columns(rows), 0)
		if err != nil {
			return err
		}
		o.Trigger = ts[i].TriggerName
	}
	if !f.Globals.Yes {
		what := fmt.Sprintf("trigger %s of function %s", o.Trigger, o.Function)
		for _, t := range ts {
			if t.TriggerName == o.Trigger {
				what += fmt.Sprintf(" (%s %s)", t.Type, t.TriggerDesc)
			}
		}
		cmdutil.ShowRemoval(f.IOStreams, envID, []string{what})
	}
	if err := f.ConfirmOrYes("fn trigger delete", fmt.Sprintf("Delete trigger %s of %s?", o.Trigger, o.Function)); err != nil {
		return err
	}
	if err := client.DeleteTrigger(ctx, &cloudapi.DeleteTriggerRequest{FunctionName: o.Function, Namespace: envID, TriggerName: o.Trigger, Type: "timer"}); err != nil {
		return fmt.Errorf("fn trigger delete: %w", err)
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, map[string]string{"deleted": o.Trigger, "function": o.Function}, f.Globals.JQ)
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "%s Deleted trigger %s\n", f.IOStreams.ColorScheme().SuccessIcon(), o.Trigger)
	return nil
}

// ListOptions of `fn trigger list`.
type ListOptions struct {
	F        *cmdutil.Factory
	Function string
}

// NewCmdList builds `tcb fn trigger list`.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	o := &ListOptions{F: f}
	return &cobra.Command{
		Use:   "list <function>",
		Short: "List a function's triggers",
		Long: heredoc.Doc(`
			List a function's triggers: name, type, schedule, whether enabled, and when
			created; --json prints the API's records.

			Without FUNCTION on a terminal, tcb offers the environment's functions to pick
			from; elsewhere FUNCTION is required (exit 3).
		`),
		Example: "$ tcb fn trigger list hello",
		Args:    cmdutil.ArgsOrPrompt(f, 1, 1, listUsage),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Function = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return listRun(cmd.Context(), o)
		},
	}
}

func listRun(ctx context.Context, o *ListOptions) error {
	f := o.F
	if o.Function == "" {
		name, err := shared.ChooseFunction(ctx, f, listUsage)
		if err != nil {
			return err
		}
		o.Function = name
	}
	client, envID, err := f.CloudTarget()
	if err != nil {
		return err
	}
	ts, err := client.ListTriggers(ctx, envID, o.Function)
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
}
