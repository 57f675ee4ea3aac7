// Package start implements `tcb emulator start`.
package start

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/build"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/emulator"
	"github.com/tcb-go/tcb/pkg/emulator/console"
	"github.com/tcb-go/tcb/pkg/emulator/cos"
	"github.com/tcb-go/tcb/pkg/emulator/discovery"
	"github.com/tcb-go/tcb/pkg/emulator/docdb"
	"github.com/tcb-go/tcb/pkg/emulator/functions"
	"github.com/tcb-go/tcb/pkg/emulator/gateway"
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
	// AllowHosts are extra names the emulator answers to (--allow-host).
	AllowHosts []string

	// WeChat token endpoints (pkg/emulator/wxapi).
	WxApps          []string // APPID:SECRET flags
	TokenTTL        time.Duration
	TokenOverlap    time.Duration
	TokenDailyQuota int
	wxApps          map[string]string

	// Functions (pkg/emulator/functions).
	NodePath        string
	SkipInstallDeps bool
	// WebIdleTimeout stops an unused web function server (0: never).
	WebIdleTimeout time.Duration

	// NoUI turns the web console (pkg/emulator/console) off.
	NoUI bool

	// Detach runs the emulator in the background (detach.go).
	Detach bool
	// ReadyFile and LogFile are set by a detaching parent for its child
	// (hidden flags): the child writes its start info to ReadyFile once it
	// serves, and records LogFile (its stdout/stderr) in its discovery
	// record.
	ReadyFile string
	LogFile   string

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
			admin endpoints under /_emulator/ (health, state, reset, faults), and a web
			console at /_emulator/ui/ that shows and changes all of it (--no-ui turns it
			off).

			State is written to --data-dir on every change, so Ctrl-C loses nothing and a
			restart picks up where it stopped. --ephemeral uses a temporary directory that
			is removed on exit. --listen 127.0.0.1:0 picks a free port and prints it;
			without --listen, a local TCB_EMULATOR_HOST names the address, else
			127.0.0.1:9800.

			--detach (-d) runs the emulator in the background: it returns once the
			emulator answers, with its output in <data dir>/emulator.log. A second
			--detach on the same address reports the running one.

			While it runs, the emulator is recorded in <data dir>/emulator.json and
			under the config dir, so that tcb emulator status, stop and env find it.

			The emulator accepts the development keys it prints (and, with --auth lenient,
			any keys without checking signatures). Point tcb at it with:

			    eval "$(tcb emulator env)"
		`),
		Example: heredoc.Doc(`
			$ tcb emulator start
			$ tcb emulator start --detach && eval "$(tcb emulator env)"
			$ tcb emulator start --ephemeral --listen 127.0.0.1:0 --json
			$ tcb emulator start --data-dir /tmp/cb --latency 2s
			$ tcb emulator start --token-ttl 6s --token-overlap 2s --wx-app wx0123456789abcdef:APPSECRET
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("listen") {
				if h, ok := discovery.LocalHostPort(f.EmulatorHost()); ok {
					opts.Listen = h
				}
			}
			if opts.Ephemeral && cmd.Flags().Changed("data-dir") {
				return cmdutil.FlagErrorf("--data-dir and --ephemeral are mutually exclusive")
			}
			if opts.Auth != "strict" && opts.Auth != "lenient" {
				return cmdutil.FlagErrorf("--auth must be strict or lenient, not %q", opts.Auth)
			}
			if opts.Latency < 0 || opts.Latency > 10*time.Minute {
				return cmdutil.FlagErrorf("--latency must be between 0 and 10m")
			}
			if opts.WebIdleTimeout < 0 {
				return cmdutil.FlagErrorf("--web-idle-timeout must not be negative (0 keeps web function servers running)")
			}
			if _, _, err := net.SplitHostPort(opts.Listen); err != nil {
				return cmdutil.FlagErrorf("--listen %q: expected host:port", opts.Listen)
			}
			if !cmd.Flags().Changed("token-overlap") {
				// The default overlap is at most half the TTL, so
				// --token-ttl 60s alone works.
				opts.TokenOverlap = min(wxapi.DefaultOverlap, opts.TokenTTL/2)
			}
			if err := opts.parseWx(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			if opts.Detach {
				return RunDetached(cmd.Context(), opts, childArgs(cmd, opts))
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Listen, "listen", emulator.DefaultListen, "address to listen on (port 0 picks a free port; a local TCB_EMULATOR_HOST overrides the default)")
	fl.StringVar(&opts.DataDir, "data-dir", emulator.DefaultDataDir, "directory for the emulator's state")
	fl.BoolVar(&opts.Ephemeral, "ephemeral", false, "keep state in a temporary directory removed on exit")
	fl.StringVar(&opts.Auth, "auth", "strict", "signature checking: strict (verify TC3 signatures) or lenient (accept any keys)")
	fl.DurationVar(&opts.Latency, "latency", 500*time.Millisecond, "how long async states last (env INITIALIZING, function Creating/Updating)")
	fl.IntVar(&opts.MaxEnvs, "max-envs", 10, "environment limit reported by DescribeEnvLimit and enforced by CreateEnv")
	fl.StringArrayVar(&opts.AllowHosts, "allow-host", nil, "also answer requests for this `host` name (or *.domain, or IP); only loopback names and the listen address are served otherwise (DNS rebinding protection; repeatable)")
	fl.StringArrayVar(&opts.WxApps, "wx-app", nil, "extra WeChat app `APPID:SECRET` for the token endpoints (repeatable; the demo app is always there)")
	fl.DurationVar(&opts.TokenTTL, "token-ttl", wxapi.DefaultTTL, "lifetime of WeChat access_tokens (expires_in)")
	fl.DurationVar(&opts.TokenOverlap, "token-overlap", wxapi.DefaultOverlap, "how long a superseded cgi-bin/token token keeps working; also the stable_token pre-rotation window (default: 5m, at most half of --token-ttl)")
	fl.StringVar(&opts.NodePath, "node", "", "node binary that runs functions (default: node on PATH)")
	fl.BoolVar(&opts.SkipInstallDeps, "skip-install-deps", false, "never run npm install for functions with installDependency")
	fl.DurationVar(&opts.WebIdleTimeout, "web-idle-timeout", functions.DefaultWebIdleTimeout, "stop a web function's server after this long without requests (0: never)")
	fl.IntVar(&opts.TokenDailyQuota, "token-daily-quota", wxapi.DefaultLegacyDailyQuota, "cgi-bin/token calls per app per day before errcode 45009 (-1: unlimited)")
	fl.BoolVar(&opts.NoUI, "no-ui", false, "do not serve the web console at /_emulator/ui/")
	fl.BoolVarP(&opts.Detach, "detach", "d", false, "run in the background and return once it answers (output in <data dir>/emulator.log)")
	fl.StringVar(&opts.ReadyFile, "ready-file", "", "internal: where a detached emulator reports it is serving")
	fl.StringVar(&opts.LogFile, "log-file", "", "internal: a detached emulator's log file")
	_ = fl.MarkHidden("ready-file")
	_ = fl.MarkHidden("log-file")
	return cmd
}

// Run starts the emulator and blocks until the context ends.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	ios := f.IOStreams
	level := slog.LevelWarn
	if f.Globals.Verbose || ios.IsStderrTTY() || opts.LogFile != "" {
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

		AllowHosts: opts.AllowHosts,
	}
	e, err := emulator.New(eopts, Modules(opts, logger)...)
	if err != nil {
		ce := cmdutil.LocalErrorf("emulator: %v", err)
		if !opts.Ephemeral {
			if rec, ok := runningInDataDir(opts.DataDir); ok {
				ce = ce.WithHint("the emulator on %s (pid %d) uses it: `tcb emulator stop --listen %s`, or pick another --data-dir", rec.Listen, rec.PID, rec.Listen)
			}
		}
		return ce
	}
	if err := e.Listen(); err != nil {
		e.Close(context.Background())
		ce := cmdutil.LocalErrorf("emulator: %v", err)
		if in, ok := runningAt(ctx, f, opts.Listen); ok {
			return ce.WithHint("an emulator already runs there (pid %d, data dir %s): see `tcb emulator status`, stop it with `tcb emulator stop`, or pick another --listen", in.PID, in.DataDir)
		}
		return ce.WithHint("another process uses the port? pick one with --listen 127.0.0.1:PORT (0 = any free port)")
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- e.Serve() }()

	rec := discovery.Record{
		PID:       os.Getpid(),
		Listen:    e.Addr(),
		Endpoint:  e.Endpoint(),
		DataDir:   e.DataDir(),
		Ephemeral: e.Ephemeral(),
		Version:   build.Version,
		StartedAt: time.Now().UTC().Truncate(time.Second),
		LogFile:   opts.LogFile,
	}
	unpublish, err := discovery.Publish(userDir(f), rec)
	if unpublish == nil {
		unpublish = func() {}
	}
	if err != nil {
		fmt.Fprintf(ios.ErrOut, "warning: tcb emulator status/stop/env will not find this emulator: %v\n", err)
	}
	info := startInfo(rec, opts.Auth)
	if !opts.NoUI {
		info["console"] = rec.Endpoint + console.Path
	}
	if opts.ReadyFile != "" {
		if err := writeReady(opts.ReadyFile, info); err != nil {
			fmt.Fprintf(ios.ErrOut, "warning: %v\n", err)
		}
	}
	if f.WantsJSON() {
		if err := cmdutil.PrintJSONLine(ios.Out, info); err != nil {
			unpublish()
			e.Close(context.Background())
			return err
		}
	} else {
		cs := ios.ColorScheme()
		fmt.Fprintf(ios.Out, "%s tcb emulator listening on %s\n", cs.SuccessIcon(), cs.Bold(e.Endpoint()))
		printDetails(ios.Out, rec)
		if !opts.NoUI {
			fmt.Fprintf(ios.Out, "  console:    %s\n", cs.Bold(rec.Endpoint+console.Path))
		}
		fmt.Fprintf(ios.Out, "  stop it:    Ctrl-C, or `tcb emulator stop%s` from another terminal\n", listenArg(rec.Listen))
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
			unpublish()
			e.Close(context.Background())
			return fmt.Errorf("emulator: %w", err)
		}
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	closeErr := e.Close(shutdownCtx)
	unpublish()
	if closeErr != nil {
		return fmt.Errorf("emulator shutdown: %w", closeErr)
	}
	if rec.Ephemeral && opts.LogFile != "" {
		os.Remove(opts.LogFile) // a detached ephemeral emulator leaves nothing behind
	}
	if !f.WantsJSON() {
		fmt.Fprintln(ios.ErrOut, StoppedMessage(rec.Ephemeral, rec.DataDir))
	}
	return nil
}

// StoppedMessage says what became of the data of a stopped emulator.
func StoppedMessage(ephemeral bool, dataDir string) string {
	if ephemeral {
		return "emulator stopped; its ephemeral data dir was removed"
	}
	return "emulator stopped; data kept in " + dataDir
}

// startInfo is the --json object of emulator start (foreground and
// detached).
func startInfo(rec discovery.Record, auth string) map[string]any {
	info := map[string]any{
		"endpoint":   rec.Endpoint,
		"host":       rec.Listen,
		"pid":        rec.PID,
		"secret_id":  config.EmulatorSecretID,
		"secret_key": config.EmulatorSecretKey,
		"wx_appid":   config.EmulatorWxAppID,
		"wx_secret":  config.EmulatorWxSecret,
		"data_dir":   rec.DataDir,
		"ephemeral":  rec.Ephemeral,
		"auth":       auth,
	}
	if rec.LogFile != "" {
		info["log_file"] = rec.LogFile
	}
	return info
}

// printDetails writes the lines shared by the foreground and detached
// start output.
func printDetails(w io.Writer, rec discovery.Record) {
	fmt.Fprintf(w, "  data dir:   %s", rec.DataDir)
	if rec.Ephemeral {
		fmt.Fprint(w, " (ephemeral, removed on exit)")
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  SecretId:   %s\n  SecretKey:  %s\n", config.EmulatorSecretID, config.EmulatorSecretKey)
	fmt.Fprintf(w, "  WeChat app: %s / %s\n", config.EmulatorWxAppID, config.EmulatorWxSecret)
	fmt.Fprintf(w, "  use it:     eval \"$(tcb emulator env%s)\"\n", listenArg(rec.Listen))
}

// listenArg is " --listen ADDR" unless addr is the default.
func listenArg(addr string) string {
	if addr == emulator.DefaultListen {
		return ""
	}
	return " --listen " + addr
}

// userDir is where discovery records go ("" when there is no config dir).
func userDir(f *cmdutil.Factory) string {
	dir, err := config.Dir(f.Getenv)
	if err != nil {
		return ""
	}
	return discovery.UserDir(dir)
}

// runningAt finds a live emulator recorded at addr.
func runningAt(ctx context.Context, f *cmdutil.Factory, addr string) (discovery.Instance, bool) {
	dir := userDir(f)
	if dir == "" {
		return discovery.Instance{}, false
	}
	live, _, err := discovery.Scan(ctx, dir)
	if err != nil {
		return discovery.Instance{}, false
	}
	for _, in := range discovery.Select(live, addr) {
		if in.Verified() {
			return in, true
		}
	}
	return discovery.Instance{}, false
}

// runningInDataDir reads the record of a live emulator in dataDir.
func runningInDataDir(dataDir string) (discovery.Record, bool) {
	if dataDir == "" {
		dataDir = emulator.DefaultDataDir
	}
	rec, err := discovery.ReadDataDir(dataDir)
	if err != nil || !discovery.Running(rec.PID) {
		return rec, false
	}
	return rec, true
}

func writeReady(path string, info map[string]any) error {
	b, err := json.Marshal(info)
	if err != nil {
		return err
	}
	return config.WriteFileAtomic(path, append(b, '\n'), 0o600)
}

// Modules lists the emulator's subsystems beyond the core: WeChat tokens,
// functions, the database and storage (COS buckets, files, hosted sites);
// the last three check the access_tokens of their /tcb/* paths with the
// WeChat module.
func Modules(opts *Options, logger *slog.Logger) []emulator.Module {
	wx := wxapi.New(opts.wxOptions())
	webIdle := opts.WebIdleTimeout
	if webIdle == 0 {
		webIdle = -1 // never
	}
	fns := functions.New(functions.Options{NodePath: opts.NodePath, SkipInstallDeps: opts.SkipInstallDeps, WebIdleTimeout: webIdle, Logger: logger, Tokens: wx})
	db := docdb.New(docdb.Options{Tokens: wx, Logger: logger})
	mods := []emulator.Module{wx, fns, gateway.New(gateway.Options{Functions: fns, Logger: logger}), db, cos.New(cos.Options{Tokens: wx, Logger: logger})}
	if !opts.NoUI {
		mods = append(mods, console.New(console.Options{WeChat: wx, Logger: logger}))
	}
	return mods
}
