// Package log implements `tcb fn log`.
package log

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/cmd/fn/shared"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// Options of fn log.
type Options struct {
	F         *cmdutil.Factory
	Name      string
	RequestID string
	Limit     int64
	Offset    int64
	Order     string
	OrderBy   string
	StartTime string
	EndTime   string
	Errors    bool
	Success   bool
}

const timeLayout = "2006-01-02 15:04:05"

// NewCmdLog builds `tcb fn log`.
func NewCmdLog(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "log <name>",
		Short: "Show a function's invocation logs",
		Long: heredoc.Doc(`
			Show invocation logs, newest first by default, with the same filters as the
			official CLI: one request id, paging (offset + limit ≤ 10000), order, a time
			range (YYYY-MM-DD HH:MM:SS, at most one day apart), errors only or successes
			only.
		`),
		Example: heredoc.Doc(`
			$ tcb fn log hello
			$ tcb fn log hello --error --limit 5
			$ tcb fn log hello --request-id 8f3e...
			$ tcb fn log hello --start-time "2026-11-27 10:00:00" --end-time "2026-11-27 12:00:00" --json
		`),
		Args: cmdutil.ExactArgs(1, "which function? tcb fn log NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if opts.Errors && opts.Success {
				return cmdutil.FlagErrorf("--error and --success are mutually exclusive")
			}
			if opts.Limit < 1 || opts.Offset < 0 || opts.Offset+opts.Limit > 10000 {
				return cmdutil.FlagErrorf("--limit must be at least 1 and --offset + --limit at most 10000")
			}
			if opts.Order != "asc" && opts.Order != "desc" {
				return cmdutil.FlagErrorf("--order must be asc or desc")
			}
			switch opts.OrderBy {
			case "function_name", "duration", "mem_usage", "start_time":
			default:
				return cmdutil.FlagErrorf("--order-by must be function_name, duration, mem_usage or start_time")
			}
			var st, et time.Time
			var err error
			if opts.StartTime != "" {
				if st, err = time.Parse(timeLayout, opts.StartTime); err != nil {
					return cmdutil.FlagErrorf("--start-time %q: expected YYYY-MM-DD HH:MM:SS", opts.StartTime)
				}
			}
			if opts.EndTime != "" {
				if et, err = time.Parse(timeLayout, opts.EndTime); err != nil {
					return cmdutil.FlagErrorf("--end-time %q: expected YYYY-MM-DD HH:MM:SS", opts.EndTime)
				}
			}
			if !st.IsZero() && !et.IsZero() && (et.Before(st) || et.Sub(st) > 24*time.Hour) {
				return cmdutil.FlagErrorf("--end-time must be after --start-time and at most one day later")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.RequestID, "request-id", "i", "", "only this invocation")
	fl.Int64VarP(&opts.Limit, "limit", "l", 20, "records to show")
	fl.Int64VarP(&opts.Offset, "offset", "o", 0, "records to skip")
	fl.StringVar(&opts.Order, "order", "desc", "asc or desc")
	fl.StringVar(&opts.OrderBy, "order-by", "start_time", "function_name, duration, mem_usage or start_time")
	fl.StringVar(&opts.StartTime, "start-time", "", "from this time (YYYY-MM-DD HH:MM:SS)")
	fl.StringVar(&opts.EndTime, "end-time", "", "until this time (YYYY-MM-DD HH:MM:SS)")
	fl.BoolVar(&opts.Errors, "error", false, "only failed invocations")
	fl.BoolVarP(&opts.Success, "success", "s", false, "only successful invocations")
	return cmd
}

// Run shows logs.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	client, envID, err := shared.Target(f)
	if err != nil {
		return err
	}
	req := &cloudapi.GetFunctionLogsRequest{
		FunctionName: opts.Name, Namespace: envID, Offset: &opts.Offset, Limit: &opts.Limit,
		Order: opts.Order, OrderBy: opts.OrderBy, FunctionRequestId: opts.RequestID,
		StartTime: opts.StartTime, EndTime: opts.EndTime,
	}
	if opts.Errors {
		req.Filter = &cloudapi.LogFilter{RetCode: "not0"}
	} else if opts.Success {
		req.Filter = &cloudapi.LogFilter{RetCode: "is0"}
	}
	var resp *cloudapi.GetFunctionLogsResponse
	err = f.IOStreams.RunWithProgress("Fetching logs", func() error {
		resp, err = client.GetFunctionLogs(ctx, req)
		return err
	})
	if err != nil {
		return fmt.Errorf("fn log %s: %w", opts.Name, err)
	}
	if resp.Data == nil {
		resp.Data = []cloudapi.FunctionLog{}
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, resp.Data, f.Globals.JQ)
	}
	ios := f.IOStreams
	cs := ios.ColorScheme()
	if len(resp.Data) == 0 {
		fmt.Fprintln(ios.ErrOut, "No log records match.")
		return nil
	}
	for _, l := range resp.Data {
		outcome := cs.Green("ok")
		if l.RetCode != 0 {
			outcome = cs.Red(fmt.Sprintf("failed (RetCode %d)", l.RetCode))
		}
		fmt.Fprintf(ios.Out, "%s %s %s · %.2f ms · billed %d ms · %s\n", cs.Bold(l.StartTime), l.RequestId, outcome, l.Duration, l.BillDuration, shared.FormatMem(l.MemUsage))
		if l.Log != "" {
			fmt.Fprint(ios.Out, indent(l.Log))
		}
		if l.RetCode != 0 && l.RetMsg != "" {
			fmt.Fprint(ios.Out, indent(l.RetMsg))
		}
	}
	if ios.IsStderrTTY() {
		fmt.Fprintf(ios.ErrOut, "%d of %d records\n", len(resp.Data), resp.TotalCount)
	}
	return nil
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return "    " + strings.Join(lines, "\n    ") + "\n"
}
