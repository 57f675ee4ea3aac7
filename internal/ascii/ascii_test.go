package ascii

import (
	"regexp"
	"testing"
)

func TestClassesMatchRegexp(t *testing.T) {
	for _, tc := range []struct {
		name  string
		class func(byte) bool
		re    *regexp.Regexp
	}{
		{"Letter", Letter, regexp.MustCompile(`^[A-Za-z]$`)},
		{"Lower", Lower, regexp.MustCompile(`^[a-z]$`)},
		{"Digit", Digit, regexp.MustCompile(`^[0-9]$`)},
		{"Alnum", Alnum, regexp.MustCompile(`^[A-Za-z0-9]$`)},
		{"Word", Word, regexp.MustCompile(`^[A-Za-z0-9_]$`)},
	} {
		for c := 0; c < 256; c++ {
			if got, want := tc.class(byte(c)), tc.re.MatchString(string([]byte{byte(c)})); got != want {
				t.Errorf("%s(%q) = %v, want %v", tc.name, byte(c), got, want)
			}
		}
	}
}

func TestOnly(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"", true},
		{"abc", true},
		{"abC", false},
		{"ab\xe4", false},
	} {
		if got := Only(tc.s, Lower); got != tc.want {
			t.Errorf("Only(%q, Lower) = %v, want %v", tc.s, got, tc.want)
		}
	}
}
