package sdkapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tcb-go/tcb/pkg/emulator/creds"
	"github.com/tcb-go/tcb/pkg/emulator/unimpl"
)

func TestSignerMatchesTheSDK(t *testing.T) {
	var body map[string]any
	json.Unmarshal([]byte(exampleBody), &body)
	r := exampleRequest(exampleBody, "")
	r.Header.Del("Authorization")
	r.Header.Del("X-Timestamp")
	r.Header.Del("X-Signature-Expires")
	Sign(r, body, "AKIDtest", "testkey", 1700000000)
	if got := r.Header.Get("Authorization"); got != exampleAuth {
		t.Fatalf("the test signer disagrees with the SDK:\n got %s\nwant %s", got, exampleAuth)
	}
}

type routerFixture struct {
	rt    *Router
	auth  *creds.Authority
	gaps  *unimpl.Registry
	now   time.Time
	calls []*Request
}

func newRouterFixture(t *testing.T, lenient bool) *routerFixture {
	f := &routerFixture{now: time.Unix(1_800_000_000, 0), gaps: &unimpl.Registry{}}
	clock := func() time.Time { return f.now }
	f.auth = creds.New(map[string]string{"AKIDdev": "devkey"}, clock)
	f.rt = New(Options{Credentials: f.auth, Now: clock, Unimplemented: f.gaps, Lenient: lenient,
		Envs: func(env string) error {
			if env == "env-a" || env == "env-b" {
				return nil
			}
			return Errorf(CodeInvalidEnv, "no env %s", env)
		}})
	f.rt.Register("database.ping", func(ctx context.Context, r *Request) (Reply, error) {
		f.calls = append(f.calls, r)
		return Data(map[string]any{"pong": r.Env}), nil
	})
	return f
}

// call sends body signed with id/key (and a session token) and returns the
// decoded reply.
func (f *routerFixture) call(t *testing.T, body map[string]any, id, key, token string, tamper func(*http.Request, []byte) []byte) map[string]any {
	t.Helper()
	if token != "" {
		body["sessionToken"] = token
	}
	r := httptest.NewRequest("POST", "http://127.0.0.1:9800/admin?env=x&seqId=1", nil)
	r.Host = "127.0.0.1:9800"
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("User-Agent", "tcb-node-sdk/3.18.3")
	raw := Sign(r, body, id, key, f.now.Unix()-1)
	if tamper != nil {
		raw = tamper(r, raw)
	}
	r.Body = ioNop(raw)
	r.ContentLength = int64(len(raw))
	w := httptest.NewRecorder()
	f.rt.ServeHTTP(w, r)
	if w.Code != 200 {
		t.Fatalf("HTTP %d", w.Code)
	}
	var out map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatalf("%v: %s", err, w.Body)
	}
	if out["requestId"] == "" || out["requestId"] == nil {
		t.Errorf("no requestId in %v", out)
	}
	return out
}

func ioNop(b []byte) *nopCloser { return &nopCloser{bytes.NewReader(b)} }

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

func code(out map[string]any) string { s, _ := out["code"].(string); return s }

func TestRouterAuthentication(t *testing.T) {
	f := newRouterFixture(t, false)
	ping := func(env string) map[string]any {
		return map[string]any{"action": "database.ping", "envName": env, "x": 1}
	}

	if out := f.call(t, ping("env-a"), "AKIDdev", "devkey", "", nil); code(out) != "" || out["data"].(map[string]any)["pong"] != "env-a" {
		t.Fatalf("permanent key: %v", out)
	}
	tmp := f.auth.Issue("env-a", creds.Caller{OpenID: "o1"}, 10*time.Minute)
	if out := f.call(t, ping("env-a"), tmp.SecretID, tmp.SecretKey, tmp.SessionToken, nil); code(out) != "" {
		t.Fatalf("temporary credentials: %v", out)
	}
	if p := f.calls[len(f.calls)-1].Principal; p == nil || !p.Temporary || p.Caller.OpenID != "o1" {
		t.Fatalf("the handler did not see the temporary principal: %+v", p)
	}

	rejects := []struct {
		name            string
		body            map[string]any
		id, key, token  string
		tamper          func(*http.Request, []byte) []byte
		wantCode, wantM string
	}{
		{"temporary credentials of another env", ping("env-b"), tmp.SecretID, tmp.SecretKey, tmp.SessionToken, nil, CodeInvalidEnv, "env-a"},
		{"temporary credentials without the token", ping("env-a"), tmp.SecretID, tmp.SecretKey, "", nil, CodeSignature, "TokenFailure"},
		{"wrong key", ping("env-a"), "AKIDdev", "nope", "", nil, CodeSignature, "does not match"},
		{"unknown key", ping("env-a"), "AKIDnobody", "nope", "", nil, CodeSignature, "SecretIdNotFound"},
		{"tampered body value", ping("env-a"), "AKIDdev", "devkey", "", func(r *http.Request, raw []byte) []byte {
			return bytes.Replace(raw, []byte(`"x":1`), []byte(`"x":2`), 1)
		}, CodeSignature, "does not match"},
		{"unsigned parameter", ping("env-a"), "AKIDdev", "devkey", "", func(r *http.Request, raw []byte) []byte {
			return bytes.Replace(raw, []byte(`"x":1`), []byte(`"x":1,"multi":true`), 1)
		}, CodeSignature, "not signed"},
		{"tampered query", ping("env-a"), "AKIDdev", "devkey", "", func(r *http.Request, raw []byte) []byte {
			r.URL.RawQuery = "env=y&seqId=1"
			return raw
		}, CodeSignature, "does not match"},
		{"unknown env", ping("env-z"), "AKIDdev", "devkey", "", nil, CodeInvalidEnv, "env-z"},
		{"no signature", ping("env-a"), "AKIDdev", "devkey", "", func(r *http.Request, raw []byte) []byte {
			r.Header.Del("Authorization")
			return raw
		}, CodeSignature, "not a TC3"},
	}
	for _, c := range rejects {
		out := f.call(t, c.body, c.id, c.key, c.token, c.tamper)
		if code(out) != c.wantCode || !strings.Contains(fmt.Sprint(out["message"]), c.wantM) {
			t.Errorf("%s: %v, want %s mentioning %q", c.name, out, c.wantCode, c.wantM)
		}
	}

	// Temporary credentials expire; the permanent keys do not.
	f.now = f.now.Add(11 * time.Minute)
	if out := f.call(t, ping("env-a"), tmp.SecretID, tmp.SecretKey, tmp.SessionToken, nil); code(out) != CodeSignature || !strings.Contains(fmt.Sprint(out["message"]), "expired") {
		t.Errorf("expired temporary credentials: %v", out)
	}
	if out := f.call(t, ping("env-a"), "AKIDdev", "devkey", "", nil); code(out) != "" {
		t.Errorf("permanent key after 11 minutes: %v", out)
	}

	// An action nobody serves is an error in the SDK's shape, counted.
	out := f.call(t, map[string]any{"action": "database.teleport", "envName": "env-a"}, "AKIDdev", "devkey", "", nil)
	if code(out) != CodeNotImplemented || !strings.Contains(fmt.Sprint(out["message"]), "database.teleport") {
		t.Errorf("unknown action: %v", out)
	}
	if g := f.gaps.List(); len(g) != 1 || g[0].Kind != unimpl.KindSDK || g[0].Name != "database.teleport" || g[0].UserAgent != "tcb-node-sdk/3.18.3" {
		t.Errorf("unimplemented: %+v", g)
	}
}

func TestRouterRejectsMalformedRequests(t *testing.T) {
	f := newRouterFixture(t, true)
	send := func(method, body string) map[string]any {
		r := httptest.NewRequest(method, "http://127.0.0.1:9800/admin", strings.NewReader(body))
		w := httptest.NewRecorder()
		f.rt.ServeHTTP(w, r)
		var out map[string]any
		json.Unmarshal(w.Body.Bytes(), &out)
		return out
	}
	for _, c := range []struct{ method, body, want string }{
		{"GET", "", CodeInvalidParam},
		{"POST", "not json", CodeInvalidParam},
		{"POST", `[1,2]`, CodeInvalidParam},
		{"POST", `{"action":"database.ping","envName":"env-a"} {}`, CodeInvalidParam},
		{"POST", `{"envName":"env-a"}`, CodeInvalidParam},
		{"POST", `{"action":"database.ping"}`, CodeInvalidEnv},
		{"POST", `{"action":7,"envName":"env-a"}`, CodeInvalidParam},
	} {
		if out := send(c.method, c.body); code(out) != c.want {
			t.Errorf("%s %q: %v, want %s", c.method, c.body, out, c.want)
		}
	}
	if out := send("POST", `{"action":"database.ping","envName":"env-a"}`); code(out) != "" {
		t.Errorf("lenient mode refused an unsigned call: %v", out)
	}
}

func TestSignedParamValues(t *testing.T) {
	raw := map[string]json.RawMessage{
		"s": json.RawMessage(`"  padded  "`), "n": json.RawMessage(`12.50`), "o": json.RawMessage(`{"b":1,"a":[true,null]}`),
		"e": json.RawMessage(`""`), "u": json.RawMessage(`"\u003c\u00e9\u003e"`),
	}
	v, err := signedParamValues(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"s": "padded", "n": "12.50", "o": `{"b":1,"a":[true,null]}`, "e": "", "u": "<é>"}
	for k, w := range want {
		if v[k] != w {
			t.Errorf("%s = %q, want %q", k, v[k], w)
		}
	}
	h1, _ := payloadHash(v, []string{"n", "o", "s", "u"})
	sum := sha256.Sum256([]byte("&n=12.50\r\n&o={\"b\":1,\"a\":[true,null]}\r\n&s=padded\r\n&u=<é>\r\n"))
	if h1 != hex.EncodeToString(sum[:]) {
		t.Errorf("payload hash %s", h1)
	}
	if _, err := signedParamValues(map[string]json.RawMessage{"A": json.RawMessage(`1`), "a": json.RawMessage(`2`)}); err == nil {
		t.Error("keys differing only in case were accepted")
	}
}
