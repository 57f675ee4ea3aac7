// Package shared holds what the `tcb token` commands have in common:
// resolving the app, its secret, the WeChat base URL, the token store and
// the token server, building a token.Manager, and mapping token and WeChat
// errors to exit codes. It never prints a token.
package shared

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/token"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// Environment variables read by the token commands (besides the ones the
// Factory reads: TCB_WX_APPID, TCB_WX_SECRET, TCB_EMULATOR_HOST).
const (
	EnvWeChatAPI = "TCB_WECHAT_API"       // WeChat API base URL override
	EnvStore     = "TCB_TOKEN_STORE"      // default of --store
	EnvServer    = "TCB_TOKEN_SERVER"     // default of --server
	EnvServerKey = "TCB_TOKEN_SERVER_KEY" // bearer key for the token server
)

// TokenFile is the file store's name inside $TCB_CONFIG_DIR.
const TokenFile = "tokens.json"

// BaseURL is where WeChat API calls go: TCB_WECHAT_API, else the emulator
// from TCB_EMULATOR_HOST, else https://api.weixin.qq.com.
func BaseURL(f *cmdutil.Factory) (string, error) {
	if v := strings.TrimSpace(f.Getenv(EnvWeChatAPI)); v != "" {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			return "", cmdutil.FlagErrorf("%s: want an http(s) URL such as https://api.weixin.qq.com", EnvWeChatAPI)
		}
		return strings.TrimRight(v, "/"), nil
	}
	if h := f.EmulatorHost(); h != "" {
		if strings.Contains(h, "://") {
			return strings.TrimRight(h, "/"), nil
		}
		return "http://" + h, nil
	}
	return wechat.DefaultBaseURL, nil
}

// App is the app a command works on and where its AppID came from.
type App struct {
	ID     string
	Secret string        // may be empty until ResolveSecret
	Source config.Source // where the AppID/secret pair came from ("" for --appid)
}

// ResolveApp picks the AppID: --appid, else TCB_WX_APPID, the profile, or
// the emulator's demo app. A secret is attached when the same source names
// this AppID.
func ResolveApp(f *cmdutil.Factory, appidFlag string) (App, error) {
	creds, err := f.Credentials()
	if err != nil {
		return App{}, err
	}
	id := strings.TrimSpace(appidFlag)
	if id == "" {
		id = creds.WxAppID
	}
	if id == "" {
		return App{}, cmdutil.FlagErrorf("no WeChat AppID").
			WithHint("pass --appid, set TCB_WX_APPID, or save one with `tcb login --wx-appid ID --wx-secret SECRET`")
	}
	if err := token.ValidAppID(id); err != nil {
		return App{}, cmdutil.FlagErrorf("--appid: %v", err)
	}
	app := App{ID: id}
	switch {
	case creds.WxAppID == id:
		app.Secret, app.Source = creds.WxSecret, creds.WeChatSource
	case strings.TrimSpace(f.Getenv("TCB_WX_APPID")) == "" && strings.TrimSpace(f.Getenv("TCB_WX_SECRET")) != "":
		app.Secret, app.Source = strings.TrimSpace(f.Getenv("TCB_WX_SECRET")), config.SourceEnv
	case f.EmulatorHost() != "" && id == config.EmulatorWxAppID:
		app.Secret, app.Source = config.EmulatorWxSecret, config.SourceEmulator
	}
	return app, nil
}

// ResolveSecret makes sure app.Secret is set: from --secret-file (a path,
// or - for stdin), from what ResolveApp found, or from a prompt on a
// terminal. Without any of them it fails with exit 2 (a credential is
// missing), naming the ways to give one.
func ResolveSecret(f *cmdutil.Factory, app *App, secretFile string) error {
	if secretFile != "" {
		s, err := readSecretFile(f, secretFile)
		if err != nil {
			return err
		}
		app.Secret = s
		return nil
	}
	if app.Secret != "" {
		return nil
	}
	what := "the AppSecret of " + app.ID + " is needed to fetch a token"
	if !f.IOStreams.CanPrompt() {
		return cmdutil.AuthErrorf("%s: not running interactively, pass --secret-file FILE (or set TCB_WX_SECRET)", what).
			WithHint("or save it once with `tcb login --wx-appid %s --wx-secret SECRET`", app.ID)
	}
	s, err := f.Prompter.Password("AppSecret of " + app.ID)
	if err != nil {
		return err
	}
	if s = strings.TrimSpace(s); s == "" {
		return cmdutil.FlagErrorf("%s: empty answer", what)
	}
	app.Secret = s
	return nil
}

func readSecretFile(f *cmdutil.Factory, path string) (string, error) {
	var (
		b   []byte
		err error
	)
	if path == "-" {
		b, err = io.ReadAll(io.LimitReader(f.IOStreams.In, 4096))
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return "", cmdutil.LocalErrorf("--secret-file: %v", err)
	}
	s := strings.TrimSpace(string(b))
	if s == "" || strings.ContainsAny(s, " \t\r\n") {
		return "", cmdutil.FlagErrorf("--secret-file: want one AppSecret (a single word)")
	}
	return s, nil
}

// Store is an opened token store plus a printable description of it.
type Store struct {
	token.Store
	Kind string // "file" or "redis"
	Desc string // the file path, or the Redis URL without its password
}

// OpenStore opens --store (or TCB_TOKEN_STORE): "file" (the default,
// $TCB_CONFIG_DIR/tokens.json), "file:PATH", or a redis:// / rediss:// URL.
// A bad value is exit 3; its text is never echoed (it may hold a password).
func OpenStore(f *cmdutil.Factory, spec string) (*Store, error) {
	if spec == "" {
		spec = strings.TrimSpace(f.Getenv(EnvStore))
	}
	switch {
	case spec == "" || spec == "file":
		cfg, err := f.Config()
		if err != nil {
			return nil, err
		}
		return openFile(filepath.Join(cfg.Dir(), TokenFile))
	case strings.HasPrefix(spec, "file:"):
		p := strings.TrimPrefix(strings.TrimPrefix(spec, "file:"), "//")
		if p == "" {
			return nil, cmdutil.FlagErrorf("--store file:PATH needs a path")
		}
		return openFile(p)
	case strings.HasPrefix(spec, "redis://"), strings.HasPrefix(spec, "rediss://"):
		redis.SetLogger(redisLog{Logger(f)})
		rs, err := token.NewRedisStore(token.RedisOptions{URL: spec})
		if err != nil {
			return nil, cmdutil.FlagErrorf("--store: %v", err).WithHint("want redis://[user:password@]host:port[/db] or rediss://...")
		}
		return &Store{Store: rs, Kind: "redis", Desc: RedactURL(spec)}, nil
	}
	return nil, cmdutil.FlagErrorf("--store: unsupported value (want file, file:PATH, redis://... or rediss://...)")
}

func openFile(path string) (*Store, error) {
	fs, err := token.NewFileStore(path)
	if err != nil {
		return nil, cmdutil.LocalErrorf("token store: %v", err)
	}
	return &Store{Store: fs, Kind: "file", Desc: fs.Path()}, nil
}

// SetRedisLogger routes go-redis's internal messages (pool dial failures,
// printed to stderr by default) to l at debug level.
func SetRedisLogger(l *slog.Logger) { redis.SetLogger(redisLog{l}) }

type redisLog struct{ l *slog.Logger }

func (r redisLog) Printf(ctx context.Context, format string, v ...any) {
	r.l.DebugContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}

// RedactURL drops the password of a URL for display.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// Server is a configured token server.
type Server struct {
	URL string
	Key string
}

// ResolveServer returns the token server to ask: --server, else
// TCB_TOKEN_SERVER, else the profile's token-server setting; nil when none.
// The bearer key comes from TCB_TOKEN_SERVER_KEY only (never a flag, so it
// stays out of the process list).
func ResolveServer(f *cmdutil.Factory, flag string, flagSet bool) (*Server, error) {
	u := strings.TrimSpace(flag)
	if !flagSet {
		u = strings.TrimSpace(f.Getenv(EnvServer))
		if u == "" {
			if st, err := f.Settings(); err == nil {
				u = st.TokenServer
			}
		}
	}
	if u == "" {
		return nil, nil
	}
	pu, err := url.Parse(u)
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" || pu.User != nil {
		return nil, cmdutil.FlagErrorf("token server URL: want http(s)://host:port (no credentials in the URL)")
	}
	return &Server{URL: strings.TrimRight(u, "/"), Key: strings.TrimSpace(f.Getenv(EnvServerKey))}, nil
}

// Client is the server's client.
func (s *Server) Client() *token.ServerClient {
	return &token.ServerClient{BaseURL: s.URL, Key: s.Key}
}

// ManagerConfig is what NewManager needs.
type ManagerConfig struct {
	Store   token.Store
	BaseURL string
	Secrets token.AppSecrets
	Legacy  bool
	Margin  time.Duration
	Logger  *slog.Logger
	// Server marks the long-running token server, which keeps the
	// manager's default guard against storms of stale reports.
	Server bool
}

// NewManager builds a token.Manager that fetches from WeChat (or the
// emulator) with the given secrets.
func NewManager(c ManagerConfig) (*token.Manager, error) {
	mode := token.ModeStable
	opts := token.ManagerOptions{Store: c.Store, Margin: c.Margin, Logger: c.Logger}
	if c.Legacy {
		mode = token.ModeLegacy
		// Every legacy fetch mints a token and starts the old one's
		// 5-minute countdown: never more than one per 30 s on a stale report.
		opts.RefreshMinInterval = 30 * time.Second
	} else if !c.Server {
		// A CLI process reports a stale token at most once per command (the
		// single retry), so the server's storm guard (many clients reporting
		// a token WeChat still hands out unchanged) would only turn away a
		// legitimate report made soon after another command's fetch.
		opts.RefreshMinInterval = time.Millisecond
	}
	opts.Fetcher = &token.WeChatFetcher{
		Client:  &wechat.Client{BaseURL: c.BaseURL, Logger: c.Logger},
		Secrets: c.Secrets,
		Mode:    mode,
	}
	m, err := token.NewManager(opts)
	if err != nil {
		return nil, cmdutil.FlagErrorf("%v", err)
	}
	return m, nil
}

// Logger is the commands' diagnostic logger on stderr: errors only (the
// commands report failures themselves), or everything with --verbose.
// Records never carry secrets (pkg/token and pkg/wechat guarantee it).
func Logger(f *cmdutil.Factory) *slog.Logger {
	level := slog.LevelError
	if f.Globals.Verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(f.IOStreams.ErrOut, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
}

// Expiry renders "2025-03-10 12:00:00 (in 1h59m)".
func Expiry(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := t.Sub(now)
	rel := "in " + Duration(d)
	if d < 0 {
		rel = Duration(-d) + " ago"
	}
	return fmt.Sprintf("%s (%s)", t.Local().Format(time.DateTime), rel)
}

// Ago renders "2025-03-10 10:00:00 (1m ago)".
func Ago(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return fmt.Sprintf("%s (%s ago)", t.Local().Format(time.DateTime), Duration(now.Sub(t)))
}

// Duration rounds for humans: seconds below 10 min, minutes above.
func Duration(d time.Duration) string {
	if d < 10*time.Minute {
		return d.Round(time.Second).String()
	}
	return strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
}

// ErrNoServerForce is returned for --force through a token server.
var ErrNoServerForce = errors.New("a forced refresh needs the AppSecret and is not available through a token server")

// ConfirmForce asks before a forced refresh, which makes every caller's
// current token stop working at once (--yes answers; without a terminal it
// is required).
func ConfirmForce(f *cmdutil.Factory, appid string) error {
	return f.ConfirmOrYes("forced refresh of "+appid,
		fmt.Sprintf("Force a new access_token for %s? The current one stops working at once for every server using it.", appid))
}
