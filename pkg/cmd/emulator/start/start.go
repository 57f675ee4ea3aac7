// Package start implements `tcb emulator start`.
package start

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/build"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/emulator"
	"github.com/tcb-go/tcb/pkg/emulator/docdb"
	"github.com/tcb-go/tcb/pkg/emulator/functions"
	"github.com/tcb-go/tcb/pkg/emulator/wxapi"
)

// Options of emulator start.
type Options struct {
	F         *cmdutil.Factory
	Listen    string
	DataDir   string
	Ephemeral bool
	Auth      string
	Latency   time.Duration
	MaxEnvs   int

	// WeChat token endpoints (pkg/emulator/wxapi).
	WxApps          []string // APPID:SECRET flags
	TokenTTL        time.Duration
	TokenOverlap    time.Duration
	TokenDailyQuota int
	wxApps          map[string]string

	// Functions (pkg/emulator/functions).
	NodePath        string
	SkipInstallDeps bool

	// Ready, when set, is called with the running emulator (tests).
	Ready func(*emulator.Emulator)
}

// NewCmdStart builds `tcb emulator start`.
func NewCmdStart(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Start the local emulator (runs until Ctrl-C or SIGTERM)",
		Long: heredoc.Doc(`
			Start a local CloudBase on one port: the Tencent Cloud API (tcb and scf, with
			real TC3 signature checks), the WeChat access_token and CloudBase HTTP APIs, and
			admin endpoints under /_emulator/ (health, state, reset, faults).

			State is written to --data-dir on every change, so Ctrl-C loses nothing and a
			restart picks up where it stopped. --ephemeral uses a temporary directory that
			is removed on exit. --listen 127.0.0.1:0 picks a free port and prints it.

			The emulator accepts the development keys it prints (and, with --auth lenient,
			any keys without checking signatures). Point tcb at it with:

			    eval "$(tcb emulator env)"
		`),
		Example: heredoc.Doc(`
			$ tcb emulator start
			$ tcb emulator start --ephemeral --listen 127.0.0.1:0 --json
			$ tcb emulator start --data-dir /tmp/cb --latency 2s
			$ tcb emulator start --token-ttl 6s --token-overlap 2s --wx-app wx0123456789abcdef:APPSECRET
		`),
		Args:        cmdutil.NoArgs,
		Annotations: map[string]string{"skipAuth": "true"},
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Ephemeral && cmd.Flags().Changed("data-dir") {
				return cmdutil.FlagErrorf("--data-dir and --ephemeral are mutually exclusive")
			}
			if opts.Auth != "strict" && opts.Auth != "lenient" {
				return cmdutil.FlagErrorf("--auth must be strict or lenient, not %q", opts.Auth)
			}
			if opts.Latency < 0 || opts.Latency > 10*time.Minute {
				return cmdutil.FlagErrorf("--latency must be between 0 and 10m")
			}
			if _, _, err := net.SplitHostPort(opts.Listen); err != nil {
				return cmdutil.FlagErrorf("--listen %q: expected host:port", opts.Listen)
			}
			if err := opts.parseWx(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Listen, "listen", emulator.DefaultListen, "address to listen on (port 0 picks a free port)")
	fl.StringVar(&opts.DataDir, "data-dir", emulator.DefaultDataDir, "directory for the emulator's state")
	fl.BoolVar(&opts.Ephemeral, "ephemeral", false, "keep state in a temporary directory removed on exit")
	fl.StringVar(&opts.Auth, "auth", "strict", "signature checking: strict (verify TC3 signatures) or lenient (accept any keys)")
	fl.DurationVar(&opts.Latency, "latency", 500*time.Millisecond, "how long async states last (env INITIALIZING, function Creating/Updating)")
	fl.IntVar(&opts.MaxEnvs, "max-envs", 10, "environment limit reported by DescribeEnvLimit and enforced by CreateEnv")
	fl.StringArrayVar(&opts.WxApps, "wx-app", nil, "extra WeChat app `APPID:SECRET` for the token endpoints (repeatable; the demo app is always there)")
	fl.DurationVar(&opts.TokenTTL, "token-ttl", wxapi.DefaultTTL, "lifetime of WeChat access_tokens (expires_in)")
	fl.DurationVar(&opts.TokenOverlap, "token-overlap", wxapi.DefaultOverlap, "how long a superseded cgi-bin/token token keeps working; also the stable_token pre-rotation window")
	fl.StringVar(&opts.NodePath, "node", "", "node binary that runs functions (default: node on PATH)")
	fl.BoolVar(&opts.SkipInstallDeps, "skip-install-deps", false, "never run npm install for functions with installDependency")
	fl.IntVar(&opts.TokenDailyQuota, "token-daily-quota", wxapi.DefaultLegacyDailyQuota, "cgi-bin/token calls per app per day before errcode 45009 (-1: unlimited)")
	return cmd
}

// Run starts the emulator and blocks until the context ends.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	ios := f.IOStreams
	level := slog.LevelWarn
	if f.Globals.Verbose || ios.IsStderrTTY() {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(ios.ErrOut, &slog.HandlerOptions{Level: level}))
	eopts := emulator.Options{
		Listen:    opts.Listen,
		DataDir:   opts.DataDir,
		Ephemeral: opts.Ephemeral,
		Lenient:   opts.Auth == "lenient",
		Latency:   opts.Latency,
		MaxEnvs:   opts.MaxEnvs,
		Logger:    logger,
		Version:   build.Version,
	}
	e, err := emulator.New(eopts, Modules(opts, logger)...)
	if err != nil {
		return cmdutil.LocalErrorf("emulator: %v", err)
	}
	if err := e.Listen(); err != nil {
		e.Close(context.Background())
		return cmdutil.LocalErrorf("emulator: %v", err).WithHint("another process uses the port? pick one with --listen 127.0.0.1:PORT (0 = any free port)")
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- e.Serve() }()

	info := map[string]any{
		"endpoint":   e.Endpoint(),
		"host":       e.Addr(),
		"secret_id":  config.EmulatorSecretID,
		"secret_key": config.EmulatorSecretKey,
		"wx_appid":   config.EmulatorWxAppID,
		"wx_secret":  config.EmulatorWxSecret,
		"data_dir":   e.DataDir(),
		"ephemeral":  e.Ephemeral(),
		"auth":       opts.Auth,
	}
	if f.WantsJSON() {
		if err := cmdutil.PrintJSONLine(ios.Out, info); err != nil {
			return err
		}
	} else {
		cs := ios.ColorScheme()
		fmt.Fprintf(ios.Out, "%s tcb emulator listening on %s\n", cs.SuccessIcon(), cs.Bold(e.Endpoint()))
		fmt.Fprintf(ios.Out, "  data dir:   %s", e.DataDir())
		if e.Ephemeral() {
			fmt.Fprint(ios.Out, " (ephemeral, removed on exit)")
		}
		fmt.Fprintln(ios.Out)
		fmt.Fprintf(ios.Out, "  SecretId:   %s\n  SecretKey:  %s\n", config.EmulatorSecretID, config.EmulatorSecretKey)
		fmt.Fprintf(ios.Out, "  WeChat app: %s / %s\n", config.EmulatorWxAppID, config.EmulatorWxSecret)
		fmt.Fprintf(ios.Out, "  use it:     eval \"$(tcb emulator env --listen %s)\"\n", e.Addr())
	}
	if host, _, err := net.SplitHostPort(e.Addr()); err == nil {
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			fmt.Fprintf(ios.ErrOut, "warning: listening on %s: the admin endpoints (/_emulator/reset, /_emulator/faults) have no authentication; anyone who can reach this address can use them\n", e.Addr())
		}
	}
	if opts.Ready != nil {
		opts.Ready(e)
	}

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		if err != nil {
			e.Close(context.Background())
			return fmt.Errorf("emulator: %w", err)
		}
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.Close(shutdownCtx); err != nil {
		return fmt.Errorf("emulator shutdown: %w", err)
	}
	if !f.WantsJSON() {
		if e.Ephemeral() {
			fmt.Fprintln(ios.ErrOut, "emulator stopped; ephemeral data removed")
		} else {
			fmt.Fprintf(ios.ErrOut, "emulator stopped; data kept in %s\n", e.DataDir())
		}
	}
	return nil
}

// Modules lists the emulator's subsystems beyond the core: WeChat tokens,
// functions, and the database (which checks tokens with the WeChat module
// and invokes functions for /tcb/invokecloudfunction).
func Modules(opts *Options, logger *slog.Logger) []emulator.Module {
	wx := wxapi.New(opts.wxOptions())
	fns := functions.New(functions.Options{NodePath: opts.NodePath, SkipInstallDeps: opts.SkipInstallDeps, Logger: logger})
	db := docdb.New(docdb.Options{Tokens: wx, Functions: fns, Logger: logger})
	return []emulator.Module{wx, fns, db}
}
