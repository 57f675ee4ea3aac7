package start

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/emulator/console"
	"github.com/tcb-go/tcb/pkg/emulator/discovery"
)

// LogName is a detached emulator's log file inside its data dir.
const LogName = "emulator.log"

// detachStartTimeout bounds how long --detach waits for the child to
// answer (a cold start on a busy machine takes well under a second; the
// margin is for very slow disks).
const detachStartTimeout = 60 * time.Second

// childArgs rebuilds the command line of the background emulator from the
// flags the user set, minus the ones RunDetached decides itself.
func childArgs(cmd *cobra.Command, opts *Options) []string {
	args := strings.Fields(cmd.CommandPath())[1:]
	cmd.Flags().Visit(func(fl *pflag.Flag) {
		switch fl.Name {
		case "detach", "listen", "data-dir", "ready-file", "log-file", "json", "jq":
			return
		}
		if sv, ok := fl.Value.(pflag.SliceValue); ok {
			for _, v := range sv.GetSlice() {
				args = append(args, "--"+fl.Name+"="+v)
			}
			return
		}
		args = append(args, "--"+fl.Name+"="+fl.Value.String())
	})
	return args
}

// RunDetached starts the emulator as a background process running the
// same binary with args (the `emulator start` command line without
// --detach), waits until it answers as itself on /_emulator/health, and
// reports where it is. An emulator already recorded at the address is
// reported instead of starting a second one.
func RunDetached(ctx context.Context, opts *Options, args []string) error {
	f := opts.F
	if _, port, _ := net.SplitHostPort(opts.Listen); port != "0" {
		if in, ok := runningAt(ctx, f, opts.Listen); ok {
			return reportRunning(f, in, opts, true)
		}
	}

	var (
		logPath string
		logf    *os.File
		err     error
	)
	if opts.Ephemeral {
		logf, err = os.CreateTemp("", "tcb-emulator-*.log")
		if err != nil {
			return cmdutil.LocalErrorf("emulator log: %v", err)
		}
		logPath = logf.Name()
	} else {
		dataDir, err := filepath.Abs(opts.DataDir)
		if err != nil {
			return cmdutil.LocalErrorf("--data-dir: %v", err)
		}
		if rec, ok := runningInDataDir(dataDir); ok {
			return cmdutil.LocalErrorf("data dir %s is in use by the emulator on %s (pid %d)", dataDir, rec.Listen, rec.PID).
				WithHint("stop it with `tcb emulator stop --listen %s`, or pick another --data-dir", rec.Listen)
		}
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return cmdutil.LocalErrorf("data dir: %v", err)
		}
		logPath = filepath.Join(dataDir, LogName)
		logf, err = os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return cmdutil.LocalErrorf("emulator log: %v", err)
		}
		args = append(args, "--data-dir="+dataDir)
	}
	readyDir, err := os.MkdirTemp("", "tcb-emulator-ready-*")
	if err != nil {
		logf.Close()
		return cmdutil.LocalErrorf("emulator: %v", err)
	}
	defer os.RemoveAll(readyDir)
	readyPath := filepath.Join(readyDir, "ready.json")
	args = append(args, "--listen="+opts.Listen)
	logStart, _ := logf.Seek(0, io.SeekEnd)
	fmt.Fprintf(logf, "--- %s: tcb %s\n", time.Now().Format(time.RFC3339), strings.Join(args, " "))
	args = append(args, "--ready-file="+readyPath, "--log-file="+logPath)

	exe, err := os.Executable()
	if err != nil {
		logf.Close()
		return cmdutil.LocalErrorf("emulator: cannot find the tcb binary to run in the background: %v", err)
	}
	child := exec.Command(exe, args...)
	child.Stdout, child.Stderr = logf, logf
	child.SysProcAttr = detachAttr()
	err = child.Start()
	logf.Close()
	if err != nil {
		return cmdutil.LocalErrorf("emulator: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- child.Wait() }()

	info, err := waitReady(ctx, readyPath, exited)
	if err != nil {
		if errors.Is(err, errExited) {
			return childFailure(child, logPath, logStart)
		}
		child.Process.Kill()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return cmdutil.Errorf("emulator: %v", err).WithHint("see its log: %s", logPath)
	}
	var rec discovery.Record
	if err := json.Unmarshal(info, &rec); err != nil || rec.PID == 0 {
		child.Process.Kill()
		return cmdutil.Errorf("emulator: unreadable start report: %v", err).WithHint("see its log: %s", logPath)
	}
	// The ready report uses the start --json field names.
	var raw struct {
		Host     string `json:"host"`
		Endpoint string `json:"endpoint"`
	}
	_ = json.Unmarshal(info, &raw)
	rec.Listen, rec.Endpoint = raw.Host, raw.Endpoint
	h, err := discovery.Probe(ctx, rec.Endpoint)
	if err != nil || h.PID != rec.PID {
		child.Process.Kill()
		if err == nil {
			err = fmt.Errorf("%s is answered by pid %d, not %d", rec.Endpoint, h.PID, rec.PID)
		}
		return cmdutil.Errorf("emulator: started but does not answer: %v", err).WithHint("see its log: %s", logPath)
	}
	rec.Version = h.Version
	child.Process.Release()
	return reportRunning(f, discovery.Instance{Record: rec, Health: h}, opts, false)
}

var errExited = errors.New("the emulator exited")

// waitReady waits for the child's ready report, its exit, or the timeout.
func waitReady(ctx context.Context, path string, exited <-chan error) ([]byte, error) {
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(detachStartTimeout)
	defer deadline.Stop()
	for {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			return b, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-exited:
			// It may have written the report and then failed; either way it
			// is not running.
			return nil, errExited
		case <-deadline.C:
			return nil, fmt.Errorf("not serving after %v", detachStartTimeout)
		case <-tick.C:
		}
	}
}

// childFailure turns a child that exited during start into an error with
// its own message, hint and exit code.
func childFailure(child *exec.Cmd, logPath string, from int64) error {
	code := cmdutil.ExitError
	if child.ProcessState != nil && child.ProcessState.ExitCode() > 0 {
		code = child.ProcessState.ExitCode()
	}
	msg, hint := "", ""
	if b, err := readFrom(logPath, from, 64<<10); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "error: "):
				msg = strings.TrimPrefix(line, "error: ")
			case strings.HasPrefix(line, "hint: "):
				hint = strings.TrimPrefix(line, "hint: ")
			}
		}
	}
	if msg == "" {
		msg = "the background emulator exited during start"
	}
	if hint != "" {
		hint += "; "
	}
	return &cmdutil.Error{Code: code, Err: errors.New(msg), Hint: hint + "log: " + logPath}
}

func readFrom(path string, off, max int64) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	if _, err := fh.Seek(off, io.SeekStart); err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(fh, max))
}

// reportRunning prints where a background emulator is and how to use and
// stop it; already says it was running before this command.
func reportRunning(f *cmdutil.Factory, in discovery.Instance, opts *Options, already bool) error {
	ios := f.IOStreams
	if already && !opts.Ephemeral {
		if want, err := filepath.Abs(opts.DataDir); err == nil && in.DataDir != "" && want != in.DataDir {
			fmt.Fprintf(ios.ErrOut, "warning: the running emulator keeps its data in %s, not %s\n", in.DataDir, want)
		}
	}
	if f.WantsJSON() {
		info := startInfo(in.Record, authOf(in, opts))
		if !opts.NoUI {
			info["console"] = in.Endpoint + console.Path
		}
		info["detached"] = true
		info["already_running"] = already
		return cmdutil.PrintJSONLine(ios.Out, info)
	}
	cs := ios.ColorScheme()
	if already {
		fmt.Fprintf(ios.Out, "%s tcb emulator already running on %s (pid %d)\n", cs.WarningIcon(), cs.Bold(in.Endpoint), in.PID)
	} else {
		fmt.Fprintf(ios.Out, "%s tcb emulator running in the background on %s (pid %d)\n", cs.SuccessIcon(), cs.Bold(in.Endpoint), in.PID)
	}
	printDetails(ios.Out, in.Record)
	if !opts.NoUI {
		fmt.Fprintf(ios.Out, "  console:    %s\n", in.Endpoint+console.Path)
	}
	if in.LogFile != "" {
		fmt.Fprintf(ios.Out, "  log:        %s\n", in.LogFile)
	}
	fmt.Fprintf(ios.Out, "  stop it:    tcb emulator stop%s\n", listenArg(in.Listen))
	return nil
}

func authOf(in discovery.Instance, opts *Options) string {
	if in.Health != nil && in.Health.Auth != "" {
		return in.Health.Auth
	}
	return opts.Auth
}
