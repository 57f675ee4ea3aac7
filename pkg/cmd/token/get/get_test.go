package get

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/pkg/cmd/token/shared"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/emulator/wxapi"
	"github.com/tcb-go/tcb/pkg/iostreams"
	"github.com/tcb-go/tcb/pkg/prompt"
)

// env is an emulator with the wechat module plus a factory pointed at it.
type env struct {
	m        *wxapi.Module
	f        *cmdutil.Factory
	vars     map[string]string
	out, err *bytes.Buffer
}

func setup(t *testing.T) *env {
	t.Helper()
	m := wxapi.New(wxapi.Options{Apps: map[string]string{"wx1111111111111111": "other-secret"}})
	e := emulatortest.Start(t, emulatortest.Options{}, m)
	ios, _, out, errOut := iostreams.Test()
	f := cmdutil.New("test", ios)
	dir := t.TempDir()
	vars := map[string]string{"TCB_CONFIG_DIR": dir, "TCB_EMULATOR_HOST": e.Addr()}
	f.Getenv = func(k string) string { return vars[k] }
	f.Prompter = prompt.NoTTY{}
	return &env{m: m, f: f, vars: vars, out: out, err: errOut}
}

func (e *env) fetches(t *testing.T) wxapi.Fetches {
	t.Helper()
	return e.m.State().(wxapi.State).Apps[config.EmulatorWxAppID].Fetches
}

func (e *env) run(t *testing.T, opts Options) (string, error) {
	t.Helper()
	e.out.Reset()
	e.err.Reset()
	opts.F = e.f
	err := Run(context.Background(), &opts)
	return e.out.String(), err
}

func TestGetFetchesOnceThenReadsTheStore(t *testing.T) {
	e := setup(t)
	out, err := e.run(t, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSpace(out)
	if out != tok+"\n" || !strings.HasPrefix(tok, "89_") {
		t.Fatalf("output %q: want only the token and a newline", out)
	}
	if _, code := e.m.CheckToken(tok); code != 0 {
		t.Fatalf("token invalid: %d", code)
	}
	for range 3 {
		if out, err := e.run(t, Options{}); err != nil || strings.TrimSpace(out) != tok {
			t.Fatalf("again: %q %v", out, err)
		}
	}
	if f := e.fetches(t); f.StableToken != 1 || f.Token != 0 {
		t.Fatalf("fetches = %+v", f)
	}
	if e.err.Len() != 0 {
		t.Fatalf("stderr: %s", e.err)
	}

	e.f.Globals.JSON = true
	out, err = e.run(t, Options{})
	e.f.Globals.JSON = false
	var res Result
	if err != nil || json.Unmarshal([]byte(out), &res) != nil {
		t.Fatalf("--json: %q %v", out, err)
	}
	if res.AccessToken != tok || res.Origin != "store" || res.Source != "stable" || res.ExpiresIn < 7100 || res.AppID != config.EmulatorWxAppID {
		t.Fatalf("--json = %+v", res)
	}
}

func TestGetLegacyAndForce(t *testing.T) {
	e := setup(t)
	out, err := e.run(t, Options{Legacy: true})
	if err != nil {
		t.Fatal(err)
	}
	t1 := strings.TrimSpace(out)
	if f := e.fetches(t); f.Token != 1 || f.StableToken != 0 {
		t.Fatalf("legacy fetches = %+v", f)
	}
	// Forced refresh invalidates everybody's token: not without --yes off a
	// terminal, and nothing is sent.
	_, err = e.run(t, Options{ForceRefresh: true})
	if ce := (*cmdutil.Error)(nil); !errors.As(err, &ce) || ce.Code != cmdutil.ExitInput || !strings.Contains(err.Error(), "--yes") {
		t.Fatalf("force without --yes: %v", err)
	}
	if f := e.fetches(t); f.StableToken != 0 {
		t.Fatalf("an unconfirmed force reached upstream: %+v", f)
	}
	e.f.Globals.Yes = true
	// Forced refresh: a stable_token force call. The stored token was a
	// legacy one, which force_refresh does not touch.
	out, err = e.run(t, Options{ForceRefresh: true})
	if err != nil {
		t.Fatal(err)
	}
	t2 := strings.TrimSpace(out)
	if t2 == t1 {
		t.Fatal("force must return a new token")
	}
	if _, code := e.m.CheckToken(t1); code != 0 {
		t.Fatal("families are isolated: the legacy token must survive a stable force")
	}
	// A second force at once is refused without a call.
	_, err = e.run(t, Options{ForceRefresh: true})
	var ce *cmdutil.Error
	if !errors.As(err, &ce) || ce.Code != cmdutil.ExitError || !strings.Contains(err.Error(), "30s apart") {
		t.Fatalf("second force: %v", err)
	}
	if f := e.fetches(t); f.StableToken != 1 {
		t.Fatalf("refused force reached upstream: %+v", f)
	}
}

func TestGetPromptsForTheSecretOnlyWhenFetching(t *testing.T) {
	e := setup(t)
	e.f.IOStreams.SetStdinTTY(true)
	e.f.IOStreams.SetStdoutTTY(true)
	fake := (&prompt.Fake{}).Answer("AppSecret of wx1111111111111111", "other-secret")
	e.f.Prompter = fake
	out, err := e.run(t, Options{Source: shared.Source{AppID: "wx1111111111111111"}})
	if err != nil || !strings.HasPrefix(out, "89_") {
		t.Fatalf("%q %v", out, err)
	}
	if err := fake.Verify(); err != nil {
		t.Fatal(err)
	}
	// Stored now: no prompt (the fake would fail an unexpected question).
	if out2, err := e.run(t, Options{Source: shared.Source{AppID: "wx1111111111111111"}}); err != nil || out2 != out {
		t.Fatalf("second get: %q %v", out2, err)
	}
	if len(fake.Asked) != 1 {
		t.Fatalf("asked %v", fake.Asked)
	}
}

func TestGetThroughServerRejectsLocalFlags(t *testing.T) {
	e := setup(t)
	e.vars["TCB_TOKEN_SERVER"] = "http://127.0.0.1:1"
	for _, o := range []Options{{ForceRefresh: true}, {Legacy: true}} {
		_, err := e.run(t, o)
		var ce *cmdutil.Error
		if !errors.As(err, &ce) || ce.Code != cmdutil.ExitInput {
			t.Fatalf("%+v: %v", o, err)
		}
	}
	// Unreachable server: a network error, exit 5.
	_, err := e.run(t, Options{})
	var ce *cmdutil.Error
	if !errors.As(err, &ce) || ce.Code != cmdutil.ExitAPI {
		t.Fatalf("unreachable server: %v", err)
	}
}
