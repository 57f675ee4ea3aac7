package token

import (
	"context"
	"fmt"

	"github.com/tcb-go/tcb/pkg/wechat"
)

// Fetcher obtains a token from upstream. force asks for a forced refresh
// (stable_token force_refresh=true); the Manager only sets it from
// ForceRefresh.
type Fetcher interface {
	Fetch(ctx context.Context, appid string, force bool) (*Record, error)
}

// Mode selects the upstream endpoint.
type Mode string

const (
	// ModeStable uses POST /cgi-bin/stable_token (the default).
	ModeStable Mode = "stable"
	// ModeLegacy uses GET /cgi-bin/token: every fetch invalidates the
	// previous token after 5 minutes. Use only when stable_token is not
	// available.
	ModeLegacy Mode = "legacy"
)

// AppSecrets looks up an app's AppSecret.
type AppSecrets interface {
	Secret(appid string) (string, bool)
}

// SecretMap is an AppSecrets backed by a map (appid -> secret).
type SecretMap map[string]string

// Secret implements AppSecrets.
func (m SecretMap) Secret(appid string) (string, bool) {
	s, ok := m[appid]
	return s, ok && s != ""
}

// WeChatFetcher fetches tokens with a wechat.Client.
type WeChatFetcher struct {
	Client  *wechat.Client
	Secrets AppSecrets
	Mode    Mode // "" means ModeStable
}

// Fetch implements Fetcher. Unknown apps give ErrUnknownApp. In legacy mode
// force has no extra meaning: every call mints a new token.
func (f *WeChatFetcher) Fetch(ctx context.Context, appid string, force bool) (*Record, error) {
	secret, ok := f.Secrets.Secret(appid)
	if !ok {
		return nil, fmt.Errorf("%w %s: no AppSecret configured", ErrUnknownApp, appid)
	}
	c := f.Client
	if c == nil {
		c = &wechat.Client{}
	}
	var (
		t      *wechat.Token
		err    error
		source string
	)
	switch f.Mode {
	case ModeLegacy:
		source = SourceLegacy
		t, err = c.LegacyToken(ctx, appid, secret)
	case ModeStable, "":
		source = SourceStable
		t, err = c.StableToken(ctx, appid, secret, force)
	default:
		return nil, fmt.Errorf("token: unknown fetch mode %q (want stable or legacy)", f.Mode)
	}
	if err != nil {
		return nil, err
	}
	return &Record{
		AppID:      appid,
		Token:      t.AccessToken,
		ExpiresAt:  t.ExpiresAt(),
		ObtainedAt: t.ObtainedAt,
		Source:     source,
	}, nil
}

// FetcherFunc adapts a function to Fetcher.
type FetcherFunc func(ctx context.Context, appid string, force bool) (*Record, error)

// Fetch calls f.
func (f FetcherFunc) Fetch(ctx context.Context, appid string, force bool) (*Record, error) {
	return f(ctx, appid, force)
}
