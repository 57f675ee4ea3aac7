package envcmd

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/emulator/discovery"
	"github.com/tcb-go/tcb/pkg/iostreams"
)

func runEnv(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ios, _, out, _ := iostreams.Test()
	f := cmdutil.New("test", ios)
	f.Getenv = func(string) string { return "" }
	cmd := NewCmdEnv(f, nil)
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(out)
	err := cmd.Execute()
	return out.String(), err
}

// The output is meant for eval: --listen must not smuggle shell syntax
// into it.
func TestListenIsValidatedBeforeItReachesEval(t *testing.T) {
	for _, bad := range []string{
		"127.0.0.1:1;touch /tmp/pwned",
		"127.0.0.1:$(id)",
		"127.0.0.1:0",
		"127.0.0.1:70000",
		"127.0.0.1:+80",
		"a b:9800",
		"$(id):9800",
		"host`id`:9800",
		":9800",
		"127.0.0.1",
	} {
		out, err := runEnv(t, "--listen", bad)
		var ce *cmdutil.Error
		if !errors.As(err, &ce) || ce.Code != cmdutil.ExitInput {
			t.Errorf("--listen %q: err %v, want exit 3", bad, err)
		}
		if strings.Contains(out, "export") {
			t.Errorf("--listen %q printed %q", bad, out)
		}
	}
	for _, good := range []string{"127.0.0.1:9800", "localhost:9900", "[::1]:9800", "emulator.internal:9800"} {
		out, err := runEnv(t, "--listen", good)
		if err != nil {
			t.Errorf("--listen %q: %v", good, err)
		}
		if !strings.Contains(out, "export TCB_EMULATOR_HOST="+good+"\n") {
			t.Errorf("--listen %q: output %q", good, out)
		}
	}
}

// envWith runs `tcb emulator env` with the given environment and returns
// stdout, stderr and the error.
func envWith(t *testing.T, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	ios, _, out, errb := iostreams.Test()
	f := cmdutil.New("test", ios)
	if len(args) > 0 && args[len(args)-1] == "--json" {
		f.Globals.JSON, args = true, args[:len(args)-1]
	}
	f.Getenv = func(k string) string { return env[k] }
	cmd := NewCmdEnv(f, nil)
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	err := cmd.Execute()
	return out.String(), errb.String(), err
}

// fakeEmulator records an emulator for this process, answering health as
// it, and returns its address.
func fakeEmulator(t *testing.T, cfgDir string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"status": "ok", "pid": os.Getpid()})
	}))
	t.Cleanup(srv.Close)
	addr := strings.TrimPrefix(srv.URL, "http://")
	unpublish, err := discovery.Publish(discovery.UserDir(cfgDir), discovery.Record{PID: os.Getpid(), Listen: addr, Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(unpublish)
	return addr
}

func TestEnvFindsTheRunningEmulator(t *testing.T) {
	cfg := t.TempDir()
	env := map[string]string{"TCB_CONFIG_DIR": cfg}

	// None running: the default, said on stderr (stdout stays eval-able).
	out, errOut, err := envWith(t, env)
	if err != nil || !strings.Contains(out, "export TCB_EMULATOR_HOST=127.0.0.1:9800\n") || !strings.Contains(errOut, "no running emulator") {
		t.Fatalf("none running: %q %q %v", out, errOut, err)
	}
	env["TCB_EMULATOR_HOST"] = "http://localhost:9911/"
	if out, _, _ := envWith(t, env); !strings.Contains(out, "export TCB_EMULATOR_HOST=localhost:9911\n") {
		t.Fatalf("none running, TCB_EMULATOR_HOST set: %q", out)
	}
	delete(env, "TCB_EMULATOR_HOST")

	a := fakeEmulator(t, cfg)
	out, errOut, err = envWith(t, env)
	if err != nil || !strings.Contains(out, "export TCB_EMULATOR_HOST="+a+"\n") || errOut != "" {
		t.Fatalf("one running: %q %q %v", out, errOut, err)
	}

	b := fakeEmulator(t, cfg)
	out, _, err = envWith(t, env)
	var ce *cmdutil.Error
	if !errors.As(err, &ce) || ce.Code != cmdutil.ExitInput || !strings.Contains(err.Error(), "--listen") || out != "" {
		t.Fatalf("two running: %q %v", out, err)
	}
	env["TCB_EMULATOR_HOST"] = b
	if out, _, err := envWith(t, env); err != nil || !strings.Contains(out, "export TCB_EMULATOR_HOST="+b+"\n") {
		t.Fatalf("two running, TCB_EMULATOR_HOST names one: %q %v", out, err)
	}
	if out, _, err := envWith(t, env, "--listen", a); err != nil || !strings.Contains(out, "export TCB_EMULATOR_HOST="+a+"\n") {
		t.Fatalf("--listen wins: %q %v", out, err)
	}
}

func TestEnvUnset(t *testing.T) {
	out, _, err := envWith(t, nil, "--unset")
	if err != nil || out != "unset TCB_EMULATOR_HOST TENCENTCLOUD_SECRETID TENCENTCLOUD_SECRETKEY TCB_WX_APPID TCB_WX_SECRET\n" {
		t.Fatalf("--unset: %q %v", out, err)
	}
	for _, kv := range Vars("x:1") {
		if !strings.Contains(out, " "+kv[0]) {
			t.Errorf("--unset misses %s", kv[0])
		}
	}
	out, _, err = envWith(t, nil, "--unset", "--json")
	if err != nil || !strings.Contains(out, `"unset"`) || !strings.Contains(out, `"TENCENTCLOUD_SECRETKEY"`) {
		t.Fatalf("--unset --json: %q %v", out, err)
	}
	if _, _, err := envWith(t, nil, "--unset", "--listen", "127.0.0.1:9800"); err == nil {
		t.Fatal("--unset with --listen accepted")
	}
}
