package root_test

import (
	"context"
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
	"github.com/tcb-go/tcb/pkg/cmd/root"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// run executes the root command alone with args.
func run(t *testing.T, args ...string) (*cmdtest.Env, error) {
	t.Helper()
	e := cmdtest.New(t)
	cmd := root.NewCmdRoot(e.F)
	cmd.SetArgs(args)
	cmd.SetOut(e.Out)
	cmd.SetErr(e.Err)
	_, err := cmd.ExecuteContextC(context.Background())
	return e, err
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}} {
		e, err := run(t, args...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if got := e.Out.String(); got != root.VersionString() {
			t.Errorf("%v printed %q, want %q", args, got, root.VersionString())
		}
	}
	_, err := run(t, "version", "--short")
	cmdtest.Failure(t, err, cmdutil.ExitInput, "unknown flag --short")
	_, err = run(t, "version", "now")
	cmdtest.Failure(t, err, cmdutil.ExitInput, `unexpected argument "now" for "tcb version"`)
}

func TestGlobalFlags(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want cmdutil.Globals
	}{
		{"none", nil, cmdutil.Globals{}},
		{"short forms", []string{"-e", "demo-a1b2c3", "-r", "ap-guangzhou", "-y"}, cmdutil.Globals{EnvID: "demo-a1b2c3", Region: "ap-guangzhou", Yes: true}},
		{"long forms", []string{"--env-id", "demo-a1b2c3", "--region", "ap-beijing", "--profile", "staging", "--json", "--jq", ".[0]", "--yes",
			"--endpoint", "http://127.0.0.1:9800", "--config-file", "rc.json", "--mode", "prod", "--verbose", "--no-color", "--utc"},
			cmdutil.Globals{EnvID: "demo-a1b2c3", Region: "ap-beijing", Profile: "staging", JSON: true, JQ: ".[0]", Yes: true,
				Endpoint: "http://127.0.0.1:9800", ConfigFile: "rc.json", Mode: "prod", Verbose: true, NoColor: true, UTC: true}},
		{"the official CLI's --envId", []string{"--envId", "demo-a1b2c3"}, cmdutil.Globals{EnvID: "demo-a1b2c3"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, err := run(t, append([]string{"version"}, tt.args...)...)
			if err != nil {
				t.Fatal(err)
			}
			if *e.F.Globals != tt.want {
				t.Errorf("globals\n got: %+v\nwant: %+v", *e.F.Globals, tt.want)
			}
		})
	}
	_, err := run(t, "version", "--env-id")
	cmdtest.Failure(t, err, cmdutil.ExitInput, "flag needs an argument: --env-id")
	_, err = run(t, "version", "--jsn")
	cmdtest.Failure(t, err, cmdutil.ExitInput, "unknown flag --jsn")
}
