package functions

import "testing"

func TestCLSQuery(t *testing.T) {
	fields := map[string]string{"function_name": "hello", "request_id": "abc123", "level": "ERROR", "src": "app"}
	text := "START hello\ntimeout while calling db"
	for _, tc := range []struct {
		q     string
		match bool
	}{
		{"", true}, {"*", true}, {"  * ", true},
		{`function_name:"hello"`, true}, {`function_name:hello`, true}, {`function_name:"other"`, false},
		{`function_name:hel*`, true}, {`request_id:*`, true}, {`nofield:x`, false},
		{`function_name:"hello" AND level:ERROR`, true}, {`function_name:"hello" level:INFO`, false},
		{`level:INFO OR level:ERROR`, true}, {`NOT level:ERROR`, false}, {`NOT (level:INFO OR src:system)`, true},
		{`"timeout"`, true}, {`Timeout`, true}, {`"not there"`, false},
		{`(src:app OR src:system) AND "START"`, true},
	} {
		e, err := parseCLSQuery(tc.q)
		if err != nil {
			t.Errorf("%q: %v", tc.q, err)
			continue
		}
		if got := e == nil || e.match(fields, text); got != tc.match {
			t.Errorf("%q matched %v, want %v", tc.q, got, tc.match)
		}
	}
	for _, q := range []string{`* | select count(*)`, `"open`, `(a`, `a)`, `AND x`, `f:`, `a OR`, `NOT`, `x:(y)`} {
		if _, err := parseCLSQuery(q); err == nil {
			t.Errorf("%q parsed", q)
		}
	}
}

func FuzzCLSQuery(f *testing.F) {
	for _, s := range []string{"*", `function_name:"x" AND NOT (a:b OR "c")`, `((((a))))`, `a:b*`, `"\"q\""`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		e, err := parseCLSQuery(q)
		if err != nil || e == nil {
			return
		}
		e.match(map[string]string{"a": "b"}, "text")
	})
}
