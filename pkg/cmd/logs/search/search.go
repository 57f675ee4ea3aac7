// Package search implements `tcb logs search`: one page of the
// environment's logs through tcb SearchClsLog (tcbr's for --service tcbr),
// with the official CLI v3 flags.
package search

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/chinatime"
	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// Options of logs search.
type Options struct {
	F         *cmdutil.Factory
	Query     string
	TimeRange string
	Limit     int64
	Sort      string
	Context   string
	Service   string

	// Now is the clock (default time.Now).
	Now func() time.Time
}

// MaxRange is the longest time range searched.
const MaxRange = 30 * 24 * time.Hour

// NewCmdSearch builds `tcb logs search`.
func NewCmdSearch(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "search",
		Short: "Search logs with the CLS query syntax",
		Long: heredoc.Doc(`
			Search the environment's logs (function invocations and the other CloudBase
			services) with a CLS query, newest first unless --sort asc. One page at a time:
			when there is more, the cursor for --context is printed on stderr (and is
			.Context in --json, with .ListOver false).

			--timeRange is relative (30m, 1h, 6h, 1d, 7d) or absolute as "START,END", each
			YYYY-MM-DD HH:MM:SS in the zone tcb shows times in (UTC with --utc) or RFC 3339;
			at most 30 days.
		`),
		Example: heredoc.Doc(`
			$ tcb logs search -e demo-a1b2c3
			$ tcb logs search -q 'function_name:"hello"' -t 6h
			$ tcb logs search -q 'request_id:"0f1e2d3c"' --sort asc
			$ tcb logs search -t "2026-03-10 14:00:00,2026-03-10 15:00:00" --json
			$ tcb logs search -q 'function_name:"hello"' --context eyJvIjoyMH0
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Limit < 1 || opts.Limit > 100 {
				return cmdutil.FlagErrorf("--limit must be 1-100, got %d", opts.Limit)
			}
			opts.Sort = strings.ToLower(opts.Sort)
			if opts.Sort != "asc" && opts.Sort != "desc" {
				return cmdutil.FlagErrorf("--sort must be asc or desc, got %q", opts.Sort)
			}
			if opts.Service != "tcb" && opts.Service != "tcbr" {
				return cmdutil.FlagErrorf("--service must be tcb or tcbr, got %q", opts.Service)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Query, "query", "q", "*", "CLS query")
	fl.StringVarP(&opts.TimeRange, "timeRange", "t", "1h", `time range: relative (1h, 7d) or "START,END"`)
	fl.Int64VarP(&opts.Limit, "limit", "l", 20, "results per page (1-100)")
	fl.StringVar(&opts.Sort, "sort", "desc", "order by time: desc or asc")
	fl.StringVar(&opts.Context, "context", "", "cursor of the next page, from the previous search")
	fl.StringVar(&opts.Service, "service", "tcb", "log service: tcb, or tcbr for Cloud Run")
	return cmd
}

// ParseRange reads --timeRange: a duration back from now (Ns, Nm, Nh, Nd)
// or "START,END" read with parse.
func ParseRange(s string, now time.Time, parse func(string) (time.Time, error)) (time.Time, time.Time, error) {
	s = strings.TrimSpace(s)
	if start, end, ok := strings.Cut(s, ","); ok {
		from, err := parse(start)
		if err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("--timeRange start %q: want YYYY-MM-DD HH:MM:SS or RFC 3339", strings.TrimSpace(start))
		}
		to, err := parse(end)
		if err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("--timeRange end %q: want YYYY-MM-DD HH:MM:SS or RFC 3339", strings.TrimSpace(end))
		}
		if to.Before(from) {
			return time.Time{}, time.Time{}, fmt.Errorf("--timeRange ends before it starts")
		}
		if to.Sub(from) > MaxRange {
			return time.Time{}, time.Time{}, fmt.Errorf("--timeRange spans more than 30 days")
		}
		return from, to, nil
	}
	if len(s) < 2 {
		return time.Time{}, time.Time{}, fmt.Errorf("--timeRange %q: want a duration such as 1h or 7d, or \"START,END\"", s)
	}
	n, err := strconv.ParseInt(s[:len(s)-1], 10, 64)
	unit := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour}[s[len(s)-1]]
	if err != nil || n <= 0 || unit == 0 || n > int64(MaxRange/unit) {
		return time.Time{}, time.Time{}, fmt.Errorf("--timeRange %q: want a positive duration up to 30d such as 30m, 1h or 7d, or \"START,END\"", s)
	}
	return now.Add(-time.Duration(n) * unit), now, nil
}

// Run searches one page.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	from, to, err := ParseRange(opts.TimeRange, now(), f.ParseTimeFlag)
	if err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	envID, err := f.RequireEnvID()
	if err != nil {
		return err
	}
	client, err := f.CloudAPI()
	if err != nil {
		return err
	}
	req := &cloudapi.SearchClsLogRequest{EnvId: envID, StartTime: chinatime.Format(from), EndTime: chinatime.Format(to),
		QueryString: opts.Query, Limit: opts.Limit, Context: opts.Context, Sort: opts.Sort}
	var resp *cloudapi.SearchClsLogResponse
	if opts.Service == "tcbr" {
		body, _ := json.Marshal(req)
		raw, err := client.CallVersion(ctx, "tcbr", cloudapi.KnownVersions["tcbr"], "SearchClsLog", body)
		if err != nil {
			return fmt.Errorf("logs search: %w", err)
		}
		resp = &cloudapi.SearchClsLogResponse{}
		if err := json.Unmarshal(raw, resp); err != nil {
			return cmdutil.APIErrorf("logs search: unexpected response: %v", err)
		}
	} else {
		if resp, err = client.SearchClsLog(ctx, req); err != nil {
			return fmt.Errorf("logs search: %w", err)
		}
	}
	res := resp.LogResults
	if res.Results == nil {
		res.Results = []cloudapi.ClsLogObject{}
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, res, f.Globals.JQ)
	}
	out := f.IOStreams.Out
	for _, r := range res.Results {
		fmt.Fprintln(out, line(f, r))
	}
	if len(res.Results) == 0 {
		fmt.Fprintf(f.IOStreams.ErrOut, "No logs from %s to %s.\n", f.FormatTime(from), f.FormatTime(to))
	}
	if !res.ListOver && res.Context != "" {
		fmt.Fprintf(f.IOStreams.ErrOut, "More results: add --context %s\n", res.Context)
	}
	return nil
}

// line renders one result: its time, then what its Content says (the
// function, request and log text of invocation logs; the raw content of
// others).
func line(f *cmdutil.Factory, r cloudapi.ClsLogObject) string {
	ts := r.Timestamp
	if t, err := time.Parse(time.RFC3339Nano, r.Timestamp); err == nil {
		ts = f.FormatTime(t)
	} else if ms, err := strconv.ParseInt(r.Timestamp, 10, 64); err == nil {
		ts = f.FormatTime(time.UnixMilli(ms))
	}
	var c map[string]any
	if json.Unmarshal([]byte(r.Content), &c) != nil {
		return ts + "  " + oneLine(r.Content)
	}
	var parts []string
	for _, k := range []string{"function_name", "request_id", "level", "status_code"} {
		if v, ok := c[k]; ok && fmt.Sprint(v) != "" {
			parts = append(parts, fmt.Sprint(v))
		}
	}
	text, _ := c["log"].(string)
	if text == "" {
		return ts + "  " + oneLine(r.Content)
	}
	return ts + "  " + strings.Join(parts, " ") + "  " + oneLine(text)
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r", ""), "\n", " ⏎ ")
}
