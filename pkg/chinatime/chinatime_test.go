package chinatime

import (
	"testing"
	"time"
)

func TestParseIsUTCPlus8(t *testing.T) {
	got, err := Parse("2026-12-05 11:02:03")
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 12, 5, 3, 2, 3, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("Parse = %v, want %v", got.UTC(), want)
	}
	if _, off := got.Zone(); off != 8*3600 {
		t.Fatalf("offset %d", off)
	}
	if frac, err := Parse(" 2026-12-05 11:02:03.250 "); err != nil || frac.Nanosecond() != 250_000_000 {
		t.Fatalf("fractional: %v %v", frac, err)
	}
	for _, bad := range []string{"", "2026-12-05", "2026-12-05T11:02:03Z", "yesterday"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) succeeded", bad)
		}
	}
}

func TestFormatAndDay(t *testing.T) {
	// 16:30 UTC is 00:30 the next day in China.
	u := time.Date(2026, 12, 31, 16, 30, 0, 0, time.UTC)
	if got := Format(u); got != "2027-01-01 00:30:00" {
		t.Fatalf("Format = %q", got)
	}
	if got := Day(u); got != "2027-01-01" {
		t.Fatalf("Day = %q", got)
	}
	back, err := Parse(Format(u))
	if err != nil || !back.Equal(u) {
		t.Fatalf("round trip: %v %v", back, err)
	}
	if In(u).Location() != Zone() {
		t.Fatal("In does not use Zone")
	}
}
