package fnrun

import (
	"encoding/binary"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// checkEncodeInvoke compares encodeInvoke's frame with the one
// encodeFrame(invokeMsg) makes: the same JSON value, and a length prefix
// that is the body's length.
func checkEncodeInvoke(t *testing.T, id string, event []byte, ctx invokeContext, vars map[string]*string) {
	t.Helper()
	got := encodeInvoke(id, event, &ctx, varsOf(vars))
	if vars == nil {
		vars = map[string]*string{}
	}
	want, err := encodeFrame(invokeMsg{Type: "invoke", ID: id, Event: event, Context: ctx, Vars: vars})
	if err != nil {
		t.Fatal(err)
	}
	if n := binary.BigEndian.Uint32(got); int(n) != len(got)-4 {
		t.Fatalf("length prefix %d, body %d bytes", n, len(got)-4)
	}
	var g, w any
	if err := json.Unmarshal(got[4:], &g); err != nil {
		t.Fatalf("frame %q is not JSON: %v", got[4:], err)
	}
	if err := json.Unmarshal(want[4:], &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("frame\n%s\nwant the value of\n%s", got[4:], want[4:])
	}
}

// varsOf is invocationVars' form of a map of variables (nil: unset).
func varsOf(m map[string]*string) []invVar {
	var out []invVar
	for k, v := range m {
		if v == nil {
			out = append(out, invVar{key: k, unset: true})
		} else {
			out = append(out, invVar{key: k, val: *v})
		}
	}
	slices.SortFunc(out, func(a, b invVar) int { return strings.Compare(a.key, b.key) })
	return out
}

func TestEncodeInvoke(t *testing.T) {
	v := "value;with=chars\u2028\u2029<&>\"\\\b\f\n\r\t\x01\x1f\x7f\xff\xe2\x80 é 中"
	ctx := invokeContext{RequestID: "id-1", RequestIDCamel: "id-1", FunctionName: "fn", FunctionVersion: "$LATEST",
		Namespace: "env-1", MemoryLimitInMB: 256, TimeLimitInMS: 3000, Environ: "A=1;B=" + v}
	for _, event := range []string{`{}`, ` { "a" : [1, 2.5e3, null, true, "x\u0000y"] } `, "\n[\"<script>\",\"\u2028\"]\n", `"s"`, `0`} {
		checkEncodeInvoke(t, "id-1", []byte(event), ctx, map[string]*string{"TCB_SEQID": &v, "WX_OPENID": nil})
	}
	checkEncodeInvoke(t, "id-2", []byte(`{}`), ctx, nil)
}

// FuzzEncodeInvoke checks encodeInvoke against encodeFrame for any valid
// event and any strings in the id, context and variables.
func FuzzEncodeInvoke(f *testing.F) {
	f.Add("id", `{"a":1}`, "K=V", "v")
	f.Add("\u2028<>&", " [ \"\\u00e9\" , {} ] ", "x\x00y", "")
	f.Fuzz(func(t *testing.T, id, event, environ, v string) {
		if !json.Valid([]byte(event)) {
			t.Skip()
		}
		ctx := invokeContext{RequestID: id, RequestIDCamel: id, FunctionName: v, Environ: environ}
		checkEncodeInvoke(t, id, []byte(event), ctx, map[string]*string{"A": &v, "B": nil, v: &environ, id: nil})
	})
}

func TestInvocationVars(t *testing.T) {
	got := invocationVars(&InvokeOptions{
		Env:         map[string]string{"Z": "z", "A": "", "B=C": "x", "": "y", "N\x00UL": "n", envSecretID: "from-env", envSessionToken: "tok"},
		Credentials: &Credentials{SecretID: "id", SecretKey: "key"},
	})
	want := []invVar{{key: "A", unset: true}, {key: envSecretID, val: "id"}, {key: envSecretKey, val: "key"},
		{key: envSessionToken, unset: true}, {key: "Z", val: "z"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("invocationVars = %+v, want %+v", got, want)
	}
	got = invocationVars(&InvokeOptions{Env: map[string]string{envSecretID: "from-env"}})
	if want := []invVar{{key: envSecretID, val: "from-env"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("without credentials: %+v", got)
	}
}
