package refresh

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/pkg/cmd/token/get"
	"github.com/tcb-go/tcb/pkg/cmd/token/status"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/emulator/wxapi"
	"github.com/tcb-go/tcb/pkg/iostreams"
	"github.com/tcb-go/tcb/pkg/prompt"
)

const app = "wx1111111111111111"

// A stale report about a replaced token needs neither WeChat nor the
// secret; reporting the current one needs both; status shows the result
// without the token.
func TestRefreshStaleAndStatus(t *testing.T) {
	m := wxapi.New(wxapi.Options{Apps: map[string]string{app: "app-secret-1"}})
	e := emulatortest.Start(t, emulatortest.Options{}, m)
	ios, _, out, _ := iostreams.Test()
	f := cmdutil.New("test", ios)
	vars := map[string]string{"TCB_CONFIG_DIR": t.TempDir(), "TCB_EMULATOR_HOST": e.Addr(),
		"TCB_WX_APPID": app, "TCB_WX_SECRET": "app-secret-1"}
	f.Getenv = func(k string) string { return vars[k] }
	f.Prompter = prompt.NoTTY{}
	ctx := context.Background()

	st := func() status.Status {
		out.Reset()
		f.Globals.JSON = true
		defer func() { f.Globals.JSON = false }()
		if err := status.Run(ctx, &status.Options{F: f}); err != nil {
			t.Fatal(err)
		}
		var s status.Status
		if err := json.Unmarshal(out.Bytes(), &s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	if s := st(); s.State != status.StateNone || s.AppID != app || s.Origin != "store" {
		t.Fatalf("status before any token: %+v", s)
	}
	out.Reset()
	if err := get.Run(ctx, &get.Options{F: f}); err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSpace(out.String())
	if s := st(); s.State != status.StateValid || s.Source != "stable" || s.ExpiresIn < 7100 || s.ForceRefresh == nil {
		t.Fatalf("status after get: %+v", s)
	}
	if strings.Contains(out.String(), tok) {
		t.Fatal("status printed the token")
	}

	// No secret now: a report about an old token still works.
	delete(vars, "TCB_WX_SECRET")
	out.Reset()
	if err := Run(ctx, &Options{F: f, Stale: "89_old"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "no longer current") || strings.Contains(out.String(), tok) {
		t.Fatalf("output: %s", out)
	}
	// Reporting the current token needs the secret: exit 2 without one.
	err := Run(ctx, &Options{F: f, Stale: tok})
	if ce, ok := err.(*cmdutil.Error); !ok || ce.Code != cmdutil.ExitAuth {
		t.Fatalf("current token without a secret: %v", err)
	}
	if n := m.State().(wxapi.State).Apps[app].Fetches.StableToken; n != 1 {
		t.Fatalf("fetches = %d, want 1", n)
	}
}
