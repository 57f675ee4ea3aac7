package fndeploy_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/emulator"
	"github.com/tcb-go/tcb/pkg/emulator/functions"
	"github.com/tcb-go/tcb/pkg/fndeploy"
	"github.com/tcb-go/tcb/pkg/project"
)

// emulatorEnv starts an in-process emulator with the functions module and
// returns a client and a ready environment.
func emulatorEnv(t *testing.T) (*cloudapi.Client, string) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	e := emulatortest.Start(t, emulatortest.Options{Options: emulator.Options{Latency: 50 * time.Millisecond}}, functions.New(functions.Options{}))
	return e.Client, e.NewEnv("deploy")
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A function whose last update failed (UpdateFailed) runs its previous
// code and accepts new code: the next deploy must update it back to
// Active, not stop at "hello is UpdateFailed" forever. That holds even
// when the local code is the previous, still-live revision again.
func TestDeployRecoversFromUpdateFailed(t *testing.T) {
	c, envID := emulatorEnv(t)
	ctx := context.Background()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "index.js"), `exports.main = async () => "v1"`)
	noDeps := false
	spec, err := fndeploy.NewSpec(project.Function{Name: "hello", Dir: dir, Timeout: 3, InstallDependency: &noDeps}, fndeploy.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	d := &fndeploy.Deployer{API: c, Namespace: envID, PollInterval: 20 * time.Millisecond, WaitTimeout: 20 * time.Second,
		ConfirmUpdate: func(string) (bool, error) { return true, nil }}

	if r := d.Deploy(ctx, spec); r.Err != nil || r.Action != fndeploy.ActionCreate {
		t.Fatalf("create: %+v", r)
	}

	// A broken package.json with dependency installation fails the update.
	write(t, filepath.Join(dir, "package.json"), `{not json`)
	broken := spec
	broken.InstallDependency = true
	r := d.Deploy(ctx, broken)
	var se *fndeploy.StateError
	if !errors.As(r.Err, &se) || se.Status != cloudapi.StatusUpdateFailed {
		t.Fatalf("broken update: %+v", r)
	}

	// Back to the live revision (same files, same settings): upload anyway.
	if err := os.Remove(filepath.Join(dir, "package.json")); err != nil {
		t.Fatal(err)
	}
	r = d.Deploy(ctx, spec)
	if r.Err != nil || !r.CodeUploaded {
		t.Fatalf("redeploy after UpdateFailed: %+v", r)
	}
	if f, err := c.GetFunction(ctx, envID, "hello"); err != nil || f.Status != cloudapi.StatusActive {
		t.Fatalf("after redeploy: %v %v", f, err)
	}

	// fn config update works on an UpdateFailed function too.
	write(t, filepath.Join(dir, "package.json"), `{not json`)
	if r := d.Deploy(ctx, broken); r.Err == nil {
		t.Fatalf("second broken update succeeded: %+v", r)
	}
	cfg := spec
	cfg.Timeout = 5
	if r := d.UpdateConfig(ctx, cfg); r.Err != nil || !r.ConfigUpdated {
		t.Fatalf("config update after UpdateFailed: %+v", r)
	}
}
