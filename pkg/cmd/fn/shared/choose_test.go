package shared

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/emulator/faults"
	"github.com/tcb-go/tcb/pkg/emulator/functions"
	"github.com/tcb-go/tcb/pkg/funcpack"
	"github.com/tcb-go/tcb/pkg/iostreams"
	"github.com/tcb-go/tcb/pkg/prompt"
)

// seenPrompter is a prompt.Fake that also keeps the options of every
// (multi-)select it is asked.
type seenPrompter struct {
	*prompt.Fake
	options map[string][]string
}

func newSeenPrompter() *seenPrompter {
	return &seenPrompter{Fake: &prompt.Fake{}, options: map[string][]string{}}
}

func (p *seenPrompter) Select(message string, options []string, def int) (int, error) {
	p.options[message] = options
	return p.Fake.Select(message, options, def)
}

func (p *seenPrompter) MultiSelect(message string, options []string, defaults []int) ([]int, error) {
	p.options[message] = options
	return p.Fake.MultiSelect(message, options, defaults)
}

// fnWorld is an emulator with the functions module, an env "fns" holding
// alpha (Nodejs18.15) and beta (Nodejs20.19), and an env "bare" with none.
type fnWorld struct {
	e         *emulatortest.Emulator
	fns, bare string
}

func newFnWorld(t *testing.T) *fnWorld {
	t.Helper()
	e := emulatortest.Start(t, emulatortest.Options{}, functions.New(functions.Options{SkipInstallDeps: true}))
	w := &fnWorld{e: e}
	w.fns, w.bare = e.NewEnvAlias("fns"), e.NewEnvAlias("bare")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.js"), []byte("exports.main = async () => 'ok'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pkg, err := funcpack.PackBytes(context.Background(), dir, funcpack.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for name, runtime := range map[string]string{"alpha": "Nodejs18.15", "beta": "Nodejs20.19"} {
		if err := e.Client.CreateFunction(e.Ctx, &cloudapi.CreateFunctionRequest{FunctionName: name, Namespace: w.fns, Runtime: runtime,
			Handler: "index.main", Code: &cloudapi.Code{ZipFile: base64.StdEncoding.EncodeToString(pkg.Zip)}}); err != nil {
			t.Fatal(err)
		}
	}
	e.Clock.Advance(e.Latency)
	for _, name := range []string{"alpha", "beta"} {
		emulatortest.Eventually(t, func() bool {
			f, err := e.Client.GetFunction(e.Ctx, w.fns, name)
			return err == nil && f.Status == cloudapi.StatusActive
		}, "%s Active", name)
	}
	return w
}

// factory is a Factory on the world's emulator; env is TCB_ENV_ID ("":
// none named).
func (w *fnWorld) factory(t *testing.T, env string, tty bool, p prompt.Prompter) (*cmdutil.Factory, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	ios.SetStdinTTY(tty)
	ios.SetStdoutTTY(tty)
	f := cmdutil.New("test", ios)
	vars := map[string]string{"TCB_CONFIG_DIR": t.TempDir(), "TCB_EMULATOR_HOST": w.e.Addr(), "TCB_ENV_ID": env}
	f.Getenv = func(k string) string { return vars[k] }
	f.Prompter = p
	return f, out, errOut
}

const testUsage = "which function? tcb fn detail NAME"

func TestChooseFunction(t *testing.T) {
	w := newFnWorld(t)
	ctx := context.Background()

	t.Run("lists the env's functions with runtime and status", func(t *testing.T) {
		p := newSeenPrompter()
		p.Answer("Function", "beta")
		f, out, errOut := w.factory(t, w.fns, true, p)
		name, err := ChooseFunction(ctx, f, testUsage)
		if err != nil || name != "beta" {
			t.Fatalf("chose %q, %v", name, err)
		}
		want := "alpha  Nodejs18.15  Active\nbeta   Nodejs20.19  Active"
		if got := strings.Join(p.options["Function"], "\n"); got != want {
			t.Fatalf("options:\n%s\nwant:\n%s", got, want)
		}
		if out.Len() != 0 || errOut.Len() != 0 {
			t.Fatalf("wrote %q / %q", out.String(), errOut.String())
		}
	})

	t.Run("env chosen first, with the hint, then its functions", func(t *testing.T) {
		p := newSeenPrompter()
		p.Answer("Environment", "fns")
		p.Answer("Function", "alpha")
		f, _, errOut := w.factory(t, "", true, p)
		name, err := ChooseFunction(ctx, f, testUsage)
		if err != nil || name != "alpha" {
			t.Fatalf("chose %q, %v", name, err)
		}
		if strings.Join(p.Asked, ",") != "Environment,Function" {
			t.Fatalf("asked %q", p.Asked)
		}
		if want := "hint: run `tcb env use " + w.fns + "` to make it the default, or pass -e " + w.fns; !strings.Contains(errOut.String(), want) {
			t.Fatalf("stderr %q, want %q", errOut.String(), want)
		}
		if env, _ := f.EnvID(); env != w.fns {
			t.Fatalf("the run's env is %q, want %s", env, w.fns)
		}
	})

	t.Run("no terminal: the usage, exit 3, nothing listed", func(t *testing.T) {
		w.e.Faults(faults.Rule{Action: "ListFunctions", Count: 1, Code: "FailedOperation"})
		defer w.e.ClearFaults(t)
		p := newSeenPrompter()
		f, _, _ := w.factory(t, w.fns, false, p)
		_, err := ChooseFunction(ctx, f, testUsage)
		if cmdutil.ExitCode(err) != cmdutil.ExitInput || err.Error() != testUsage {
			t.Fatalf("exit %d, %v", cmdutil.ExitCode(err), err)
		}
		if len(p.Asked) != 0 || len(w.e.PendingFaults(t)) != 1 {
			t.Fatalf("asked %q, listed: %v", p.Asked, w.e.PendingFaults(t))
		}
		if _, err := ChooseFunctions(ctx, f, testUsage); cmdutil.ExitCode(err) != cmdutil.ExitInput {
			t.Fatalf("ChooseFunctions: %v", err)
		}
	})

	t.Run("an env without functions: exit 3 with a hint to deploy", func(t *testing.T) {
		p := newSeenPrompter()
		f, _, _ := w.factory(t, w.bare, true, p)
		_, err := ChooseFunction(ctx, f, testUsage)
		var ce *cmdutil.Error
		if cmdutil.ExitCode(err) != cmdutil.ExitInput || !strings.Contains(err.Error(), "the environment has no functions") ||
			!errors.As(err, &ce) || !strings.Contains(ce.Hint, "tcb fn deploy") {
			t.Fatalf("exit %d, %v", cmdutil.ExitCode(err), err)
		}
		if len(p.Asked) != 0 {
			t.Fatalf("asked %q", p.Asked)
		}
	})

	t.Run("list errors keep their exit codes", func(t *testing.T) {
		for _, tc := range []struct {
			code string
			exit int
			want string
		}{
			{"AuthFailure.SignatureFailure", cmdutil.ExitAuth, "AuthFailure.SignatureFailure"},
			{"InvalidParameterValue.Namespace", cmdutil.ExitInput, "InvalidParameterValue.Namespace"},
			{"ResourceNotFound.Namespace", cmdutil.ExitNotFound, `environment (function namespace) "` + w.fns + `" not found`},
			{"FailedOperation", cmdutil.ExitAPI, "FailedOperation"},
		} {
			w.e.Faults(faults.Rule{Action: "ListFunctions", Count: 1, Code: tc.code})
			p := newSeenPrompter()
			f, out, _ := w.factory(t, w.fns, true, p)
			_, err := ChooseFunction(ctx, f, testUsage)
			if got := cmdutil.ExitCode(err); got != tc.exit {
				t.Errorf("%s: exit %d, want %d (%v)", tc.code, got, tc.exit, err)
			} else if !strings.HasPrefix(err.Error(), "listing functions: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: %v, want it to say %q", tc.code, err, tc.want)
			}
			var rid cmdutil.RequestIDer
			if !errors.As(err, &rid) || rid.RequestID() == "" {
				t.Errorf("%s: no request id in %v", tc.code, err)
			}
			if len(p.Asked) != 0 || out.Len() != 0 {
				t.Errorf("%s: asked %q, wrote %q", tc.code, p.Asked, out.String())
			}
			w.e.ClearFaults(t)
		}
	})

	t.Run("cancelled while listing: exit 130, nothing asked", func(t *testing.T) {
		w.e.Faults(faults.Rule{Action: "ListFunctions", Count: 1, Latency: faults.Duration(5 * time.Minute)})
		defer w.e.ClearFaults(t)
		p := newSeenPrompter()
		f, _, _ := w.factory(t, w.fns, true, p)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan error, 1)
		go func() {
			_, err := ChooseFunction(ctx, f, testUsage)
			done <- err
		}()
		emulatortest.Eventually(t, func() bool { return len(w.e.PendingFaults(t)) == 0 }, "ListFunctions held by the emulator")
		cancel()
		var err error
		if !emulatortest.Wait(time.Minute, func() bool {
			select {
			case err = <-done:
				return true
			default:
				return false
			}
		}) {
			t.Fatal("ChooseFunction did not return after its context was cancelled")
		}
		if cmdutil.ExitCode(err) != cmdutil.ExitInterrupted || len(p.Asked) != 0 {
			t.Fatalf("exit %d (%v), asked %q", cmdutil.ExitCode(err), err, p.Asked)
		}
	})

	t.Run("multi-select: the picked ones, none picked is exit 1", func(t *testing.T) {
		p := newSeenPrompter()
		p.Answer("Functions", []int{1})
		p.Answer("Functions", []int{})
		f, _, _ := w.factory(t, w.fns, true, p)
		names, err := ChooseFunctions(ctx, f, testUsage)
		if err != nil || strings.Join(names, ",") != "beta" {
			t.Fatalf("picked %q, %v", names, err)
		}
		if got := len(p.options["Functions (space to pick, enter to go on)"]); got != 2 {
			t.Fatalf("%d options", got)
		}
		_, err = ChooseFunctions(ctx, f, testUsage)
		if cmdutil.ExitCode(err) != cmdutil.ExitError || !strings.Contains(err.Error(), "no function picked") {
			t.Fatalf("none picked: exit %d, %v", cmdutil.ExitCode(err), err)
		}
	})
}
