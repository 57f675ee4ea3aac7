package token

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tcb-go/tcb/pkg/errkind"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// DefaultFileName is the file store's name inside tcb's configuration
// directory.
const DefaultFileName = "tokens.json"

// SetRedisLogger routes go-redis's internal messages (pool dial failures,
// printed to stderr by default) to l at debug level; nil discards them.
func SetRedisLogger(l *slog.Logger) {
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	redis.SetLogger(redisLog{l})
}

type redisLog struct{ l *slog.Logger }

func (r redisLog) Printf(ctx context.Context, format string, v ...any) {
	r.l.DebugContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}

// WeChatManagerOptions configures NewWeChatManager.
type WeChatManagerOptions struct {
	Store   Store
	BaseURL string // WeChat API base URL; "" is wechat.DefaultBaseURL
	Secrets AppSecrets
	Legacy  bool          // fetch with GET /cgi-bin/token instead of stable_token
	Margin  time.Duration // see ManagerOptions.Margin
	Logger  *slog.Logger
	// Server marks the long-running token server, which keeps the
	// manager's default guard against storms of stale reports.
	Server bool
}

// NewWeChatManager builds a Manager that fetches from WeChat (or the
// emulator) with the refresh policy of its caller:
//
//   - legacy mode: every fetch mints a token and starts the old one's
//     5-minute countdown, so a stale report refreshes at most once per 30 s;
//   - the token server keeps the default guard (RefreshMinInterval), which
//     absorbs many clients reporting a token WeChat still hands out
//     unchanged;
//   - a CLI process reports a stale token at most once per command (the
//     single retry), so the guard would only turn away a legitimate report
//     made soon after another command's fetch: it is lifted.
//
// Invalid options are invalid input.
func NewWeChatManager(o WeChatManagerOptions) (*Manager, error) {
	mode := ModeStable
	opts := ManagerOptions{Store: o.Store, Margin: o.Margin, Logger: o.Logger}
	switch {
	case o.Legacy:
		mode = ModeLegacy
		opts.RefreshMinInterval = 30 * time.Second
	case !o.Server:
		opts.RefreshMinInterval = time.Millisecond
	}
	opts.Fetcher = &WeChatFetcher{
		Client:  &wechat.Client{BaseURL: o.BaseURL, Logger: o.Logger},
		Secrets: o.Secrets,
		Mode:    mode,
	}
	m, err := NewManager(opts)
	if err != nil {
		return nil, errkind.Wrap(errkind.Input, err)
	}
	return m, nil
}
