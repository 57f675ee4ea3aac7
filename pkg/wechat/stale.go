package wechat

import (
	"context"
	"fmt"
)

// TokenSource hands out access_tokens for one app. Refresh is
// compare-and-refresh: it fetches a new token only if stale is still the
// current one, otherwise it returns the current token.
// pkg/token's Manager and ServerClient provide implementations.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
	Refresh(ctx context.Context, stale string) (string, error)
}

// WithStaleTokenRetry runs fn with a token from src. If fn fails with a
// stale-token errcode (40001, 40014, 42001), the failing token is reported
// through src.Refresh and fn runs exactly once more with the token it
// returns. Any other outcome is returned as is.
func WithStaleTokenRetry(ctx context.Context, src TokenSource, fn func(ctx context.Context, accessToken string) error) error {
	tok, err := src.Token(ctx)
	if err != nil {
		return err
	}
	err = fn(ctx, tok)
	if err == nil || !IsStaleToken(err) {
		return err
	}
	fresh, rerr := src.Refresh(ctx, tok)
	if rerr != nil {
		return fmt.Errorf("refresh the access_token after %v: %w", err, rerr)
	}
	return fn(ctx, fresh)
}
