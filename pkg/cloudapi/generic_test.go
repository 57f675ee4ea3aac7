package cloudapi

import (
	"encoding/json"
	"testing"
)

func TestParseParams(t *testing.T) {
	for _, tc := range []struct {
		in   string
		keys int
		bad  bool
	}{
		{"", 0, false},
		{"  {}\n", 0, false},
		{`{"EnvId":"a","Limit":10}`, 2, false},
		{`[1]`, 0, true},
		{`"x"`, 0, true},
		{`null`, 0, true},
		{`{"a":1} {"b":2}`, 0, true},
		{`{"a":`, 0, true},
	} {
		m, err := ParseParams([]byte(tc.in))
		if (err != nil) != tc.bad || (!tc.bad && len(m) != tc.keys) {
			t.Errorf("ParseParams(%q) = %v, %v", tc.in, m, err)
		}
	}
}

func TestValidateCall(t *testing.T) {
	if err := ValidateCall("tcb", "DescribeEnvs", "2018-06-08"); err != nil {
		t.Fatal(err)
	}
	for _, c := range [][3]string{{"TCB", "DescribeEnvs", "2018-06-08"}, {"tcb", "describeEnvs", "2018-06-08"},
		{"tcb", "DescribeEnvs", "v1"}, {"tcb.x", "A1", "2018-06-08"}, {"tcb", "Describe Envs", "2018-06-08"}} {
		if ValidateCall(c[0], c[1], c[2]) == nil {
			t.Errorf("ValidateCall%v accepted", c)
		}
	}
}

func FuzzParseParams(f *testing.F) {
	for _, s := range []string{"", "{}", `{"a":[1,{"b":null}]}`, "[]", `{"a":1}x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseParams(b)
		if err != nil {
			return
		}
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("accepted %q but cannot re-encode: %v", b, err)
		}
		if out[0] != '{' {
			t.Fatalf("accepted %q as %s", b, out)
		}
	})
}

func TestNormalizeAuthDomain(t *testing.T) {
	for in, want := range map[string]string{"Example.COM": "example.com", " a.b.c ": "a.b.c", "localhost:8080": "localhost:8080",
		"*.example.com": "*.example.com", "127.0.0.1": "127.0.0.1", "[::1]:3000": "[::1]:3000"} {
		if got, err := NormalizeAuthDomain(in); err != nil || got != want {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
	for _, in := range []string{"", "http://a.com", "a.com/x", "a b.com", "-a.com", "a-.com", "a..com", "a.com:0", "a.com:65536",
		"a.com:080", "ex_ample.com", "a.*.com"} {
		if got, err := NormalizeAuthDomain(in); err == nil {
			t.Errorf("%q accepted as %q", in, got)
		}
	}
}

func FuzzNormalizeAuthDomain(f *testing.F) {
	for _, s := range []string{"example.com", "localhost:8080", "*.a.b", "[::1]:1", "a..b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := NormalizeAuthDomain(s)
		if err != nil {
			return
		}
		if d2, err := NormalizeAuthDomain(d); err != nil || d2 != d {
			t.Fatalf("%q -> %q -> %q, %v", s, d, d2, err)
		}
	})
}
