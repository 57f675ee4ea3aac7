package project

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Timer triggers use Tencent SCF's 7-field cron syntax:
//
//	second minute hour day-of-month month day-of-week year
//	0-59   0-59   0-23 1-31         1-12  0-6         1970-2099
//	                                JAN-DEC SUN-SAT (0 = Sunday)
//
// Each field is a comma-separated list of "*", "N", "N-M", each optionally
// followed by "/STEP" ("*/5", "10-40/10", "5/15" = from 5 to the maximum).
// "?" means "any" and is accepted in day-of-month and day-of-week. When both
// day fields are restricted a day matches if either matches (classic cron).
// L, W and # are not supported.

// CronError reports an invalid cron expression.
type CronError struct {
	Expr    string
	Field   string // "second", ..., "year"; "" for the whole expression
	Problem string
}

func (e *CronError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("invalid cron expression %q: %s", e.Expr, e.Problem)
	}
	return fmt.Sprintf("invalid cron expression %q: %s: %s", e.Expr, e.Field, e.Problem)
}

// ErrNoNextTime is returned by NextCron when no matching time exists after
// the given one (before the end of 2099).
var ErrNoNextTime = errors.New("cron expression never fires again")

type cronField struct {
	name     string
	min, max int
	names    []string // names for min, min+1, ...
	question bool     // "?" allowed
}

var cronFields = [7]cronField{
	{name: "second", min: 0, max: 59},
	{name: "minute", min: 0, max: 59},
	{name: "hour", min: 0, max: 23},
	{name: "day-of-month", min: 1, max: 31, question: true},
	{name: "month", min: 1, max: 12, names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
	{name: "day-of-week", min: 0, max: 6, names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}, question: true},
	{name: "year", min: 1970, max: 2099},
}

// bitset covers 0..191 (years are stored as year-1970).
type bitset [3]uint64

func (b *bitset) set(i int)      { b[i/64] |= 1 << (i % 64) }
func (b *bitset) has(i int) bool { return i >= 0 && i < 192 && b[i/64]&(1<<(i%64)) != 0 }
func (b *bitset) empty() bool    { return b[0]|b[1]|b[2] == 0 }

// Cron is a parsed 7-field cron expression.
type Cron struct {
	expr   string
	fields [7]bitset // year field offset by 1970
	// restricted day fields (not "*" or "?")
	domRestricted, dowRestricted bool
}

// ParseCron parses a 7-field cron expression (see the package
// documentation).
func ParseCron(expr string) (*Cron, error) {
	parts := strings.Fields(expr)
	if len(parts) != 7 {
		hint := ""
		switch len(parts) {
		case 5:
			hint = fmt.Sprintf("; for a 5-field cron add seconds in front and a year at the end: \"0 %s *\"", strings.Join(parts, " "))
		case 6:
			hint = fmt.Sprintf("; add the year field: \"%s *\"", strings.Join(parts, " "))
		}
		return nil, &CronError{Expr: expr, Problem: fmt.Sprintf(
			"expected 7 fields (second minute hour day-of-month month day-of-week year), got %d%s", len(parts), hint)}
	}
	c := &Cron{expr: expr}
	for i, p := range parts {
		set, restricted, err := parseCronField(p, cronFields[i])
		if err != nil {
			return nil, &CronError{Expr: expr, Field: cronFields[i].name, Problem: err.Error()}
		}
		c.fields[i] = set
		switch i {
		case 3:
			c.domRestricted = restricted
		case 5:
			c.dowRestricted = restricted
		}
	}
	return c, nil
}

// ValidateCron checks a 7-field cron expression; errors are *CronError.
func ValidateCron(expr string) error {
	_, err := ParseCron(expr)
	return err
}

// NextCron returns the first time strictly after `after` (at whole seconds,
// in after's location) that matches expr. The emulator uses it to fire timer
// triggers; pass times in the location the cloud evaluates (Asia/Shanghai for
// CloudBase) to get the same schedule.
func NextCron(expr string, after time.Time) (time.Time, error) {
	c, err := ParseCron(expr)
	if err != nil {
		return time.Time{}, err
	}
	return c.Next(after)
}

// String returns the expression as given.
func (c *Cron) String() string { return c.expr }

func parseCronField(s string, f cronField) (bitset, bool, error) {
	var set bitset
	off := 0
	if f.name == "year" {
		off = f.min
	}
	restricted := true
	for _, item := range strings.Split(s, ",") {
		if item == "" {
			return set, false, errors.New("empty list item")
		}
		if item == "?" {
			if !f.question {
				return set, false, errors.New(`"?" is only allowed in day-of-month and day-of-week`)
			}
			if s != "?" {
				return set, false, errors.New(`"?" cannot be combined with other values`)
			}
			for v := f.min; v <= f.max; v++ {
				set.set(v - off)
			}
			return set, false, nil
		}
		rangePart, stepPart, hasStep := strings.Cut(item, "/")
		lo, hi := f.min, f.max
		switch {
		case rangePart == "*":
			if !hasStep && len(s) == 1 {
				restricted = false
			}
		case strings.Contains(rangePart, "-"):
			a, b, _ := strings.Cut(rangePart, "-")
			var err error
			if lo, err = cronValue(a, f); err != nil {
				return set, false, err
			}
			if hi, err = cronValue(b, f); err != nil {
				return set, false, err
			}
			if lo > hi {
				return set, false, fmt.Errorf("range %s goes backwards", rangePart)
			}
		default:
			v, err := cronValue(rangePart, f)
			if err != nil {
				return set, false, err
			}
			lo = v
			if !hasStep {
				hi = v
			}
		}
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepPart)
			if err != nil || n < 1 || n > f.max-f.min+1 {
				return set, false, fmt.Errorf("invalid step %q (want 1-%d)", stepPart, f.max-f.min+1)
			}
			step = n
		}
		for v := lo; v <= hi; v += step {
			set.set(v - off)
		}
	}
	return set, restricted, nil
}

func cronValue(s string, f cronField) (int, error) {
	if s == "" {
		return 0, errors.New("missing value")
	}
	for i, n := range f.names {
		if strings.EqualFold(s, n) {
			return f.min + i, nil
		}
	}
	if len(s) > 5 {
		return 0, fmt.Errorf("invalid value %s", quoteShort(s))
	}
	v, err := strconv.Atoi(s)
	if err != nil || s[0] == '+' || s[0] == '-' {
		allowed := fmt.Sprintf("%d-%d", f.min, f.max)
		if len(f.names) > 0 {
			allowed += " or " + f.names[0] + "-" + f.names[len(f.names)-1]
		}
		return 0, fmt.Errorf("invalid value %s (allowed: %s)", quoteShort(s), allowed)
	}
	if v < f.min || v > f.max {
		return 0, fmt.Errorf("%d is out of range %d-%d", v, f.min, f.max)
	}
	return v, nil
}

// Matches reports whether t (in its own location) matches the expression.
func (c *Cron) Matches(t time.Time) bool {
	return c.fields[6].has(t.Year()-1970) && c.fields[4].has(int(t.Month())) && c.dayMatches(t) &&
		c.fields[2].has(t.Hour()) && c.fields[1].has(t.Minute()) && c.fields[0].has(t.Second())
}

func (c *Cron) dayMatches(t time.Time) bool {
	dom := c.fields[3].has(t.Day())
	dow := c.fields[5].has(int(t.Weekday()))
	switch {
	case c.domRestricted && c.dowRestricted:
		return dom || dow
	case c.domRestricted:
		return dom
	case c.dowRestricted:
		return dow
	}
	return true
}

// Next returns the first matching time strictly after `after`, at whole
// seconds, in after's location, or ErrNoNextTime.
func (c *Cron) Next(after time.Time) (time.Time, error) {
	loc := after.Location()
	t := after.Truncate(time.Second).Add(time.Second)
	if c.fields[6].empty() {
		return time.Time{}, ErrNoNextTime
	}
	// Each step moves t forward to the start of the next candidate unit;
	// the bound only guards against pathological time zone rules.
	for range 1 << 20 {
		y, mo, d := t.Date()
		h, mi, s := t.Clock()
		var next time.Time
		switch {
		case y > 2099:
			return time.Time{}, ErrNoNextTime
		case !c.fields[6].has(y - 1970):
			ny := c.nextYear(y)
			if ny < 0 {
				return time.Time{}, ErrNoNextTime
			}
			next = time.Date(ny, 1, 1, 0, 0, 0, 0, loc)
		case !c.fields[4].has(int(mo)):
			next = time.Date(y, mo+1, 1, 0, 0, 0, 0, loc)
		case !c.dayMatches(t):
			next = time.Date(y, mo, d+1, 0, 0, 0, 0, loc)
		case !c.fields[2].has(h):
			next = time.Date(y, mo, d, h+1, 0, 0, 0, loc)
		case !c.fields[1].has(mi):
			next = time.Date(y, mo, d, h, mi+1, 0, 0, loc)
		case !c.fields[0].has(s):
			next = t.Add(time.Second)
		default:
			return t, nil
		}
		if !next.After(t) { // a repeated wall-clock hour (DST fall back)
			next = t.Add(time.Second)
		}
		t = next
	}
	return time.Time{}, ErrNoNextTime
}

func (c *Cron) nextYear(y int) int {
	for ny := y + 1; ny <= 2099; ny++ {
		if c.fields[6].has(ny - 1970) {
			return ny
		}
	}
	return -1
}
