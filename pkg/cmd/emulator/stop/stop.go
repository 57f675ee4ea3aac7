// Package stop implements `tcb emulator stop`.
package stop

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/emulator/discovery"
)

// Options of emulator stop.
type Options struct {
	F       *cmdutil.Factory
	Listen  string
	All     bool
	Timeout time.Duration
}

// NewCmdStop builds `tcb emulator stop`.
func NewCmdStop(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "stop",
		Short: "Stop a running emulator (it keeps its data)",
		Long: heredoc.Doc(`
			Stop an emulator started with tcb emulator start (in the background with
			--detach, or in another terminal) and wait until it has exited. Its state stays
			in its data dir for the next start; an --ephemeral emulator's is removed.

			The emulator is found through the records emulator start keeps under the
			config dir: the only one running, or, with several, the one --listen (else
			TCB_EMULATOR_HOST) names; --all stops every one. It is sent SIGTERM only after
			its /_emulator/health answers with the recorded pid.

			Exit code 4 when no emulator is running, 3 when several are and none is named.
		`),
		Example: heredoc.Doc(`
			$ tcb emulator stop
			$ tcb emulator stop --listen 127.0.0.1:9900
			$ tcb emulator stop --all --json
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.All && opts.Listen != "" {
				return cmdutil.FlagErrorf("--all and --listen are mutually exclusive")
			}
			if opts.Listen != "" {
				if _, _, err := net.SplitHostPort(opts.Listen); err != nil {
					return cmdutil.FlagErrorf("--listen %q: expected host:port", opts.Listen)
				}
			}
			if opts.Timeout <= 0 {
				return cmdutil.FlagErrorf("--timeout must be positive")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Listen, "listen", "", "the address of the emulator to stop")
	cmd.Flags().BoolVar(&opts.All, "all", false, "stop every running emulator")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", 30*time.Second, "how long to wait for the emulator to exit")
	return cmd
}

// Result is what --json prints for one stopped emulator.
type Result struct {
	PID         int    `json:"pid"`
	Listen      string `json:"listen"`
	Endpoint    string `json:"endpoint"`
	DataDir     string `json:"data_dir"`
	Ephemeral   bool   `json:"ephemeral"`
	DataRemoved bool   `json:"data_removed"`
}

// Run stops the chosen emulators.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	cfgDir, err := config.Dir(f.Getenv)
	if err != nil {
		return err
	}
	live, _, err := discovery.Scan(ctx, discovery.UserDir(cfgDir))
	if err != nil {
		return cmdutil.LocalErrorf("reading the emulator records: %v", err)
	}
	var targets []discovery.Instance
	if opts.All {
		if len(live) == 0 {
			return notRunning(ctx, "")
		}
		targets = live
	} else {
		in, err := discovery.Choose(live, opts.Listen, f.EmulatorHost())
		var amb *discovery.AmbiguousError
		switch {
		case errors.As(err, &amb):
			return cmdutil.FlagErrorf("%v: pick one with --listen, or stop them all with --all", err)
		case err != nil:
			return notRunning(ctx, opts.Listen)
		}
		targets = []discovery.Instance{in}
	}

	var results []Result
	for _, in := range targets {
		if err := stopOne(ctx, in, opts.Timeout); err != nil {
			return err
		}
		r := Result{PID: in.PID, Listen: in.Listen, Endpoint: in.Endpoint, DataDir: in.DataDir, Ephemeral: in.Ephemeral, DataRemoved: in.Ephemeral}
		results = append(results, r)
		if !f.WantsJSON() {
			cs := f.IOStreams.ColorScheme()
			fmt.Fprintf(f.IOStreams.Out, "%s Stopped the emulator on %s (pid %d); %s\n", cs.SuccessIcon(), in.Endpoint, in.PID, DataFate(in.Ephemeral, in.DataDir))
		}
	}
	if f.WantsJSON() {
		if opts.All {
			return cmdutil.PrintJSON(f.IOStreams.Out, results, f.Globals.JQ)
		}
		return cmdutil.PrintJSON(f.IOStreams.Out, results[0], f.Globals.JQ)
	}
	return nil
}

// DataFate says what became of a stopped emulator's data.
func DataFate(ephemeral bool, dataDir string) string {
	if ephemeral {
		return "its ephemeral data dir was removed"
	}
	return "data kept in " + dataDir
}

// stopOne signals a verified emulator and waits for it to exit.
func stopOne(ctx context.Context, in discovery.Instance, timeout time.Duration) error {
	if !in.Verified() {
		why := "does not answer on " + in.Endpoint + "/_emulator/health"
		if in.ProbeErr != nil {
			why += " (" + in.ProbeErr.Error() + ")"
		}
		return cmdutil.Errorf("the emulator recorded on %s (pid %d) %s: not signalling pid %d", in.Listen, in.PID, why, in.PID).
			WithHint("if it hangs, end it yourself (kill %d); if pid %d is not an emulator any more, delete %s", in.PID, in.PID, in.Path)
	}
	if err := discovery.Terminate(in.PID); err != nil {
		return cmdutil.Errorf("stopping the emulator on %s (pid %d): %v", in.Listen, in.PID, err)
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := discovery.WaitExit(wctx, in, 25*time.Millisecond); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return cmdutil.Errorf("the emulator on %s (pid %d) did not exit within %v", in.Listen, in.PID, timeout).
			WithHint("it may still be shutting down; check with `tcb emulator status`, or end it with kill %d", in.PID)
	}
	discovery.Forget(in) // a killed process (Windows) leaves its records behind
	return nil
}

// notRunning is the exit-4 error, with what the address says when one was
// named but nothing started from here is recorded there.
func notRunning(ctx context.Context, listen string) error {
	if listen == "" {
		return cmdutil.NotFoundErrorf("no emulator is running").
			WithHint("`tcb emulator status` lists the running ones; emulators started with another TCB_CONFIG_DIR are not seen")
	}
	if h, err := discovery.Probe(ctx, "http://"+listen); err == nil && h.PID != 0 {
		return cmdutil.NotFoundErrorf("no emulator started from here runs on %s", listen).
			WithHint("an emulator (pid %d, data dir %s) answers there but was started with another config dir: stop it where it was started, or with kill %d", h.PID, h.DataDir, h.PID)
	}
	return cmdutil.NotFoundErrorf("no emulator is running on %s", listen).
		WithHint("`tcb emulator status` lists the running ones")
}
