package log

import (
	"reflect"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdLog(t *testing.T) {
	// want compares the options, the parsed instants included.
	want := func(w Options, start, end time.Time) func(*testing.T, *Options) {
		return func(t *testing.T, o *Options) {
			if !o.start.Equal(start) || !o.end.Equal(end) {
				t.Errorf("range %v - %v, want %v - %v", o.start, o.end, start, end)
			}
			got := cmdtest.Comparable(o)
			got.start, got.end = time.Time{}, time.Time{}
			if !reflect.DeepEqual(got, w) {
				t.Errorf("options\n got: %+v\nwant: %+v", got, w)
			}
		}
	}
	var none time.Time
	defaults := Options{Name: "hello", Limit: 20, Order: "desc", OrderBy: "start_time"}
	with := func(edit func(*Options)) Options {
		o := defaults
		edit(&o)
		return o
	}
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	cmdtest.RunCases(t, "fn", NewCmdLog, []cmdtest.Case[Options]{
		{Name: "defaults", Args: []string{"hello"}, Check: want(defaults, none, none)},
		{Name: "paging and order", Args: []string{"hello", "-l", "5", "-o", "10", "--order", "asc", "--order-by", "duration", "--error"},
			Check: want(with(func(o *Options) { o.Limit, o.Offset, o.Order, o.OrderBy, o.Errors = 5, 10, "asc", "duration", true }), none, none)},
		{Name: "request id, successes", Args: []string{"hello", "-i", "req-1", "-s"},
			Check: want(with(func(o *Options) { o.RequestID, o.Success = "req-1", true }), none, none)},
		{Name: "time range in UTC", Args: []string{"hello", "--utc", "--start-time", "2026-11-27 10:00:00", "--end-time", "2026-11-27 12:00:00"},
			Check: want(with(func(o *Options) { o.StartTime, o.EndTime = "2026-11-27 10:00:00", "2026-11-27 12:00:00" }), t0, t0.Add(2*time.Hour))},
		{Name: "time range in RFC 3339", Args: []string{"hello", "--start-time", "2026-11-27T18:00:00+08:00", "--end-time", "2026-11-28T10:00:00Z"},
			Check: want(with(func(o *Options) { o.StartTime, o.EndTime = "2026-11-27T18:00:00+08:00", "2026-11-28T10:00:00Z" }), t0, t0.Add(24*time.Hour))},
		{Name: "follow", Args: []string{"hello", "-f", "--error", "-l", "5"},
			Check: want(with(func(o *Options) { o.Follow, o.Errors, o.Limit = true, true, 5 }), none, none)},
		{Name: "error and success", Args: []string{"hello", "--error", "--success"}, WantCode: 3, WantErr: "--error and --success are mutually exclusive"},
		{Name: "follow with a window", Args: []string{"hello", "-f", "--order", "asc"}, WantCode: 3, WantErr: "--follow shows new records as they arrive; it cannot be combined with --order"},
		{Name: "limit zero", Args: []string{"hello", "-l", "0"}, WantCode: 3, WantErr: "--limit must be at least 1 and --offset + --limit at most 10000"},
		{Name: "negative offset", Args: []string{"hello", "-o", "-1"}, WantCode: 3, WantErr: "--limit must be at least 1"},
		{Name: "past 10000", Args: []string{"hello", "-o", "9990", "-l", "11"}, WantCode: 3, WantErr: "--offset + --limit at most 10000"},
		{Name: "bad order", Args: []string{"hello", "--order", "up"}, WantCode: 3, WantErr: "--order must be asc or desc"},
		{Name: "bad order-by", Args: []string{"hello", "--order-by", "name"}, WantCode: 3, WantErr: "--order-by must be function_name, duration, mem_usage or start_time"},
		{Name: "bad start", Args: []string{"hello", "--start-time", "yesterday"}, WantCode: 3, WantErr: `--start-time "yesterday": expected YYYY-MM-DD HH:MM:SS or RFC 3339`},
		{Name: "bad end", Args: []string{"hello", "--end-time", "2026-11-27"}, WantCode: 3, WantErr: `--end-time "2026-11-27": expected`},
		{Name: "end before start", Args: []string{"hello", "--utc", "--start-time", "2026-11-27 10:00:00", "--end-time", "2026-11-27 09:00:00"},
			WantCode: 3, WantErr: "--end-time must be after --start-time and at most one day later"},
		{Name: "more than a day", Args: []string{"hello", "--utc", "--start-time", "2026-11-27 10:00:00", "--end-time", "2026-11-28 10:00:01"},
			WantCode: 3, WantErr: "at most one day later"},
		{Name: "no name", WantCode: 3, WantErr: "which function? tcb fn log NAME"},
	})
}
