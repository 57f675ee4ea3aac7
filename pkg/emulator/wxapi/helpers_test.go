package wxapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/pkg/chinatime"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/emulator"
	"github.com/tcb-go/tcb/pkg/wechat"
)

const (
	demoID     = config.EmulatorWxAppID
	demoSecret = config.EmulatorWxSecret
)

// newClock is a clock standing at 10:00 China time, so a few hours never
// cross midnight by accident.
func newClock() *emulatortest.Clock {
	return emulatortest.FrozenClock(time.Date(2025, 3, 10, 10, 0, 0, 0, chinatime.Zone()))
}

// harness is a running emulator with the wechat module.
type harness struct {
	t     testing.TB
	e     *emulatortest.Emulator
	m     *Module
	clock *emulatortest.Clock
	wx    *wechat.Client
	dir   string
	opts  Options
}

// start runs an emulator on dir ("" = ephemeral) with the module.
func start(t testing.TB, dir string, opts Options, clock *emulatortest.Clock) *harness {
	t.Helper()
	if clock == nil {
		clock = newClock()
	}
	m := New(opts)
	e := emulatortest.Start(t, emulatortest.Options{Options: emulator.Options{DataDir: dir}, Clock: clock}, m)
	return &harness{t: t, e: e, m: m, clock: clock, dir: dir, opts: opts, wx: e.WeChat}
}

func (h *harness) stop() {
	h.t.Helper()
	if err := h.e.Close(context.Background()); err != nil {
		h.t.Fatal(err)
	}
}

// answer is a decoded token endpoint answer.
type answer struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
	ErrCode     int    `json:"errcode"`
	ErrMsg      string `json:"errmsg"`
}

func (h *harness) do(method, path, query, body string) answer {
	h.t.Helper()
	u := h.e.Endpoint() + path
	if query != "" {
		u += "?" + query
	}
	var rdr io.Reader
	if body != "" {
		rdr = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rdr)
	if err != nil {
		h.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("%s %s: HTTP %d", method, path, resp.StatusCode)
	}
	var a answer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		h.t.Fatal(err)
	}
	return a
}

func legacyQuery(appid, secret string) string {
	return url.Values{"grant_type": {"client_credential"}, "appid": {appid}, "secret": {secret}}.Encode()
}

func stableBody(appid, secret string, force bool) string {
	b, _ := json.Marshal(wechat.StableTokenRequest{GrantType: "client_credential", AppID: appid, Secret: secret, ForceRefresh: force})
	return string(b)
}

// legacy fetches a cgi-bin/token token for the demo app (must succeed).
func (h *harness) legacy() answer {
	h.t.Helper()
	a := h.do(http.MethodGet, wechat.PathToken, legacyQuery(demoID, demoSecret), "")
	if a.ErrCode != 0 || a.AccessToken == "" {
		h.t.Fatalf("cgi-bin/token: %+v", a)
	}
	return a
}

// stable fetches a stable_token token for the demo app (must succeed).
func (h *harness) stable(force bool) answer {
	h.t.Helper()
	a := h.do(http.MethodPost, wechat.PathStableToken, "", stableBody(demoID, demoSecret, force))
	if a.ErrCode != 0 || a.AccessToken == "" {
		h.t.Fatalf("stable_token: %+v", a)
	}
	return a
}

// code is the module's check answer for tok.
func (h *harness) code(tok string) int {
	_, c := h.m.CheckToken(tok)
	return c
}

func (h *harness) wantCode(tok string, want int, what string) {
	h.t.Helper()
	if got := h.code(tok); got != want {
		h.t.Fatalf("%s: check = %d, want %d", what, got, want)
	}
}

// state reads /_emulator/state's wechat part.
func (h *harness) state() State {
	h.t.Helper()
	resp, err := http.Get(h.e.Endpoint() + "/_emulator/state")
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var all struct {
		Wechat State `json:"wechat"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&all); err != nil {
		h.t.Fatal(err)
	}
	return all.Wechat
}

func decodeJSON(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }
