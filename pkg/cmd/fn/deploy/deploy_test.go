package deploy

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/emulator/functions"
	"github.com/tcb-go/tcb/pkg/iostreams"
	"github.com/tcb-go/tcb/pkg/prompt"
)

// askFirst records how much progress had been written when each question
// was asked.
type askFirst struct {
	prompt.Fake
	errOut  *bytes.Buffer
	written []int
}

func (a *askFirst) Confirm(message string, def bool) (bool, error) {
	a.written = append(a.written, a.errOut.Len())
	return a.Fake.Confirm(message, def)
}

// On a terminal, deploying functions that exist already asks one question
// about all of them before anything else is printed or any spinner runs.
func TestDeployAsksOnceBeforeProgress(t *testing.T) {
	e := emulatortest.Start(t, emulatortest.Options{}, functions.New(functions.Options{SkipInstallDeps: true}))
	envID := e.NewEnv("deploy")

	dir := t.TempDir()
	for _, name := range []string{"fa", "fb", "fc"} {
		os.MkdirAll(filepath.Join(dir, "functions", name), 0o755)
		os.WriteFile(filepath.Join(dir, "functions", name, "index.js"), []byte("exports.main = async () => '"+name+"'\n"), 0o644)
	}
	os.WriteFile(filepath.Join(dir, "cloudbaserc.json"), []byte(`{"version":"2.0","envId":"`+envID+
		`","functionRoot":"functions","functions":[{"name":"fa"},{"name":"fb"},{"name":"fc"}]}`), 0o644)

	run := func(p prompt.Prompter, errOut *bytes.Buffer, ios *iostreams.IOStreams, force bool) error {
		f := cmdutil.New("test", ios)
		vars := map[string]string{"TCB_CONFIG_DIR": t.TempDir(), "TCB_EMULATOR_HOST": e.Addr(), "TCB_ENV_ID": envID}
		f.Getenv = func(k string) string { return vars[k] }
		f.Prompter = p
		f.Globals.ConfigFile = filepath.Join(dir, "cloudbaserc.json")
		return Run(context.Background(), &Options{F: f, All: true, Names: nil, Parallel: 3, Force: force, Timeout: 60e9})
	}
	// The first deploy creates all three.
	ios, _, _, errOut := iostreams.Test()
	if err := run(prompt.NoTTY{}, errOut, ios, true); err != nil {
		t.Fatal(err)
	}

	ios, _, _, errOut = iostreams.Test()
	ios.SetStdinTTY(true)
	ios.SetStdoutTTY(true)
	p := &askFirst{errOut: errOut}
	p.Answer("3 functions already exist", true)
	if err := run(p, errOut, ios, false); err != nil {
		t.Fatal(err)
	}
	if len(p.Asked) != 1 || !strings.Contains(p.Asked[0], "(fa, fb, fc)") || p.written[0] != 0 {
		t.Fatalf("questions %q, progress written before the question: %v", p.Asked, p.written)
	}

	// Declining updates nothing and says so for each.
	ios, _, out, errOut := iostreams.Test()
	ios.SetStdinTTY(true)
	ios.SetStdoutTTY(true)
	p = &askFirst{errOut: errOut}
	p.Answer("already exist", false)
	err := run(p, errOut, ios, false)
	if err == nil || !strings.Contains(out.String()+err.Error(), "declined") {
		t.Fatalf("declined: %v\n%s", err, out)
	}
}
