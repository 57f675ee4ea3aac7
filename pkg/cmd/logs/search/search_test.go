package search

import (
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdSearch(t *testing.T) {
	def := Options{Query: "*", TimeRange: "1h", Limit: 20, Sort: "desc", Service: "tcb"}
	cmdtest.RunCases(t, "logs", NewCmdSearch, []cmdtest.Case[Options]{
		{Name: "defaults", Want: &def},
		{Name: "official flags", Args: []string{"-q", `function_name:"f"`, "-t", "6h", "-l", "50", "--sort", "ASC", "--context", "abc", "--service", "tcbr"},
			Want: &Options{Query: `function_name:"f"`, TimeRange: "6h", Limit: 50, Sort: "asc", Context: "abc", Service: "tcbr"}},
		{Name: "long names", Args: []string{"--query", "x", "--timeRange", "1d", "--limit", "1"}, Want: &Options{Query: "x", TimeRange: "1d", Limit: 1, Sort: "desc", Service: "tcb"}},
		{Name: "limit 0", Args: []string{"-l", "0"}, WantCode: 3, WantErr: "--limit"},
		{Name: "limit 101", Args: []string{"-l", "101"}, WantCode: 3, WantErr: "--limit"},
		{Name: "sort", Args: []string{"--sort", "up"}, WantCode: 3, WantErr: "--sort"},
		{Name: "service", Args: []string{"--service", "scf"}, WantCode: 3, WantErr: "--service"},
		{Name: "argument", Args: []string{"x"}, WantCode: 3},
	})
}

func TestParseRange(t *testing.T) {
	now := time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)
	parse := func(s string) (time.Time, error) { return time.ParseInLocation(time.DateTime, s, time.UTC) }
	for _, tc := range []struct {
		in       string
		from, to time.Time
		bad      bool
	}{
		{in: "1h", from: now.Add(-time.Hour), to: now},
		{in: "30m", from: now.Add(-30 * time.Minute), to: now},
		{in: "7d", from: now.Add(-7 * 24 * time.Hour), to: now},
		{in: "2026-03-10 14:00:00,2026-03-10 15:00:00", from: now.Add(-time.Hour), to: now},
		{in: "31d", bad: true}, {in: "0h", bad: true}, {in: "-1h", bad: true}, {in: "1y", bad: true}, {in: "h", bad: true},
		{in: "2026-03-10 16:00:00,2026-03-10 15:00:00", bad: true}, {in: "x,y", bad: true},
		{in: "2026-01-01 00:00:00,2026-03-01 00:00:00", bad: true}, {in: "9999999999999999999h", bad: true},
	} {
		from, to, err := ParseRange(tc.in, now, parse)
		if tc.bad != (err != nil) || (!tc.bad && (!from.Equal(tc.from) || !to.Equal(tc.to))) {
			t.Errorf("ParseRange(%q) = %v, %v, %v", tc.in, from, to, err)
		}
	}
}
