package wechat_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/pkg/emulator"
	"github.com/tcb-go/tcb/pkg/emulator/docdb"
	"github.com/tcb-go/tcb/pkg/emulator/faults"
	"github.com/tcb-go/tcb/pkg/emulator/wxapi"
	"github.com/tcb-go/tcb/pkg/wechat"
)

const (
	appID  = "wx0123456789abcdef"
	secret = "S3cr3t-very-secret-value-0001"
)

func newClient(url string) *wechat.Client {
	return &wechat.Client{BaseURL: url, Retry: wechat.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}}
}

// wechatUpstream is WeChat for these tests: an in-process emulator with the
// WeChat token module (appID registered) and, with database, the database
// module.
type wechatUpstream struct {
	*emulatortest.Emulator
	wx *wxapi.Module
}

func newUpstream(t *testing.T, database bool) *wechatUpstream {
	t.Helper()
	wx := wxapi.New(wxapi.Options{Apps: map[string]string{appID: secret}})
	modules := []emulator.Module{wx}
	if database {
		modules = append(modules, docdb.New(docdb.Options{Tokens: wx}))
	}
	return &wechatUpstream{Emulator: emulatortest.Start(t, emulatortest.Options{}, modules...), wx: wx}
}

// failNext makes the next n token calls answer errcode code.
func (u *wechatUpstream) failNext(n, code int) {
	u.Faults(faults.Rule{Action: "*", Count: n, Errcode: code})
}

// calls counts the token calls answered, with a token or an errcode.
func (u *wechatUpstream) calls() int64 {
	st := u.wx.State().(wxapi.State)
	n := st.Apps[appID].Fetches.Token + st.Apps[appID].Fetches.StableToken
	for _, e := range st.Errors {
		n += e
	}
	return n
}

func (u *wechatUpstream) valid(tok string) bool { return u.wx.Check(tok).Valid }

func TestTokens(t *testing.T) {
	fake := newUpstream(t, false)
	c := newClient(fake.Endpoint())
	ctx := context.Background()

	s1, err := c.StableToken(ctx, appID, secret, false)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := c.StableToken(ctx, appID, secret, false)
	if err != nil {
		t.Fatal(err)
	}
	if s1.AccessToken != s2.AccessToken {
		t.Errorf("normal-mode stable_token should be idempotent")
	}
	if s1.ExpiresIn != 7200 || s1.ObtainedAt.IsZero() || !s1.ExpiresAt().After(time.Now()) {
		t.Errorf("unexpected token %+v", s1)
	}
	l1, err := c.LegacyToken(ctx, appID, secret)
	if err != nil {
		t.Fatal(err)
	}
	if !fake.valid(l1.AccessToken) || l1.AccessToken == s1.AccessToken {
		t.Errorf("legacy token not valid or not isolated")
	}
	f, err := c.StableToken(ctx, appID, secret, true)
	if err != nil {
		t.Fatal(err)
	}
	if f.AccessToken == s1.AccessToken || fake.valid(s1.AccessToken) {
		t.Errorf("force refresh should mint a new token and invalidate the old one")
	}
}

func TestTokenErrors(t *testing.T) {
	fake := newUpstream(t, false)
	c := newClient(fake.Endpoint())
	ctx := context.Background()
	tests := []struct {
		name     string
		legacy   bool
		appid    string
		secret   string
		wantCode int
		wantKind wechat.Kind
	}{
		{"stable bad appid", false, "wxnope", secret, 40013, wechat.KindConfig},
		{"stable bad secret", false, appID, "wrong-secret-value", 40125, wechat.KindConfig},
		{"legacy bad secret is 40001 = config on token path", true, appID, "wrong-secret-value", 40001, wechat.KindConfig},
		{"legacy bad appid", true, "wxnope", secret, 40013, wechat.KindConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.legacy {
				_, err = c.LegacyToken(ctx, tt.appid, tt.secret)
			} else {
				_, err = c.StableToken(ctx, tt.appid, tt.secret, false)
			}
			var ae *wechat.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("want *APIError, got %T %v", err, err)
			}
			if ae.Code != tt.wantCode || ae.Kind() != tt.wantKind {
				t.Errorf("code=%d kind=%v, want %d %v", ae.Code, ae.Kind(), tt.wantCode, tt.wantKind)
			}
			if ae.RID == "" || !strings.Contains(err.Error(), "rid: "+ae.RID) {
				t.Errorf("rid not parsed/shown: %q", err.Error())
			}
			if strings.Contains(err.Error(), tt.secret) || ae.Hint() == "" {
				t.Errorf("error leaks secret or lacks hint: %q", err.Error())
			}
			if wechat.IsStaleToken(err) {
				t.Errorf("token-endpoint errors are never stale-token errors")
			}
		})
	}
}

func TestTokenRetries(t *testing.T) {
	tests := []struct {
		name      string
		faults    int
		code      int
		force     bool
		legacy    bool
		wantErr   int // 0 = success
		wantCalls int
	}{
		{"two -1 then ok", 2, -1, false, false, 0, 3},
		{"three -1 exhausts attempts", 3, -1, false, false, -1, 3},
		{"legacy -1 retried", 1, -1, false, true, 0, 2},
		{"40001 not retried", 1, 40001, false, false, 40001, 1},
		{"45009 not retried", 1, 45009, false, false, 45009, 1},
		{"45011 not retried", 1, 45011, false, false, 45011, 1},
		{"40164 not retried", 1, 40164, false, false, 40164, 1},
		{"force never retried", 1, -1, true, false, -1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newUpstream(t, false)
			fake.failNext(tt.faults, tt.code)
			c := newClient(fake.Endpoint())
			var err error
			if tt.legacy {
				_, err = c.LegacyToken(context.Background(), appID, secret)
			} else {
				_, err = c.StableToken(context.Background(), appID, secret, tt.force)
			}
			code, _ := wechat.ErrCode(err)
			if (tt.wantErr == 0) != (err == nil) || code != tt.wantErr {
				t.Fatalf("err=%v, want errcode %d", err, tt.wantErr)
			}
			if got := fake.calls(); got != int64(tt.wantCalls) {
				t.Errorf("upstream calls = %d, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestRetryRespectsContext(t *testing.T) {
	fake := newUpstream(t, false)
	fake.failNext(10, -1)
	// A backoff that ignored the context would wait a minute.
	c := &wechat.Client{BaseURL: fake.Endpoint(), Retry: wechat.RetryPolicy{Attempts: 10, BaseDelay: time.Minute, MaxDelay: time.Minute}}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.StableToken(ctx, appID, secret, false)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want deadline exceeded, got %v", err)
	}
	if time.Since(start) > 30*time.Second {
		t.Errorf("backoff ignored the context")
	}
}

// TestTransportErrorsNeverLeakSecret covers net/http errors, whose *url.Error
// message contains the full URL with ?secret=.
func TestTransportErrorsNeverLeakSecret(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // so that a client hanging up cancels the context
		<-r.Context().Done()        // never answers: the client gives up first
	}))
	defer slow.Close()
	hangup := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	}))
	defer hangup.Close()
	notJSON := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("<html>" + r.URL.RawQuery + "</html>"))
	}))
	defer notJSON.Close()
	bad502 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, r.URL.RawQuery, http.StatusBadGateway)
	}))
	defer bad502.Close()
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closedURL := "http://" + l.Addr().String()
	l.Close()

	tests := []struct {
		name       string
		url        string
		timeout    time.Duration
		timeoutErr bool
	}{
		{"client timeout", slow.URL, 50 * time.Millisecond, true},
		{"connection reset", hangup.URL, 0, false},
		{"connection refused", closedURL, 0, false},
		{"not json", notJSON.URL, 0, false},
		{"502 echoing the query", bad502.URL, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(tt.url)
			if tt.timeout > 0 {
				c.HTTP = &http.Client{Timeout: tt.timeout}
			}
			c.Retry.Attempts = 2
			for _, legacy := range []bool{true, false} {
				var err error
				if legacy {
					_, err = c.LegacyToken(context.Background(), appID, secret)
				} else {
					_, err = c.StableToken(context.Background(), appID, secret, false)
				}
				if err == nil {
					t.Fatal("expected an error")
				}
				for e := err; e != nil; e = errors.Unwrap(e) {
					if strings.Contains(e.Error(), secret) {
						t.Fatalf("secret leaked in %T: %q", e, e.Error())
					}
				}
				if tt.timeoutErr {
					var te *wechat.TransportError
					if !errors.As(err, &te) || !te.Timeout() {
						t.Errorf("want a timeout TransportError, got %T %v", err, err)
					}
				}
			}
		})
	}
}
