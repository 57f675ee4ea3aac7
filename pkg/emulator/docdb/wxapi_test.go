package docdb

import (
	"context"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/database"
	"github.com/tcb-go/tcb/pkg/dbquery"
	"github.com/tcb-go/tcb/pkg/emulator/wxapi"
	"github.com/tcb-go/tcb/pkg/emulator/wxhttp"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// The WeChat token module plugs in as the TokenChecker as it is.
var _ wxhttp.TokenChecker = (*wxapi.Module)(nil)

// stableSource is a wechat.TokenSource over the emulator's stable_token.
type stableSource struct {
	c *wechat.Client
}

func (s stableSource) Token(ctx context.Context) (string, error) {
	t, err := s.c.StableToken(ctx, config.EmulatorWxAppID, config.EmulatorWxSecret, false)
	if err != nil {
		return "", err
	}
	return t.AccessToken, nil
}

func (s stableSource) Refresh(ctx context.Context, _ string) (string, error) { return s.Token(ctx) }

// With the real token module, /tcb/* accepts exactly the tokens valid at
// that moment: a superseded legacy token works for the overlap, then 40001;
// an expired one 42001; an unknown one 40014.
func TestRealTokens(t *testing.T) {
	wx := wxapi.New(wxapi.Options{TTL: 2 * time.Second, Overlap: 400 * time.Millisecond})
	e := emulatortest.Start(t, emulatortest.Options{}, wx, New(Options{Tokens: wx}))
	ctx, client := e.Ctx, e.WeChat
	env := e.NewEnv("tokens")
	count := func(tok string) int {
		t.Helper()
		_, err := client.DatabaseCount(ctx, tok, wechat.QueryRequest{Env: env, Query: `db.collection("c").count()`})
		code, _ := wechat.ErrCode(err)
		if err != nil && code == 0 {
			t.Fatal(err)
		}
		return code
	}

	// A stable token through pkg/database.WeChat.
	backend := &database.WeChat{Client: client, Tokens: stableSource{client}, Env: env}
	if err := backend.CreateCollection(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	q, _ := dbquery.Parse(`db.collection("c").add({data: {a: 1}})`)
	if _, err := database.Run(ctx, backend, q); err != nil {
		t.Fatal(err)
	}

	a, err := client.LegacyToken(ctx, config.EmulatorWxAppID, config.EmulatorWxSecret)
	if err != nil {
		t.Fatal(err)
	}
	if code := count(a.AccessToken); code != 0 {
		t.Fatalf("fresh token: %d", code)
	}
	b, err := client.LegacyToken(ctx, config.EmulatorWxAppID, config.EmulatorWxSecret)
	if err != nil {
		t.Fatal(err)
	}
	if code := count(a.AccessToken); code != 0 {
		t.Fatalf("superseded token inside the overlap: %d", code)
	}
	e.Clock.Advance(400 * time.Millisecond)
	if code := count(a.AccessToken); code != 40001 {
		t.Fatalf("superseded token after the overlap: %d", code)
	}
	if code := count(b.AccessToken); code != 0 {
		t.Fatalf("current token: %d", code)
	}
	if code := count("never-issued"); code != 40014 {
		t.Fatalf("unknown token: %d", code)
	}
	e.Clock.Advance(b.ExpiresAt().Sub(e.Clock.Now()) + 100*time.Millisecond)
	if code := count(b.AccessToken); code != 42001 {
		t.Fatalf("expired token: %d", code)
	}
}
