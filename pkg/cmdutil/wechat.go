package cmdutil

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/token"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// Environment variables of the WeChat side, besides TCB_WX_APPID,
// TCB_WX_SECRET and TCB_EMULATOR_HOST.
const (
	EnvWeChatAPI      = "TCB_WECHAT_API"       // WeChat API base URL override
	EnvTokenStore     = "TCB_TOKEN_STORE"      // default of --store
	EnvTokenServer    = "TCB_TOKEN_SERVER"     // default of --server
	EnvTokenServerKey = "TCB_TOKEN_SERVER_KEY" // bearer key for the token server
)

// WeChatTokens is an access_token source for one WeChat app. Close
// releases what the source holds (a token store).
type WeChatTokens struct {
	AppID  string
	Source wechat.TokenSource
	Close  func()
}

// weChatBaseURL is the default of Factory.WeChatBaseURL: TCB_WECHAT_API,
// else the emulator from TCB_EMULATOR_HOST, else https://api.weixin.qq.com.
func (f *Factory) weChatBaseURL() (string, error) {
	if v := strings.TrimSpace(f.Getenv(EnvWeChatAPI)); v != "" {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			return "", FlagErrorf("%s: want an http(s) URL such as https://api.weixin.qq.com", EnvWeChatAPI)
		}
		return strings.TrimRight(v, "/"), nil
	}
	if u := f.emulatorURL(); u != "" {
		return strings.TrimRight(u, "/"), nil
	}
	return wechat.DefaultBaseURL, nil
}

// WeChatClient returns a WeChat API client for WeChatBaseURL that logs to
// Logger.
func (f *Factory) WeChatClient() (*wechat.Client, error) {
	base, err := f.WeChatBaseURL()
	if err != nil {
		return nil, err
	}
	return &wechat.Client{BaseURL: base, Logger: f.Logger()}, nil
}

// weChatTokens is the default of Factory.WeChatTokens: the token server
// when one is configured (TCB_TOKEN_SERVER or the token-server setting),
// else a token.Manager over the default token store with the app's secret.
func (f *Factory) weChatTokens() (*WeChatTokens, error) {
	app, err := f.ResolveWeChatApp("")
	if err != nil {
		return nil, err
	}
	srv, err := f.TokenServer("", false)
	if err != nil {
		return nil, err
	}
	if srv != nil {
		return &WeChatTokens{AppID: app.ID, Source: token.SourceFor(srv, app.ID), Close: func() {}}, nil
	}
	st, err := f.OpenTokenStore("")
	if err != nil {
		return nil, err
	}
	if err := f.ResolveWeChatSecret(&app, ""); err != nil {
		st.Close()
		return nil, err
	}
	base, err := f.WeChatBaseURL()
	if err != nil {
		st.Close()
		return nil, err
	}
	m, err := token.NewWeChatManager(token.WeChatManagerOptions{Store: st, BaseURL: base,
		Secrets: token.SecretMap{app.ID: app.Secret}, Logger: f.Logger()})
	if err != nil {
		st.Close()
		return nil, err
	}
	return &WeChatTokens{AppID: app.ID, Source: token.SourceFor(m, app.ID), Close: func() { st.Close() }}, nil
}

// Logger is the commands' diagnostic logger on stderr: errors only (the
// commands report failures themselves), or everything with --verbose.
// Records never carry secrets (pkg/token and pkg/wechat guarantee it).
func (f *Factory) Logger() *slog.Logger {
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

// WeChatApp is the WeChat app a command works on and where its AppID came
// from.
type WeChatApp struct {
	ID     string
	Secret string        // may be empty until ResolveWeChatSecret
	Source config.Source // where the AppID/secret pair came from ("" for an explicit AppID)
}

// ResolveWeChatApp picks the AppID: appid when given (--appid), else
// TCB_WX_APPID, the profile, or the emulator's demo app. A secret is
// attached when the same source names this AppID.
func (f *Factory) ResolveWeChatApp(appid string) (WeChatApp, error) {
	creds, err := f.Credentials()
	if err != nil {
		return WeChatApp{}, err
	}
	id := strings.TrimSpace(appid)
	if id == "" {
		id = creds.WxAppID
	}
	if id == "" {
		return WeChatApp{}, FlagErrorf("no WeChat AppID").
			WithHint("pass --appid, set TCB_WX_APPID, or save one with `tcb login --wx-appid ID --wx-secret SECRET`")
	}
	if err := token.ValidAppID(id); err != nil {
		return WeChatApp{}, FlagErrorf("--appid: %v", err)
	}
	app := WeChatApp{ID: id}
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

// ResolveWeChatSecret makes sure app.Secret is set: from secretFile (a
// path, or - for stdin; --secret-file), from what ResolveWeChatApp found,
// or from a prompt on a terminal. Without any of them it is an auth error
// (a credential is missing) naming the ways to give one.
func (f *Factory) ResolveWeChatSecret(app *WeChatApp, secretFile string) error {
	if secretFile != "" {
		s, err := f.readSecretFile(secretFile)
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
		return AuthErrorf("%s: not running interactively, pass --secret-file FILE (or set TCB_WX_SECRET)", what).
			WithHint("or save it once with `tcb login --wx-appid %s --wx-secret SECRET`", app.ID)
	}
	s, err := f.Prompter.Password("AppSecret of " + app.ID)
	if err != nil {
		return err
	}
	if s = strings.TrimSpace(s); s == "" {
		return FlagErrorf("%s: empty answer", what)
	}
	app.Secret = s
	return nil
}

func (f *Factory) readSecretFile(path string) (string, error) {
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
		return "", LocalErrorf("--secret-file: %v", err)
	}
	s := strings.TrimSpace(string(b))
	if s == "" || strings.ContainsAny(s, " \t\r\n") {
		return "", FlagErrorf("--secret-file: want one AppSecret (a single word)")
	}
	return s, nil
}

// TokenStore is an opened token store with a printable description.
type TokenStore struct {
	token.Store
	Kind string // "file", "redis", "postgres", "mysql" or "tcb"
	Desc string // the file path, or the store's URL without its password
}

// OpenTokenStore opens spec (--store), else TCB_TOKEN_STORE: "file" (the
// default, $TCB_CONFIG_DIR/tokens.json), "file:PATH", a redis:// /
// rediss:// URL, or one of the URL stores of openURLTokenStore. A bad value
// is invalid input; its text is never echoed (it may hold a password).
func (f *Factory) OpenTokenStore(spec string) (*TokenStore, error) {
	if spec == "" {
		spec = strings.TrimSpace(f.Getenv(EnvTokenStore))
	}
	switch {
	case spec == "" || spec == "file":
		cfg, err := f.Config()
		if err != nil {
			return nil, err
		}
		return openFileStore(filepath.Join(cfg.Dir(), token.DefaultFileName))
	case strings.HasPrefix(spec, "file:"):
		p := strings.TrimPrefix(strings.TrimPrefix(spec, "file:"), "//")
		if p == "" {
			return nil, FlagErrorf("--store file:PATH needs a path")
		}
		return openFileStore(p)
	case strings.HasPrefix(spec, "redis://"), strings.HasPrefix(spec, "rediss://"):
		token.SetRedisLogger(f.Logger())
		rs, err := token.NewRedisStore(token.RedisOptions{URL: spec})
		if err != nil {
			return nil, FlagErrorf("--store: %v", err).WithHint("want redis://[user:password@]host:port[/db] or rediss://...")
		}
		return &TokenStore{Store: rs, Kind: "redis", Desc: redactURL(spec)}, nil
	case token.URLStoreKind(spec) != "":
		return f.openURLTokenStore(spec)
	}
	return nil, FlagErrorf("--store: unsupported value (want %s)", tokenStoreForms)
}

func openFileStore(path string) (*TokenStore, error) {
	fs, err := token.NewFileStore(path)
	if err != nil {
		return nil, LocalErrorf("token store: %v", err)
	}
	return &TokenStore{Store: fs, Kind: "file", Desc: fs.Path()}, nil
}

// redactURL drops the password of a URL for display.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// TokenServer returns the token server to ask: flag when set (--server),
// else TCB_TOKEN_SERVER, else the profile's token-server setting; nil when
// none. The bearer key comes from TCB_TOKEN_SERVER_KEY only (never a flag,
// so it stays out of the process list).
func (f *Factory) TokenServer(flag string, set bool) (*token.ServerClient, error) {
	u := strings.TrimSpace(flag)
	if !set {
		u = strings.TrimSpace(f.Getenv(EnvTokenServer))
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
		return nil, FlagErrorf("token server URL: want http(s)://host:port (no credentials in the URL)")
	}
	return &token.ServerClient{BaseURL: strings.TrimRight(u, "/"), Key: strings.TrimSpace(f.Getenv(EnvTokenServerKey))}, nil
}

// CallError is Wrap for the failure of a call to WeChat, the Cloud API or
// a token source (a store, the token server): the exit code is the one of
// the error's kind, a timeout without a kind is a network failure, and the
// failures whose fix is a tcb flag or variable get a hint naming it. A
// *Error and a cancellation pass through unchanged.
func CallError(what string, err error) error {
	if err == nil {
		return nil
	}
	var ce *Error
	if errors.As(err, &ce) || errors.Is(err, context.Canceled) {
		return err
	}
	if !HasExitCode(err) && errors.Is(err, context.DeadlineExceeded) {
		return APIErrorf("%s: timed out: %v", what, err)
	}
	e := wrap(what, err)
	var (
		fl   *token.ForceLimitError
		se   *token.ServerError
		te   *wechat.TransportError
		stat *wechat.StatusError
	)
	switch {
	case errors.As(err, &fl):
		if fl.Daily {
			return e.WithHint("WeChat allows %d forced refreshes a day; a normal `tcb token refresh` returns the current valid token", fl.Limit)
		}
		return e.WithHint("wait %s; use force only when a token leaked (it invalidates the token for every caller)", fl.RetryAfter.Round(time.Second))
	case errors.As(err, &se):
		switch {
		case se.StatusCode == http.StatusUnauthorized:
			e.Hint = "set " + EnvTokenServerKey + " to one of the server's keys (tcb token serve --auth-key-file)"
		case se.StatusCode == http.StatusNotFound && se.Code == "unknown_app":
			e.Hint = "add the app to the server's --apps file, or pass the right --appid"
		}
	case errors.As(err, &te), errors.As(err, &stat):
		e.Hint = "check the network, or TCB_EMULATOR_HOST / " + EnvWeChatAPI + " if you meant a local endpoint"
	}
	return e
}
