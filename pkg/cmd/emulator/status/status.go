// Package status implements `tcb emulator status`.
package status

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/emulator/discovery"
)

// Options of emulator status.
type Options struct {
	F      *cmdutil.Factory
	Listen string
	Now    func() time.Time
}

// NewCmdStatus builds `tcb emulator status`.
func NewCmdStatus(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the running emulators: address, pid, uptime, health, data dir",
		Long: heredoc.Doc(`
			List the emulators started on this machine with this config dir (tcb emulator
			start records them while they run), each checked on /_emulator/health.
			Records of emulators that are gone are removed. --listen shows only the one
			on that address, and also finds an emulator started with another config dir
			if it answers there.

			Exit code 0 when at least one is running, 4 when none is.

			JSON fields: listen, endpoint, pid, data_dir, ephemeral, version,
			started_at, uptime_seconds, healthy, health, log_file, recorded.
		`),
		Example: heredoc.Doc(`
			$ tcb emulator status
			$ tcb emulator status --json --jq '.[0].endpoint'
			$ tcb emulator status --listen 127.0.0.1:9800 >/dev/null && echo up
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Listen != "" {
				if _, _, err := net.SplitHostPort(opts.Listen); err != nil {
					return cmdutil.FlagErrorf("--listen %q: expected host:port", opts.Listen)
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Listen, "listen", "", "show only the emulator on this address")
	return cmd
}

// Entry is one emulator in the --json output.
type Entry struct {
	Listen        string     `json:"listen"`
	Endpoint      string     `json:"endpoint"`
	PID           int        `json:"pid"`
	DataDir       string     `json:"data_dir"`
	Ephemeral     bool       `json:"ephemeral"`
	Version       string     `json:"version"`
	StartedAt     *time.Time `json:"started_at"`
	UptimeSeconds int64      `json:"uptime_seconds"`
	Healthy       bool       `json:"healthy"`
	Health        string     `json:"health"` // "ok", or why the check failed
	LogFile       string     `json:"log_file,omitempty"`
	// Recorded is false for an emulator found only by probing --listen.
	Recorded bool `json:"recorded"`
}

// Run prints the emulators.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	ios := f.IOStreams
	cfgDir, err := config.Dir(f.Getenv)
	if err != nil {
		return err
	}
	live, stale, err := discovery.Scan(ctx, discovery.UserDir(cfgDir))
	if err != nil {
		return cmdutil.LocalErrorf("reading the emulator records: %v", err)
	}
	for _, rec := range stale {
		fmt.Fprintf(ios.ErrOut, "note: removed the record of the emulator on %s (pid %d), which is gone\n", rec.Listen, rec.PID)
	}
	list := discovery.Select(live, opts.Listen)
	entries := make([]Entry, 0, len(list)+1)
	for _, in := range list {
		entries = append(entries, entry(in, true, opts.Now()))
	}
	if len(list) == 0 && opts.Listen != "" {
		// Not recorded here: perhaps started with another config dir.
		if h, err := discovery.Probe(ctx, "http://"+opts.Listen); err == nil {
			in := discovery.Instance{Record: discovery.Record{PID: h.PID, Listen: opts.Listen, Endpoint: "http://" + opts.Listen,
				DataDir: h.DataDir, Ephemeral: h.Ephemeral, Version: h.Version}, Health: h}
			entries = append(entries, entry(in, false, opts.Now()))
		}
	}

	if f.WantsJSON() {
		if err := cmdutil.PrintJSON(ios.Out, entries, f.Globals.JQ); err != nil {
			return err
		}
	} else if len(entries) > 0 {
		cs := ios.ColorScheme()
		t := cmdutil.NewTable(ios, "Address", "PID", "Uptime", "Health", "Version", "Data dir")
		for _, e := range entries {
			health := cs.Green(e.Health)
			if !e.Healthy {
				health = cs.Red(e.Health)
			}
			dir := e.DataDir
			if e.Ephemeral {
				dir += " (ephemeral)"
			}
			t.Row(e.Endpoint, pidText(e.PID), uptimeText(e.UptimeSeconds), health, e.Version, dir)
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	if len(entries) == 0 {
		where := ""
		if opts.Listen != "" {
			where = " on " + opts.Listen
		}
		return cmdutil.NotFoundErrorf("no emulator is running%s", where).
			WithHint("start one with `tcb emulator start --detach`")
	}
	return nil
}

func entry(in discovery.Instance, recorded bool, now time.Time) Entry {
	e := Entry{Listen: in.Listen, Endpoint: in.Endpoint, PID: in.PID, DataDir: in.DataDir, Ephemeral: in.Ephemeral,
		Version: in.Version, LogFile: in.LogFile, Recorded: recorded}
	if !in.StartedAt.IsZero() {
		t := in.StartedAt
		e.StartedAt = &t
		e.UptimeSeconds = int64(now.Sub(t).Seconds())
	}
	switch {
	case in.Verified() || (!recorded && in.Health != nil):
		e.Healthy, e.Health = true, in.Health.Status
		e.UptimeSeconds = in.Health.UptimeSeconds
		if in.Health.Version != "" {
			e.Version = in.Health.Version
		}
	case in.Health != nil:
		e.Health = fmt.Sprintf("answered by pid %d", in.Health.PID)
	case in.ProbeErr != nil:
		e.Health = "not answering: " + in.ProbeErr.Error()
	default:
		e.Health = "not answering"
	}
	return e
}

func pidText(pid int) string {
	if pid <= 0 {
		return "?"
	}
	return fmt.Sprint(pid)
}

func uptimeText(sec int64) string {
	if sec < 0 {
		sec = 0
	}
	return (time.Duration(sec) * time.Second).String()
}
