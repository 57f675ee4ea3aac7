// Package log implements `tcb fn log`.
//
// Times: the API's StartTime/EndTime are China time without a zone; the
// flags take times in the zone tcb shows them in (local, or UTC with --utc)
// or RFC 3339, and records show their start in that zone too.
//
// --follow polls GetFunctionLogs: the window starts the function's timeout
// plus two minutes before now, so an invocation that started earlier but
// finished (and was logged) later is still caught, and records are
// deduplicated by RequestId. The poll interval starts at one second and
// doubles while nothing new arrives, up to ten seconds. Ctrl-C ends it with
// exit 130, the exit code of every interrupted command, without an error
// message.
package log

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/chinatime"
	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/cmd/fn/invoke"
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
	Follow    bool

	// start and end are StartTime and EndTime as instants.
	start, end time.Time

	// PollInterval is the first wait between two polls with --follow
	// (default 1 s); it doubles while nothing new arrives, up to
	// MaxPollInterval (default 10 s).
	PollInterval    time.Duration
	MaxPollInterval time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// NewCmdLog builds `tcb fn log`.
func NewCmdLog(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "log <name>",
		Short: "Show a function's invocation logs",
		Long: heredoc.Doc(`
			Show invocation logs, newest first by default, with the same filters as the
			official CLI: one request id, paging (offset + limit ≤ 10000), order, a time
			range (at most one day apart), errors only or successes only.

			Times are shown in your time zone with the zone (UTC with --utc). --start-time
			and --end-time take YYYY-MM-DD HH:MM:SS in that zone, or RFC 3339 with an
			offset. A failed invocation shows SCF's error (message, kind and status, and
			the stack trace unless the log already holds it) as readable lines; --json
			prints the API's records unchanged.

			--follow (-f) first shows the latest --limit records, oldest first, then keeps
			printing new ones as they arrive until Ctrl-C (exit 130); with --json, one
			JSON object per line. It combines with --error and --success.

			Without NAME on a terminal, tcb offers the environment's functions to pick
			from; elsewhere NAME is required (exit 3).
		`),
		Example: heredoc.Doc(`
			$ tcb fn log hello
			$ tcb fn log hello --error --limit 5
			$ tcb fn log hello --request-id 8f3e...
			$ tcb fn log hello --start-time "2026-11-27 10:00:00" --end-time "2026-11-27 12:00:00" --json
			$ tcb fn log hello -f
			$ tcb fn log hello -f --error --json --jq .RequestId
		`),
		Args: cmdutil.ArgsOrPrompt(f, 1, 1, usage),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Name = args[0]
			}
			if opts.Errors && opts.Success {
				return cmdutil.FlagErrorf("--error and --success are mutually exclusive")
			}
			if opts.Follow {
				for _, fl := range []string{"request-id", "offset", "order", "order-by", "start-time", "end-time"} {
					if cmd.Flags().Changed(fl) {
						return cmdutil.FlagErrorf("--follow shows new records as they arrive; it cannot be combined with --%s", fl)
					}
				}
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
			var err error
			if opts.StartTime != "" {
				if opts.start, err = f.ParseTimeFlag(opts.StartTime); err != nil {
					return cmdutil.FlagErrorf("--start-time %q: expected YYYY-MM-DD HH:MM:SS or RFC 3339", opts.StartTime)
				}
			}
			if opts.EndTime != "" {
				if opts.end, err = f.ParseTimeFlag(opts.EndTime); err != nil {
					return cmdutil.FlagErrorf("--end-time %q: expected YYYY-MM-DD HH:MM:SS or RFC 3339", opts.EndTime)
				}
			}
			if !opts.start.IsZero() && !opts.end.IsZero() && (opts.end.Before(opts.start) || opts.end.Sub(opts.start) > 24*time.Hour) {
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
	fl.Int64VarP(&opts.Limit, "limit", "l", 20, "records to show (with --follow: recent records shown first)")
	fl.Int64VarP(&opts.Offset, "offset", "o", 0, "records to skip")
	fl.StringVar(&opts.Order, "order", "desc", "asc or desc")
	fl.StringVar(&opts.OrderBy, "order-by", "start_time", "function_name, duration, mem_usage or start_time")
	fl.StringVar(&opts.StartTime, "start-time", "", "from this time (YYYY-MM-DD HH:MM:SS in your zone, or RFC 3339)")
	fl.StringVar(&opts.EndTime, "end-time", "", "until this time (YYYY-MM-DD HH:MM:SS in your zone, or RFC 3339)")
	fl.BoolVar(&opts.Errors, "error", false, "only failed invocations")
	fl.BoolVarP(&opts.Success, "success", "s", false, "only successful invocations")
	fl.BoolVarP(&opts.Follow, "follow", "f", false, "keep printing new records as they arrive (Ctrl-C to stop)")
	return cmd
}

func (opts *Options) filter() *cloudapi.LogFilter {
	switch {
	case opts.Errors:
		return &cloudapi.LogFilter{RetCode: "not0"}
	case opts.Success:
		return &cloudapi.LogFilter{RetCode: "is0"}
	}
	return nil
}

// apiTime writes an instant the way the API reads it (China time); the
// zero time is "".
func apiTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return chinatime.Format(t)
}

const usage = "which function? tcb fn log NAME"

// Run shows logs.
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
	if opts.Follow {
		return follow(ctx, opts, client, envID)
	}
	// Flags given to Run directly (not through the command) are API strings.
	start, end := opts.StartTime, opts.EndTime
	if !opts.start.IsZero() {
		start = apiTime(opts.start)
	}
	if !opts.end.IsZero() {
		end = apiTime(opts.end)
	}
	req := &cloudapi.GetFunctionLogsRequest{
		FunctionName: opts.Name, Namespace: envID, Offset: &opts.Offset, Limit: &opts.Limit,
		Order: opts.Order, OrderBy: opts.OrderBy, FunctionRequestId: opts.RequestID,
		StartTime: start, EndTime: end, Filter: opts.filter(),
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
	if len(resp.Data) == 0 {
		fmt.Fprintln(ios.ErrOut, "No log records match.")
		return nil
	}
	for _, l := range resp.Data {
		if err := printRecord(f, l); err != nil {
			return err
		}
	}
	if ios.IsStderrTTY() {
		fmt.Fprintf(ios.ErrOut, "%d of %d records\n", len(resp.Data), resp.TotalCount)
	}
	return nil
}

// printRecord writes one log record for people: a header line with the
// start time, request id, outcome and figures, then the log and, for a
// failure, SCF's error as lines, all indented.
func printRecord(f *cmdutil.Factory, l cloudapi.FunctionLog) error {
	ios := f.IOStreams
	cs := ios.ColorScheme()
	outcome := cs.Green("ok")
	if l.RetCode != 0 {
		outcome = cs.Red(fmt.Sprintf("failed (RetCode %d)", l.RetCode))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s · %.2f ms · billed %d ms · %s\n", cs.Bold(f.FormatCloudTime(l.StartTime)), l.RequestId,
		outcome, l.Duration, l.BillDuration, shared.FormatMem(l.MemUsage))
	if strings.TrimSpace(l.Log) != "" {
		b.WriteString(indent(l.Log))
	}
	if l.RetCode != 0 && strings.TrimSpace(l.RetMsg) != "" {
		if e, ok := invoke.ParseFailure(l.RetMsg); ok {
			b.WriteString(indent(cs.Red("error:") + " " + e.Summary()))
			if strings.TrimSpace(e.StackTrace) != "" && !invoke.StackInLog(e.StackTrace, l.Log) {
				for _, line := range strings.Split(strings.TrimRight(indent(e.StackTrace), "\n"), "\n") {
					b.WriteString(cs.Gray(line) + "\n")
				}
			}
		} else {
			b.WriteString(indent(l.RetMsg))
		}
	}
	_, err := fmt.Fprint(ios.Out, b.String())
	return err
}

// printJSONRecord writes one record as one line of JSON (or what --jq makes
// of it), for --follow --json.
func printJSONRecord(f *cmdutil.Factory, l cloudapi.FunctionLog) error {
	if f.Globals.JQ != "" {
		return cmdutil.PrintJSON(f.IOStreams.Out, l, f.Globals.JQ)
	}
	return cmdutil.PrintJSONLine(f.IOStreams.Out, l)
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return "    " + strings.Join(lines, "\n    ") + "\n"
}

const (
	defaultPollInterval    = time.Second
	defaultMaxPollInterval = 10 * time.Second
	// followSlack is added to the function's timeout to size the window
	// polled: the cloud logs a record some time after the invocation ends.
	followSlack = 2 * time.Minute
	followPage  = 100
)

// follow prints the latest records, then new ones until ctx ends.
func follow(ctx context.Context, opts *Options, client *cloudapi.Client, envID string) error {
	f := opts.F
	ios := f.IOStreams
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	interrupted := func(err error) error {
		if ctx.Err() != nil {
			return cmdutil.SilentExit{Code: cmdutil.ExitInterrupted}
		}
		return fmt.Errorf("fn log %s: %w", opts.Name, err)
	}
	fn, err := client.GetFunction(ctx, envID, opts.Name)
	if err != nil {
		return interrupted(err)
	}
	lookback := time.Duration(fn.Timeout)*time.Second + followSlack

	seen := map[string]time.Time{} // RequestId -> start, within the polled window
	mark := func(l cloudapi.FunctionLog) {
		start, err := chinatime.Parse(l.StartTime)
		if err != nil {
			start = now()
		}
		seen[l.RequestId] = start
	}
	show := func(l cloudapi.FunctionLog) error {
		mark(l)
		if f.WantsJSON() {
			return printJSONRecord(f, l)
		}
		return printRecord(f, l)
	}

	// window calls fn for every record of the polled window, oldest first,
	// and reports how many were not seen before.
	window := func(fn func(cloudapi.FunctionLog) error) (int, error) {
		t := now()
		from, to := t.Add(-lookback), t.Add(time.Hour) // to: well past any clock skew
		if to.Sub(from) > 24*time.Hour {               // the API's longest window
			from = to.Add(-24 * time.Hour)
		}
		n := 0
		for offset := int64(0); offset+followPage <= 10000; offset += followPage {
			off, lim := offset, int64(followPage)
			resp, err := client.GetFunctionLogs(ctx, &cloudapi.GetFunctionLogsRequest{
				FunctionName: opts.Name, Namespace: envID, Offset: &off, Limit: &lim,
				Order: "asc", OrderBy: "start_time", Filter: opts.filter(),
				StartTime: apiTime(from), EndTime: apiTime(to),
			})
			if err != nil {
				return n, err
			}
			for _, l := range resp.Data {
				if _, dup := seen[l.RequestId]; dup {
					continue
				}
				n++
				if err := fn(l); err != nil {
					return n, err
				}
			}
			if len(resp.Data) < followPage {
				break
			}
		}
		// Forget what the window no longer covers.
		for id, start := range seen {
			if start.Before(from.Add(-time.Minute)) {
				delete(seen, id)
			}
		}
		return n, nil
	}

	// What the window holds now is old news beyond the latest --limit
	// records shown next; mark it first, so that a record logged between
	// the two calls is among the latest rather than lost.
	if _, err := window(func(l cloudapi.FunctionLog) error { mark(l); return nil }); err != nil {
		return interrupted(err)
	}
	// The latest records, oldest at the top, as tail -f does.
	zero, limit := int64(0), opts.Limit
	resp, err := client.GetFunctionLogs(ctx, &cloudapi.GetFunctionLogsRequest{
		FunctionName: opts.Name, Namespace: envID, Offset: &zero, Limit: &limit,
		Order: "desc", OrderBy: "start_time", Filter: opts.filter(),
	})
	if err != nil {
		return interrupted(err)
	}
	for i := len(resp.Data) - 1; i >= 0; i-- {
		if err := show(resp.Data[i]); err != nil {
			return err
		}
	}
	if ios.IsStderrTTY() {
		fmt.Fprintf(ios.ErrOut, "Following the logs of %s; Ctrl-C to stop.\n", opts.Name)
	}

	base, most := opts.PollInterval, opts.MaxPollInterval
	if base <= 0 {
		base = defaultPollInterval
	}
	if most < base {
		most = max(defaultMaxPollInterval, base)
	}
	wait := base
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return cmdutil.SilentExit{Code: cmdutil.ExitInterrupted}
		case <-timer.C:
		}
		n, err := window(show)
		if err != nil {
			return interrupted(err)
		}
		if n > 0 {
			wait = base
		} else {
			wait = min(2*wait, most)
		}
		timer.Reset(wait)
	}
}
