package start

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/emulator"
	"github.com/tcb-go/tcb/pkg/emulator/discovery"
	"github.com/tcb-go/tcb/pkg/iostreams"
)

type harness struct {
	f        *cmdutil.Factory
	out, err *bytes.Buffer
	cfgDir   string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	ios, _, out, errb := iostreams.Test()
	f := cmdutil.New("test", ios)
	cfgDir := filepath.Join(t.TempDir(), "tcb")
	f.Getenv = func(k string) string {
		if k == "TCB_CONFIG_DIR" {
			return cfgDir
		}
		return ""
	}
	return &harness{f: f, out: out, err: errb, cfgDir: cfgDir}
}

// run starts the emulator with opts, calls during() once it serves, then
// stops it the way Ctrl-C does and returns Run's error.
func (h *harness) run(t *testing.T, opts *Options, during func(*emulator.Emulator)) error {
	t.Helper()
	opts.F = h.f
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	if opts.Auth == "" {
		opts.Auth = "strict"
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan *emulator.Emulator, 1)
	opts.Ready = func(e *emulator.Emulator) { ready <- e }
	done := make(chan error, 1)
	go func() { done <- Run(ctx, opts) }()
	select {
	case e := <-ready:
		during(e)
	case err := <-done:
		t.Fatalf("Run returned before serving: %v\n%s", err, h.err)
	case <-time.After(30 * time.Second):
		t.Fatal("emulator did not start")
	}
	cancel()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("emulator did not stop")
	}
	return nil
}

func realPath(t *testing.T, p string) string {
	t.Helper()
	r, err := filepath.EvalSymlinks(p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A relative --data-dir (the default .tcb-emulator) is made absolute at
// start: functions' node_modules links are built from it and a relative
// one dangles. The emulator is recorded for status/stop/env while it runs,
// and the records go on a clean exit.
func TestRelativeDataDirIsAbsoluteAndRecorded(t *testing.T) {
	h := newHarness(t)
	work := t.TempDir()
	t.Chdir(work)
	readyFile := filepath.Join(t.TempDir(), "ready.json")
	var rec discovery.Record
	var userFile string
	err := h.run(t, &Options{DataDir: emulator.DefaultDataDir, ReadyFile: readyFile}, func(e *emulator.Emulator) {
		if !filepath.IsAbs(e.DataDir()) || realPath(t, e.DataDir()) != realPath(t, filepath.Join(work, emulator.DefaultDataDir)) {
			t.Errorf("data dir %q, want the absolute %s", e.DataDir(), filepath.Join(work, emulator.DefaultDataDir))
		}
		if !strings.Contains(h.out.String(), "data dir:   "+e.DataDir()+"\n") {
			t.Errorf("start output does not show the absolute data dir:\n%s", h.out)
		}
		var err error
		rec, err = discovery.ReadDataDir(e.DataDir())
		if err != nil || rec.PID != os.Getpid() || rec.Listen != e.Addr() || rec.DataDir != e.DataDir() || rec.Endpoint != e.Endpoint() {
			t.Fatalf("data dir record %+v: %v", rec, err)
		}
		live, _, err := discovery.Scan(context.Background(), discovery.UserDir(h.cfgDir))
		if err != nil || len(live) != 1 || !live[0].Verified() || live[0].DataDir != e.DataDir() {
			t.Fatalf("user records: %+v %v", live, err)
		}
		userFile = live[0].Path
		if fi, err := os.Stat(userFile); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("user record mode: %v %v", fi.Mode(), err)
		}
		var info map[string]any
		b, err := os.ReadFile(readyFile)
		if err != nil || json.Unmarshal(b, &info) != nil || info["host"] != e.Addr() || info["data_dir"] != e.DataDir() {
			t.Errorf("ready file %s: %v", b, err)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{userFile, filepath.Join(rec.DataDir, discovery.FileName)} {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("record %s left after a clean exit: %v", p, err)
		}
	}
	if want := "emulator stopped; data kept in " + rec.DataDir + "\n"; !strings.Contains(h.err.String(), want) {
		t.Errorf("stop message: %q, want %q", h.err, want)
	}
}

// An ephemeral emulator never claims to keep data in the directory it has
// just removed.
func TestEphemeralMessages(t *testing.T) {
	h := newHarness(t)
	var dir string
	err := h.run(t, &Options{Ephemeral: true}, func(e *emulator.Emulator) {
		dir = e.DataDir()
		if !e.Ephemeral() {
			t.Error("not ephemeral")
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("ephemeral data dir %s still there: %v", dir, err)
	}
	all := h.out.String() + h.err.String()
	if strings.Contains(all, "kept") {
		t.Errorf("ephemeral output talks of kept data:\n%s", all)
	}
	if !strings.Contains(h.out.String(), "(ephemeral, removed on exit)") {
		t.Errorf("start output:\n%s", h.out)
	}
	if !strings.Contains(h.err.String(), "emulator stopped; its ephemeral data dir was removed") {
		t.Errorf("stop output:\n%s", h.err)
	}
	if StoppedMessage(true, dir) == StoppedMessage(false, dir) {
		t.Error("one message for both")
	}
}

// --json prints one line with the absolute data dir and the pid.
func TestStartJSON(t *testing.T) {
	h := newHarness(t)
	h.f.Globals.JSON = true
	t.Chdir(t.TempDir())
	err := h.run(t, &Options{DataDir: "rel/dir"}, func(e *emulator.Emulator) {
		var info struct {
			Host    string `json:"host"`
			DataDir string `json:"data_dir"`
			PID     int    `json:"pid"`
		}
		line, _, _ := strings.Cut(h.out.String(), "\n")
		if err := json.Unmarshal([]byte(line), &info); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		if info.Host != e.Addr() || !filepath.IsAbs(info.DataDir) || !strings.HasSuffix(info.DataDir, filepath.Join("rel", "dir")) || info.PID != os.Getpid() {
			t.Errorf("start --json: %+v", info)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if h.err.Len() != 0 && strings.Contains(h.err.String(), "stopped") {
		t.Errorf("--json prints no stop message: %q", h.err)
	}
}

// The background emulator runs the same flags, minus the ones --detach
// decides itself.
func TestChildArgs(t *testing.T) {
	h := newHarness(t)
	var got []string
	var start *cobra.Command
	start = NewCmdStart(h.f, func(ctx context.Context, o *Options) error {
		got = childArgs(start, o)
		return nil
	})
	root := &cobra.Command{Use: "tcb"}
	root.PersistentFlags().Bool("json", false, "")
	group := &cobra.Command{Use: "emulator"}
	root.AddCommand(group)
	group.AddCommand(start)
	root.SetArgs([]string{"emulator", "start", "-d", "--json", "--latency", "2s", "--auth", "lenient", "--ephemeral",
		"--wx-app", "wx0123456789abcdef:APPSECRET", "--wx-app", "wx0123456789abcdee:OTHER", "--listen", "127.0.0.1:9900"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	want := []string{"emulator", "start", "--auth=lenient", "--ephemeral=true", "--latency=2s",
		"--wx-app=wx0123456789abcdef:APPSECRET", "--wx-app=wx0123456789abcdee:OTHER"}
	if !slices.Equal(got, want) {
		t.Errorf("child args\n got %q\nwant %q", got, want)
	}
}

// --token-ttl alone works: the default overlap is at most half of it; an
// explicit overlap must still be below the TTL.
func TestTokenTTLAlone(t *testing.T) {
	h := newHarness(t)
	run := func(args ...string) (*Options, error) {
		var got *Options
		cmd := NewCmdStart(h.f, func(ctx context.Context, o *Options) error {
			got = o
			return nil
		})
		cmd.SetArgs(args)
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		return got, cmd.Execute()
	}
	o, err := run("--token-ttl", "60s")
	if err != nil || o.TokenOverlap != 30*time.Second {
		t.Fatalf("--token-ttl 60s: %v %+v", err, o)
	}
	if o, err := run("--token-ttl", "2h"); err != nil || o.TokenOverlap != 5*time.Minute {
		t.Fatalf("--token-ttl 2h: %v", err)
	}
	if _, err := run("--token-ttl", "60s", "--token-overlap", "90s"); err == nil || !strings.Contains(err.Error(), "below --token-ttl") {
		t.Fatalf("an explicit overlap over the TTL: %v", err)
	}
}
