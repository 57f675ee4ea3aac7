package token

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/pkg/wechat"
)

type serverEnv struct {
	srv    *Server
	m      *Manager
	fake   *upstream
	clock  *emulatortest.Clock
	url    string
	logs   *syncBuffer
	cancel context.CancelFunc
}

type serverEnvOpts struct {
	wx      upstreamOptions
	manager ManagerOptions
	server  ServerOptions
	noStart bool
	clock   *emulatortest.Clock // default: a clock following real time
}

func newServerEnv(t *testing.T, o serverEnvOpts) *serverEnv {
	t.Helper()
	e := &serverEnv{logs: &syncBuffer{}, clock: o.clock}
	if e.clock == nil {
		e.clock = emulatortest.NewClock()
	}
	log := debugLogger(e.logs)
	if o.wx.Clock == nil {
		o.wx.Clock = e.clock
	}
	e.fake = newUpstream(t, o.wx)
	f := newFetcher(e.fake.URL, ModeStable)
	f.Client.Logger = log
	mo := o.manager
	if mo.Store == nil {
		mo.Store = newFileStore(t)
	}
	if mo.Clock == nil {
		mo.Clock = e.clock
	}
	mo.Fetcher, mo.Logger = f, log
	e.m = mustManager(t, mo)
	so := o.server
	so.Manager, so.Logger = e.m, log
	if so.Apps == nil {
		so.Apps = []string{testApp}
	}
	if so.Keys == nil {
		so.Keys = []string{"another-key-0000000000000", testKey}
	}
	srv, err := NewServer(so)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	e.url = hs.URL
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	t.Cleanup(func() { cancel(); srv.Wait() })
	if !o.noStart {
		srv.Start(ctx)
	}
	return e
}

func (e *serverEnv) do(t *testing.T, method, path, auth, body string) (int, []byte) {
	t.Helper()
	var rdr io.Reader
	if body != "" {
		rdr = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, e.url+path, rdr)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// assertNoSecrets scans captured logs for the app secret, the bearer keys
// and every token handed out.
func (e *serverEnv) assertNoSecrets(t *testing.T, tokens ...string) {
	t.Helper()
	logs := e.logs.String()
	if logs == "" {
		t.Fatal("no logs captured")
	}
	for _, s := range append([]string{testSecret, testKey, "another-key-0000000000000"}, tokens...) {
		if s != "" && strings.Contains(logs, s) {
			t.Errorf("logs contain a secret/token/key (%s)", Mask(s))
		}
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	emulatortest.Eventually(t, cond, "%s", what)
}

func TestServerAuthAndErrors(t *testing.T) {
	e := newServerEnv(t, serverEnvOpts{})
	bearer := "Bearer " + testKey
	huge := `{"appid":"` + testApp + `","stale_token":"` + strings.Repeat("x", 70<<10) + `"}`
	tests := []struct {
		name, method, path, auth, body string
		status                         int
		code                           string
	}{
		{"no key", "GET", "/v1/token?appid=" + testApp, "", "", 401, "unauthorized"},
		{"wrong key", "GET", "/v1/token?appid=" + testApp, "Bearer wrong-key-0000000000000000", "", 401, "unauthorized"},
		{"basic auth", "GET", "/v1/token?appid=" + testApp, "Basic " + testKey, "", 401, "unauthorized"},
		{"key in query only", "GET", "/v1/token?appid=" + testApp + "&key=" + testKey, "", "", 401, "unauthorized"},
		{"key in query with a valid header", "GET", "/v1/token?appid=" + testApp + "&access_key=" + testKey, bearer, "", 401, "unauthorized"},
		{"ok", "GET", "/v1/token?appid=" + testApp, bearer, "", 200, ""},
		{"ok, second key, lower-case scheme", "GET", "/v1/token?appid=" + testApp, "bearer another-key-0000000000000", "", 200, ""},
		{"unknown appid", "GET", "/v1/token?appid=wxnope", bearer, "", 404, "unknown_app"},
		{"missing appid", "GET", "/v1/token", bearer, "", 400, "bad_request"},
		{"wrong method", "POST", "/v1/token?appid=" + testApp, bearer, "{}", 405, "method_not_allowed"},
		{"refresh wrong method", "GET", "/v1/token/refresh", bearer, "", 405, "method_not_allowed"},
		{"refresh malformed JSON", "POST", "/v1/token/refresh", bearer, `{"appid":`, 400, "bad_request"},
		{"refresh not an object", "POST", "/v1/token/refresh", bearer, `[1,2]`, 400, "bad_request"},
		{"refresh missing stale", "POST", "/v1/token/refresh", bearer, `{"appid":"` + testApp + `"}`, 400, "bad_request"},
		{"refresh unknown appid", "POST", "/v1/token/refresh", bearer, `{"appid":"wxnope","stale_token":"x"}`, 404, "unknown_app"},
		{"refresh huge body", "POST", "/v1/token/refresh", bearer, huge, 413, "body_too_large"},
		{"refresh unauthenticated", "POST", "/v1/token/refresh", "", `{}`, 401, "unauthorized"},
		{"unknown v1 path", "GET", "/v1/nope", bearer, "", 404, "not_found"},
		{"unknown path", "GET", "/nope", "", "", 404, "not_found"},
		{"healthz open", "GET", "/healthz", "", "", 200, ""},
		{"healthz wrong method", "DELETE", "/healthz", "", "", 405, "method_not_allowed"},
	}
	var served []string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := e.do(t, tt.method, tt.path, tt.auth, tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			if tt.code != "" {
				var eb ErrorBody
				if err := json.Unmarshal(body, &eb); err != nil || eb.Error != tt.code || eb.Message == "" {
					t.Errorf("error body %s", body)
				}
				if strings.Contains(string(body), testKey) {
					t.Errorf("body echoes the key")
				}
			}
			if status == 200 && strings.HasPrefix(tt.path, "/v1/token?") {
				var tb TokenBody
				if err := json.Unmarshal(body, &tb); err != nil || !e.fake.Valid(tb.AccessToken) || tb.ExpiresIn < 7000 || tb.Source != SourceStable {
					t.Errorf("token body %s (%v)", body, err)
				}
				served = append(served, tb.AccessToken)
			}
		})
	}
	e.assertNoSecrets(t, served...)
}

func TestServerRefreshEndpoint(t *testing.T) {
	e := newServerEnv(t, serverEnvOpts{manager: ManagerOptions{RefreshMinInterval: time.Millisecond}, wx: upstreamOptions{Database: true}})
	c := &ServerClient{BaseURL: e.url, Key: testKey}
	ctx := ctxT(t)
	cur, err := c.Token(ctx, testApp)
	if err != nil {
		t.Fatal(err)
	}
	env := e.fake.NewEnv("tok")
	// Somebody leaked-and-forced the stable token behind our back: the
	// server's token is now invalid upstream.
	wc := &wechat.Client{BaseURL: e.fake.URL}
	forced, err := wc.StableToken(ctx, testApp, testSecret, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := wc.CollectionAdd(ctx, forced.AccessToken, wechat.CollectionRequest{Env: env, CollectionName: "c"}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * time.Millisecond) // past RefreshMinInterval
	// A business call fails with the stale token, reports it, and retries once.
	calls := 0
	err = wechat.WithStaleTokenRetry(ctx, SourceFor(c, testApp), func(ctx context.Context, tok string) error {
		calls++
		_, err := wc.DatabaseCount(ctx, tok, wechat.QueryRequest{Env: env, Query: `db.collection("c").count()`})
		return err
	})
	if err != nil || calls != 2 {
		t.Fatalf("stale retry: %v after %d calls", err, calls)
	}
	now, err := c.Token(ctx, testApp)
	if err != nil || now.Token != forced.AccessToken || now.Token == cur.Token {
		t.Fatalf("server did not pick up the current token: %v", err)
	}
	// An old stale report returns the current token without a fetch.
	before := e.fake.Stats().Stable
	r, err := c.Refresh(ctx, testApp, cur.Token)
	if err != nil || r.Token != forced.AccessToken || e.fake.Stats().Stable != before {
		t.Errorf("old stale report: %v", err)
	}
	// Client-side errors carry the server's codes.
	bad := &ServerClient{BaseURL: e.url, Key: "wrong-key-0000000000000000"}
	var se *ServerError
	if _, err := bad.Token(ctx, testApp); !errors.As(err, &se) || se.StatusCode != 401 || strings.Contains(err.Error(), bad.Key) {
		t.Errorf("bad key: %v", err)
	}
	if _, err := c.Token(ctx, "wxnope"); !errors.As(err, &se) || se.Code != "unknown_app" {
		t.Errorf("unknown app: %v", err)
	}
	e.assertNoSecrets(t, cur.Token, forced.AccessToken)
}

func TestServerReadyz(t *testing.T) {
	// App 2 cannot get a token: its secret is wrong upstream.
	e := newServerEnv(t, serverEnvOpts{noStart: true, server: ServerOptions{Apps: []string{testApp, testApp2}},
		wx: upstreamOptions{App2Secret: "rotated-secret-value-0000"}})
	status, body := e.do(t, "GET", "/readyz", "", "")
	var rb ReadyBody
	if status != 503 || json.Unmarshal(body, &rb) != nil || rb.Ready || len(rb.Apps) != 2 || rb.Apps[0].Reason == "" {
		t.Fatalf("before start: %d %s", status, body)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e.srv.Start(ctx)
	waitFor(t, "app 1 token", func() bool {
		_, body := e.do(t, "GET", "/readyz", "", "")
		_ = json.Unmarshal(body, &rb)
		return rb.Apps[0].Ready && rb.Apps[1].LastErrCode != 0
	})
	status, body = e.do(t, "GET", "/readyz", "", "")
	if status != 503 || rb.Apps[1].LastErrCode != 40125 || !strings.Contains(rb.Apps[1].LastError, "40125") {
		t.Fatalf("app 2 not reported: %d %s", status, body)
	}
	e.fake = e.fake.restart(t, "") // the secret upstream is the fetcher's again
	waitFor(t, "ready", func() bool {
		status, _ := e.do(t, "GET", "/readyz", "", "")
		return status == 200
	})
	e.assertNoSecrets(t)
}

var metricLine = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*")*\})? [-+]?([0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?|NaN|[-+]?Inf)$`)

func TestServerMetricsFormat(t *testing.T) {
	e := newServerEnv(t, serverEnvOpts{})
	waitFor(t, "first token", func() bool { return e.srv.apps[testApp].snap.Load() != nil })
	e.do(t, "GET", "/v1/token?appid="+testApp, "Bearer "+testKey, "")
	e.do(t, "GET", "/v1/token?appid="+testApp, "", "")
	status, body := e.do(t, "GET", "/metrics", "", "")
	if status != 200 {
		t.Fatal(status)
	}
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			if !strings.HasPrefix(line, "# HELP ") && !strings.HasPrefix(line, "# TYPE ") {
				t.Errorf("bad comment line %q", line)
			}
			continue
		}
		n++
		if !metricLine.MatchString(line) {
			t.Errorf("unparseable metric line %q", line)
		}
	}
	for _, want := range []string{
		`tcb_token_http_requests_total{route="/v1/token",code="200"} 1`,
		`tcb_token_http_requests_total{route="/v1/token",code="401"} 1`,
		`tcb_token_upstream_requests_total{appid="` + testApp + `",reason="proactive"} 1`,
		`tcb_token_refreshes_total{appid="` + testApp + `",reason="proactive"} 1`,
		`tcb_token_valid{appid="` + testApp + `"} 1`,
		`tcb_token_remaining_seconds{appid="` + testApp + `"} 7`,
		`tcb_token_age_seconds{appid="` + testApp + `"} `,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics miss %q", want)
		}
	}
	if n < 8 {
		t.Errorf("only %d samples", n)
	}
}

// TestServerRetriesUpstreamWhileServingValidToken: when the refresh comes
// due, upstream answers -1 three times in a row; clients keep getting the
// still-valid token, the refresher retries, and the error shows in metrics.
func TestServerRetriesUpstreamWhileServingValidToken(t *testing.T) {
	e := newServerEnv(t, serverEnvOpts{
		wx:      upstreamOptions{TTL: 3 * time.Second, Overlap: 1500 * time.Millisecond},
		manager: ManagerOptions{Margin: 1500 * time.Millisecond, FetchTimeout: 2 * time.Second},
		server:  ServerOptions{Poll: 50 * time.Millisecond, RetryMin: 100 * time.Millisecond, RetryMax: 200 * time.Millisecond},
	})
	waitFor(t, "first token", func() bool { return e.srv.apps[testApp].snap.Load() != nil })
	first := e.srv.apps[testApp].snap.Load().rec.Token
	e.fake.FailNext(3, -1)

	// Clients read until the rotated token shows up (the old one comes due
	// 1.5 s after it was fetched); every token served is valid upstream.
	served := map[string]bool{}
	waitFor(t, "the rotated token", func() bool {
		status, body := e.do(t, "GET", "/v1/token?appid="+testApp, "Bearer "+testKey, "")
		var tb TokenBody
		if status != 200 || json.Unmarshal(body, &tb) != nil {
			t.Fatalf("client error %d %s", status, body)
		}
		if !e.fake.Valid(tb.AccessToken) {
			t.Fatalf("served an invalid token")
		}
		served[tb.AccessToken] = true
		return len(served) > 1
	})
	if st := e.fake.Stats(); st.Errors != 3 {
		t.Errorf("faults served = %d, want 3", st.Errors)
	}
	if !served[first] || len(served) != 2 {
		t.Errorf("want the old then the rotated token, served %d distinct tokens", len(served))
	}
	_, body := e.do(t, "GET", "/metrics", "", "")
	if !strings.Contains(string(body), `tcb_token_upstream_errors_total{appid="`+testApp+`",errcode="-1"}`) {
		t.Errorf("metrics lack the -1 errors:\n%s", body)
	}
	var toks []string
	for tok := range served {
		toks = append(toks, tok)
	}
	if os.Getenv("TCB_DUMP_LOGS") != "" {
		t.Log(e.logs.String())
	}
	e.assertNoSecrets(t, toks...)
}

func TestServerServeGracefulShutdown(t *testing.T) {
	e := newServerEnv(t, serverEnvOpts{noStart: true})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.srv.Serve(ctx, ln) }()
	c := &ServerClient{BaseURL: "http://" + ln.Addr().String(), Key: testKey}
	if _, err := c.Token(ctxT(t), testApp); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
	if _, err := c.Token(context.Background(), testApp); err == nil {
		t.Error("server still answering after shutdown")
	}
}
