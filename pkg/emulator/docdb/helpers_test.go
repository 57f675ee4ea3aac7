package docdb

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/dbquery"
	"github.com/tcb-go/tcb/pkg/emulator"
	"github.com/tcb-go/tcb/pkg/emulator/wxapi"
	"github.com/tcb-go/tcb/pkg/emulator/wxhttp"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// tokOK is the one token testTokens accepts (benchmarks: no token module).
const tokOK = "tok-ok"

var testTokens = wxhttp.TokenCheckerFunc(func(tok string) (string, int) {
	if tok == tokOK {
		return "wx0123456789abcdef", 0
	}
	return "", 40014
})

// harness is a running emulator (internal/emulatortest) with the WeChat
// token module (whose CheckToken is the TokenChecker unless the test gives
// another) and the database module. Its clock can be moved forward
// (expiring tokens).
type harness struct {
	*emulatortest.Emulator
	m   *Module
	wxm *wxapi.Module
	// tok is a valid stable access_token of the demo app.
	tok string

	planMu sync.Mutex
	plans  []planInfo
}

// overlap is how long a superseded legacy token keeps working here.
const overlap = 50 * time.Millisecond

func start(t testing.TB, dataDir string, opts Options) *harness {
	t.Helper()
	return startClock(t, dataDir, opts, nil)
}

// restart runs a new emulator on h's data dir and clock (h stopped).
func (h *harness) restart(opts Options) *harness {
	h.T.Helper()
	return startClock(h.T, h.DataDir(), opts, h.Clock)
}

func startClock(t testing.TB, dataDir string, opts Options, clock *emulatortest.Clock) *harness {
	t.Helper()
	h := &harness{}
	h.wxm = wxapi.New(wxapi.Options{Overlap: overlap})
	if opts.Tokens == nil {
		opts.Tokens = h.wxm
	}
	m := New(opts)
	h.m = m
	m.planHook = func(_, _ string, p planInfo) {
		h.planMu.Lock()
		h.plans = append(h.plans, p)
		h.planMu.Unlock()
	}
	h.Emulator = emulatortest.Start(t, emulatortest.Options{Options: emulator.Options{DataDir: dataDir}, Clock: clock}, h.wxm, m)
	h.tok = h.stableToken()
	return h
}

// stableToken fetches the demo app's current stable token.
func (h *harness) stableToken() string {
	h.T.Helper()
	tok, err := h.WeChat.StableToken(h.Ctx, config.EmulatorWxAppID, config.EmulatorWxSecret, false)
	if err != nil {
		h.T.Fatal(err)
	}
	return tok.AccessToken
}

// legacyToken mints a cgi-bin/token token.
func (h *harness) legacyToken() string {
	h.T.Helper()
	tok, err := h.WeChat.LegacyToken(h.Ctx, config.EmulatorWxAppID, config.EmulatorWxSecret)
	if err != nil {
		h.T.Fatal(err)
	}
	return tok.AccessToken
}

// staleToken returns a superseded token (40001): a legacy token whose
// successor's overlap has passed on the clock.
func (h *harness) staleToken() string {
	h.T.Helper()
	old := h.legacyToken()
	h.legacyToken()
	h.Clock.Advance(overlap)
	return old
}

// expiredToken returns a token past its expiry (42001) by moving the
// emulator's clock beyond the token lifetime, then fetches a fresh h.tok.
// Tencent Cloud API calls fail after this (their signatures are checked
// against the clock): create envs first.
func (h *harness) expiredToken() string {
	h.T.Helper()
	old := h.legacyToken()
	h.Clock.Advance(wxapi.DefaultTTL + time.Minute)
	h.tok = h.stableToken()
	return old
}

// lastPlan returns the most recent candidate selection.
func (h *harness) lastPlan() planInfo {
	h.planMu.Lock()
	defer h.planMu.Unlock()
	if len(h.plans) == 0 {
		h.T.Fatal("no plan recorded")
	}
	return h.plans[len(h.plans)-1]
}

// newEnv creates a NORMAL environment.
func (h *harness) newEnv() (env, dbid string) {
	h.T.Helper()
	env = h.NewEnv("db")
	info, err := h.Client.DescribeEnv(h.Ctx, env)
	if err != nil {
		h.T.Fatal(err)
	}
	return env, info.Databases[0].InstanceId
}

// post sends a raw /tcb/* request and decodes the answer into a map.
func (h *harness) post(path, token string, body any) map[string]any {
	h.T.Helper()
	var raw []byte
	switch b := body.(type) {
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		raw, _ = json.Marshal(body)
	}
	u := h.Endpoint() + path
	if token != "" {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		u += sep + "access_token=" + token
	}
	resp, err := http.Post(u, "application/json", bytes.NewReader(raw))
	if err != nil {
		h.T.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		h.T.Fatalf("%s: HTTP %d: %s", path, resp.StatusCode, data)
	}
	var out map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		h.T.Fatalf("%s: %v: %s", path, err, data)
	}
	return out
}

// stmt posts {env, query} to path with the good token.
func (h *harness) stmt(path, env, query string) map[string]any {
	h.T.Helper()
	return h.post(path, h.tok, map[string]string{"env": env, "query": query})
}

// ok fails unless the answer has errcode 0.
func (h *harness) ok(out map[string]any) map[string]any {
	h.T.Helper()
	if code := errcode(out); code != 0 {
		h.T.Fatalf("errcode %d: %v", code, out["errmsg"])
	}
	return out
}

func errcode(out map[string]any) int {
	n, _ := out["errcode"].(json.Number).Int64()
	return int(n)
}

// wantCode fails unless the answer has the errcode and its errmsg contains
// every fragment (and a rid).
func (h *harness) wantCode(out map[string]any, code int, fragments ...string) {
	h.T.Helper()
	if got := errcode(out); got != code {
		h.T.Fatalf("errcode %d (%v), want %d", got, out["errmsg"], code)
	}
	msg, _ := out["errmsg"].(string)
	if !strings.Contains(msg, " rid: ") {
		h.T.Errorf("errmsg %q has no rid", msg)
	}
	for _, f := range fragments {
		if !strings.Contains(msg, f) {
			h.T.Errorf("errmsg %q does not contain %q", msg, f)
		}
	}
}

func num(v any) int64 {
	n, _ := v.(json.Number).Int64()
	return n
}

// dataDocs decodes data[] strings.
func dataDocs(t testing.TB, out map[string]any) []*dbquery.Document {
	t.Helper()
	arr, _ := out["data"].([]any)
	docs := make([]*dbquery.Document, len(arr))
	for i, s := range arr {
		d, err := dbquery.DecodeDocument([]byte(s.(string)))
		if err != nil {
			t.Fatalf("data[%d]: %v", i, err)
		}
		docs[i] = d
	}
	return docs
}

// ids returns the _id of each document as strings.
func ids(docs []*dbquery.Document) []string {
	out := make([]string, len(docs))
	for i, d := range docs {
		id, _ := d.Get("_id")
		out[i] = idString(id)
	}
	return out
}

// createColl creates a collection through the WeChat API.
func (h *harness) createColl(env, name string) {
	h.T.Helper()
	h.ok(h.post(wechat.PathDatabaseCollectionAdd, h.tok, map[string]string{"env": env, "collection_name": name}))
}

// apiError returns the Tencent Cloud API error code of err ("" for nil).
func apiCode(t testing.TB, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var ae *cloudapi.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("not an API error: %v", err)
	}
	return ae.Code
}

// fixedTokens is a wechat.TokenSource handing out one token, refreshed to
// another.
type fixedTokens struct {
	token, refreshed string
	refreshes        atomic.Int64
}

func (f *fixedTokens) Token(context.Context) (string, error) { return f.token, nil }

func (f *fixedTokens) Refresh(_ context.Context, stale string) (string, error) {
	f.refreshes.Add(1)
	if stale == f.token && f.refreshed != "" {
		f.token = f.refreshed
	}
	return f.token, nil
}
