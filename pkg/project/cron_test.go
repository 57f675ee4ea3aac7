package project

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tcb-go/tcb/pkg/chinatime"
)

func TestValidateCron(t *testing.T) {
	valid := []string{
		"* * * * * * *",
		"0 0 2 * * * *",
		"0 0 2 1 * * *",
		"*/5 * * * * ? *",
		"0 */30 9-17 ? * MON-FRI *",
		"0 0 12 ? * sun,sat *",
		"0 15 10 * JAN,jul ? 2026-2030",
		"5/15 0 0 1,15 * ? *",
		"0 0 0 31 12 * 2099",
		"  0  0  2  *  *  *  *  ",
		"0-59/59 0 0 1-31/10 1-12/3 0-6/2 1970-2099/10",
	}
	for _, e := range valid {
		if err := ValidateCron(e); err != nil {
			t.Errorf("%q: %v", e, err)
		}
	}
	invalid := []struct{ expr, field, frag string }{
		{"", "", "expected 7 fields"},
		{"0 0 2 * *", "", `add seconds in front and a year at the end: "0 0 0 2 * * *"`},
		{"0 0 2 * * *", "", `add the year field: "0 0 2 * * * *"`},
		{"60 * * * * * *", "second", "60 is out of range 0-59"},
		{"* 60 * * * * *", "minute", "out of range"},
		{"* * 24 * * * *", "hour", "out of range 0-23"},
		{"* * * 0 * * *", "day-of-month", "0 is out of range 1-31"},
		{"* * * 32 * * *", "day-of-month", "out of range"},
		{"* * * * 13 * *", "month", "out of range 1-12"},
		{"* * * * FOO * *", "month", "allowed: 1-12 or JAN-DEC"},
		{"* * * * * 7 *", "day-of-week", "7 is out of range 0-6"},
		{"* * * * * * 1969", "year", "out of range 1970-2099"},
		{"? * * * * * *", "second", `"?" is only allowed`},
		{"* * * ?,1 * * *", "day-of-month", "cannot be combined"},
		{"* * * * * * 2030-2020", "year", "goes backwards"},
		{"*/0 * * * * * *", "second", "invalid step"},
		{"*/x * * * * * *", "second", "invalid step"},
		{"1,,2 * * * * * *", "second", "empty list item"},
		{"- * * * * * *", "second", "missing value"},
		{"* * * L * * *", "day-of-month", "invalid value"},
		{"* * * * * 5#3 *", "day-of-week", "invalid value"},
		{"-1 * * * * * *", "second", "missing value"},
		{"+1 * * * * * *", "second", "invalid value"},
	}
	for _, c := range invalid {
		err := ValidateCron(c.expr)
		var ce *CronError
		if !errors.As(err, &ce) {
			t.Errorf("%q: got %v", c.expr, err)
			continue
		}
		if ce.Field != c.field || !strings.Contains(err.Error(), c.frag) {
			t.Errorf("%q: field %q, message %q; want %q containing %q", c.expr, ce.Field, err, c.field, c.frag)
		}
	}
}

func TestNextCron(t *testing.T) {
	at := func(s string) time.Time {
		t.Helper()
		tm, err := chinatime.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	cases := []struct{ expr, after, want string }{
		{"* * * * * * *", "2026-11-27 10:00:00", "2026-11-27 10:00:01"},
		{"0 0 2 * * * *", "2026-11-27 10:00:00", "2026-11-28 02:00:00"},
		{"0 0 2 * * * *", "2026-11-27 01:59:59", "2026-11-27 02:00:00"},
		{"0 0 2 * * * *", "2026-11-27 02:00:00", "2026-11-28 02:00:00"},
		{"*/15 * * * * * *", "2026-11-27 10:00:14", "2026-11-27 10:00:15"},
		{"*/15 * * * * * *", "2026-11-27 10:00:45", "2026-11-27 10:01:00"},
		{"0 30 9 ? * MON-FRI *", "2026-11-27 10:00:00", "2026-11-30 09:30:00"}, // Friday -> Monday
		{"0 0 0 1 * * *", "2026-12-15 00:00:00", "2027-01-01 00:00:00"},
		{"0 0 0 29 2 * *", "2026-03-01 00:00:00", "2028-02-29 00:00:00"},
		{"0 0 0 31 * * *", "2026-04-01 00:00:00", "2026-05-31 00:00:00"},
		{"0 0 0 * * * 2030", "2026-01-01 00:00:00", "2030-01-01 00:00:00"},
		{"5/20 * * * * * *", "2026-11-27 10:00:06", "2026-11-27 10:00:25"},
		// Both day fields restricted: either matches.
		{"0 0 0 15 * SUN *", "2026-11-27 00:00:00", "2026-11-29 00:00:00"},
		{"0 0 0 28 * SUN *", "2026-11-27 00:00:00", "2026-11-28 00:00:00"},
	}
	for _, c := range cases {
		got, err := NextCron(c.expr, at(c.after))
		if err != nil {
			t.Errorf("%q after %s: %v", c.expr, c.after, err)
			continue
		}
		if want := at(c.want); !got.Equal(want) || got.Location() != chinatime.Zone() {
			t.Errorf("%q after %s: got %s, want %s", c.expr, c.after, got.Format(time.DateTime), c.want)
		}
	}
	// Sub-second input: strictly after, at whole seconds.
	got, _ := NextCron("* * * * * * *", at("2026-11-27 10:00:00").Add(300*time.Millisecond))
	if !got.Equal(at("2026-11-27 10:00:01")) {
		t.Errorf("sub-second: %v", got)
	}
	for _, expr := range []string{"0 0 0 30 2 ? *", "0 0 0 * * * 2020", "0 0 0 31 4 ? 2026-2099"} {
		if _, err := NextCron(expr, at("2026-01-01 00:00:00")); !errors.Is(err, ErrNoNextTime) {
			t.Errorf("%q: %v", expr, err)
		}
	}
	if _, err := NextCron("bad", time.Now()); err == nil {
		t.Error("bad expression accepted")
	}
	c, _ := ParseCron("0 0 2 * * * *")
	if c.String() != "0 0 2 * * * *" || !c.Matches(at("2026-01-05 02:00:00")) || c.Matches(at("2026-01-05 02:00:01")) {
		t.Error("Matches/String")
	}
	// A zone with daylight saving time still moves forward.
	ny, err := time.LoadLocation("America/New_York")
	if err == nil {
		start := time.Date(2026, 11, 1, 0, 30, 0, 0, ny) // clocks fall back at 02:00
		prev := start
		for range 5 {
			next, err := NextCron("0 0,30 * * * * *", prev)
			if err != nil || !next.After(prev) {
				t.Fatalf("DST: %v after %v: %v", next, prev, err)
			}
			prev = next
		}
	}
}
