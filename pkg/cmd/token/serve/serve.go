// Package serve implements `tcb token serve`, the central access_token
// server (中控服务器): one or more replicas share a token store and together
// make one upstream fetch per refresh window; business servers read tokens
// over HTTP with a bearer key.
//
// The HTTP API, refreshers, metrics and readiness are pkg/token's Server;
// this package resolves the configuration (apps, keys, store, TLS), binds
// the listener and runs until the command's context ends (SIGTERM/Ctrl-C),
// then shuts down gracefully.
package serve

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/hostcheck"
	"github.com/tcb-go/tcb/pkg/token"
)

// DefaultListen is the default address: loopback only.
const DefaultListen = "127.0.0.1:8081"

// Options of token serve.
type Options struct {
	F *cmdutil.Factory

	Listen         string
	Store          string
	AppsFile       string
	AppID          string
	SecretFile     string
	AuthKeyFile    string
	RefreshMargin  time.Duration
	TLSCert        string
	TLSKey         string
	InsecureNoAuth bool
	LogFormat      string
	ShutdownGrace  time.Duration
	AllowHosts     []string

	// Ready, when set, is called with the bound address once serving (tests).
	Ready func(addr string)
}

// NewCmdServe builds `tcb token serve`.
func NewCmdServe(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the central access_token server (replicas share one store)",
		Long: heredoc.Doc(`
			Run the central access_token server that WeChat asks for (中控服务器): it
			refreshes each app's token before it expires, serves it to business servers,
			and offers compare-and-refresh for callers whose token was rejected. Any number
			of replicas may share one store: Redis (--store redis://..., or
			redis+sentinel://HOST:PORT[,...]/MASTER behind Sentinel), PostgreSQL
			(postgres://...), MySQL or MariaDB (mysql://...), or the environment's own
			database (tcb://ENV_ID/COLLECTION, through the Cloud API). They coordinate
			through a lock with a lease and a fencing counter, so together they make one
			WeChat fetch per refresh window, and they keep serving the still-valid token
			while WeChat or the store fails. Tokens are served from memory: requests never
			wait on the store.

			Endpoints:
			  GET  /v1/token?appid=ID     {"access_token","expires_in","expires_at","source"}
			  POST /v1/token/refresh      {"appid","stale_token"}: compare-and-refresh
			  GET  /healthz               liveness
			  GET  /readyz                store reachable and every app has a valid token
			  GET  /metrics               Prometheus metrics

			Every /v1 request needs "Authorization: Bearer KEY". Keys come from
			--auth-key-file (one per line, at least 16 characters; # comments) and
			TCB_TOKEN_SERVER_KEY. A key in the query string is refused. Without any key the
			server refuses to start, unless it listens on a loopback address and
			--insecure-no-auth is given.

			Apps come from --apps FILE, a JSON object such as
			  {"wx0123456789abcdef": {"secret_file": "/run/secrets/wx1"},
			   "wxfedcba9876543210": {"secret_env": "WX2_SECRET"}}
			(or "secret" inline), else the one app of --appid / TCB_WX_APPID / the profile
			with its AppSecret from TCB_WX_SECRET, the profile or --secret-file.

			Logs are structured (log/slog, --log-format text or json) on stderr and never
			contain a token, secret or key. SIGTERM or Ctrl-C shuts down gracefully.
		`),
		Example: heredoc.Doc(`
			$ tcb token serve --auth-key-file /etc/tcb/keys --apps /etc/tcb/apps.json
			$ tcb token serve --listen 0.0.0.0:8081 --store redis://redis:6379/0 --auth-key-file /etc/tcb/keys \
			    --apps /etc/tcb/apps.json --tls-cert /etc/tcb/tls.crt --tls-key /etc/tcb/tls.key --log-format json
			$ tcb token serve --insecure-no-auth          # local development, loopback only
			$ curl -H "Authorization: Bearer $KEY" "http://127.0.0.1:8081/v1/token?appid=wx0123456789abcdef"
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if (opts.TLSCert == "") != (opts.TLSKey == "") {
				return cmdutil.FlagErrorf("--tls-cert and --tls-key go together")
			}
			if opts.RefreshMargin < time.Second || opts.RefreshMargin > time.Hour {
				return cmdutil.FlagErrorf("--refresh-margin must be between 1s and 1h")
			}
			if opts.LogFormat != "text" && opts.LogFormat != "json" {
				return cmdutil.FlagErrorf("--log-format must be text or json")
			}
			if opts.AppsFile != "" && (opts.AppID != "" || opts.SecretFile != "") {
				return cmdutil.FlagErrorf("--apps cannot be combined with --appid/--secret-file")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Listen, "listen", DefaultListen, "address to listen on (host:port; port 0 picks a free one)")
	fl.StringVar(&opts.Store, "store", "", "token store shared by replicas: file, file:PATH, redis://..., redis+sentinel://..., postgres://..., mysql://... or tcb://ENV_ID/COLLECTION (default: TCB_TOKEN_STORE or file)")
	fl.StringVar(&opts.AppsFile, "apps", "", "JSON `FILE` of the apps to serve: {\"APPID\": {\"secret\"|\"secret_file\"|\"secret_env\": ...}}")
	fl.StringVar(&opts.AppID, "appid", "", "serve this one app (default: TCB_WX_APPID or the profile's) when --apps is not given")
	fl.StringVar(&opts.SecretFile, "secret-file", "", "read the AppSecret of --appid from `FILE`")
	fl.StringVar(&opts.AuthKeyFile, "auth-key-file", "", "`FILE` of accepted bearer keys, one per line (also TCB_TOKEN_SERVER_KEY)")
	fl.DurationVar(&opts.RefreshMargin, "refresh-margin", 5*time.Minute, "refresh a token when less than this is left")
	fl.StringVar(&opts.TLSCert, "tls-cert", "", "serve HTTPS with this certificate `FILE` (PEM)")
	fl.StringVar(&opts.TLSKey, "tls-key", "", "private key `FILE` (PEM) of --tls-cert")
	fl.BoolVar(&opts.InsecureNoAuth, "insecure-no-auth", false, "serve without bearer keys (only on a loopback address)")
	fl.StringVar(&opts.LogFormat, "log-format", "text", "log format on stderr: text or json")
	fl.DurationVar(&opts.ShutdownGrace, "shutdown-grace", 10*time.Second, "how long in-flight requests may take to finish on shutdown")
	fl.StringArrayVar(&opts.AllowHosts, "allow-host", nil, "also answer requests for this `host` name (*.domain, an IP, or * for any; with keys only): a load balancer's or service's name (repeatable)")
	return cmd
}

// Run serves until ctx ends.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	log := newLogger(f, opts.LogFormat)
	host, _, err := net.SplitHostPort(opts.Listen)
	if err != nil {
		return cmdutil.FlagErrorf("--listen %q: expected host:port", opts.Listen)
	}
	keys, noAuth, err := resolveKeys(f, opts, host, log)
	if err != nil {
		return err
	}
	apps, err := resolveApps(f, opts)
	if err != nil {
		return err
	}
	st, err := f.OpenTokenStore(opts.Store)
	if err != nil {
		return err
	}
	defer st.Close()
	token.SetRedisLogger(log)
	token.SetStoreLogger(st.Store, log)
	base, err := f.WeChatBaseURL()
	if err != nil {
		return err
	}
	m, err := token.NewWeChatManager(token.WeChatManagerOptions{Server: true, Store: st, BaseURL: base, Secrets: apps,
		Margin: opts.RefreshMargin, Logger: log})
	if err != nil {
		return err
	}
	srv, err := token.NewServer(token.ServerOptions{Manager: m, Apps: apps.IDs(), Keys: keys, Logger: log})
	if err != nil {
		return cmdutil.FlagErrorf("token serve: %v", err)
	}
	var handler http.Handler = srv
	if noAuth != "" {
		handler = injectKey(srv, noAuth)
	}
	ln, err := listen(opts)
	if err != nil {
		return err
	}
	// Only requests for this server's names are answered (DNS rebinding:
	// a page whose name resolves to 127.0.0.1 must not read tokens).
	policy, err := hostcheck.New(ln.Addr().String(), opts.AllowHosts)
	if err != nil {
		ln.Close()
		return cmdutil.FlagErrorf("--allow-host: %v", err)
	}
	if policy.AllowsAny() && noAuth != "" {
		ln.Close()
		return cmdutil.FlagErrorf("--allow-host '*' needs bearer keys: without them any web page could read tokens through DNS rebinding")
	}
	handler = policy.Handler(handler)
	ln = hostcheck.LimitListener(ln, hostcheck.DefaultMaxConns())
	log.Info("token server listening",
		slog.String("addr", ln.Addr().String()), slog.Bool("tls", opts.TLSCert != ""),
		slog.Bool("auth", noAuth == ""), slog.Int("apps", len(apps)),
		slog.String("store", st.Kind+" "+st.Desc), slog.String("wechat", base),
		slog.Duration("refresh_margin", opts.RefreshMargin))
	if opts.Ready != nil {
		opts.Ready(ln.Addr().String())
	}
	return serve(ctx, srv, handler, ln, opts.ShutdownGrace, log)
}

// serve runs the refreshers and the HTTP server until ctx ends, then shuts
// down: in-flight requests finish (within grace), refreshers stop.
func serve(ctx context.Context, s *token.Server, h http.Handler, ln net.Listener, grace time.Duration, log *slog.Logger) error {
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer func() {
		cancel()
		s.Wait()
	}()
	s.Start(rctx)
	hs := token.NewHTTPServer(h, log)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return cmdutil.Errorf("token serve: %v", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", slog.Duration("grace", grace))
	sctx, scancel := context.WithTimeout(context.Background(), grace)
	defer scancel()
	err := hs.Shutdown(sctx)
	<-errc
	cancel()
	s.Wait()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("shutdown: in-flight requests cut off", slog.String("error", err.Error()))
	}
	log.Info("token server stopped")
	return nil
}

func listen(opts *Options) (net.Listener, error) {
	var cfg *tls.Config
	if opts.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(opts.TLSCert, opts.TLSKey)
		if err != nil {
			return nil, cmdutil.LocalErrorf("--tls-cert/--tls-key: %v", err)
		}
		cfg = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", opts.Listen)
	if err != nil {
		return nil, cmdutil.LocalErrorf("token serve: %v", err).WithHint("another process uses the port? pick one with --listen HOST:PORT")
	}
	if cfg != nil {
		ln = tls.NewListener(ln, cfg)
	}
	return ln, nil
}

func newLogger(f *cmdutil.Factory, format string) *slog.Logger {
	ho := &slog.HandlerOptions{Level: slog.LevelInfo}
	if f.Globals.Verbose {
		ho.Level = slog.LevelDebug
	}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(f.IOStreams.ErrOut, ho))
	}
	return slog.New(slog.NewTextHandler(f.IOStreams.ErrOut, ho))
}

// fileTooOpen reports whether a secrets file is readable by group or
// others.
func fileTooOpen(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().Perm()&0o077 != 0
}
