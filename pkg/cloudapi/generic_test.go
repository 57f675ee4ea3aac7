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
