package deploy

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdDeploy(t *testing.T) {
	// want compares the options but for the record of which flags were
	// given, and checks that record: exactly the flags in set.
	want := func(w Options, set ...string) func(*testing.T, *Options) {
		return func(t *testing.T, o *Options) {
			for _, name := range []string{"dir", "all", "force", "dry-run", "parallel", "wait-timeout", "runtime", "handler", "timeout", "memory", "env", "install-dependency"} {
				if got, want := o.changed(name), slices.Contains(set, name); got != want {
					t.Errorf("--%s recorded as given: %v, want %v", name, got, want)
				}
			}
			got := cmdtest.Comparable(o)
			got.changed = nil
			if !reflect.DeepEqual(got, w) {
				t.Errorf("options\n got: %+v\nwant: %+v", got, w)
			}
		}
	}
	const wait = 5 * time.Minute
	cmdtest.RunCases(t, "fn", NewCmdDeploy, []cmdtest.Case[Options]{
		{Name: "one name", Args: []string{"hello"}, Check: want(Options{Names: []string{"hello"}, Parallel: 5, Timeout: wait})},
		{Name: "nothing: asks or deploys all", Check: want(Options{Names: []string{}, Parallel: 5, Timeout: wait})},
		{Name: "all", Args: []string{"--all", "--force", "--parallel", "10", "--wait-timeout", "1m"},
			Check: want(Options{Names: []string{}, All: true, Force: true, Parallel: 10, Timeout: time.Minute}, "all", "force", "parallel", "wait-timeout")},
		{Name: "overrides", Args: []string{"hello", "--dir", "./src/hello", "--runtime", "Nodejs18.15", "--handler", "app.main", "--timeout", "60",
			"--memory", "256", "--env", "LEVEL=debug", "--env", "A=1", "--install-dependency", "true", "--dry-run"},
			Check: want(Options{Names: []string{"hello"}, Dir: "./src/hello", DryRun: true, Parallel: 5, Timeout: wait, Runtime: "Nodejs18.15", Handler: "app.main",
				FnTimeout: 60, Memory: 256, Env: []string{"LEVEL=debug", "A=1"}, InstallDependency: "true"},
				"dir", "runtime", "handler", "timeout", "memory", "env", "install-dependency", "dry-run")},
		{Name: "no install", Args: []string{"hello", "--install-dependency", "false"},
			Check: want(Options{Names: []string{"hello"}, Parallel: 5, Timeout: wait, InstallDependency: "false"}, "install-dependency")},
		{Name: "names and all", Args: []string{"hello", "--all"}, WantCode: 3, WantErr: "give function names or --all, not both"},
		{Name: "dir without a name", Args: []string{"--dir", "x"}, WantCode: 3, WantErr: "--dir deploys one function: give exactly one name"},
		{Name: "dir with two names", Args: []string{"a", "b", "--dir", "x"}, WantCode: 3, WantErr: "--dir deploys one function"},
		{Name: "parallel zero", Args: []string{"--all", "--parallel", "0"}, WantCode: 3, WantErr: "--parallel must be between 1 and 20"},
		{Name: "parallel too many", Args: []string{"--all", "--parallel", "21"}, WantCode: 3, WantErr: "--parallel must be between 1 and 20"},
		{Name: "install dependency yes", Args: []string{"hello", "--install-dependency", "yes"}, WantCode: 3, WantErr: "--install-dependency must be true or false"},
		{Name: "timeout not a number", Args: []string{"hello", "--timeout", "1m"}, WantCode: 3, WantErr: `invalid argument "1m" for "--timeout"`},
	})
}
