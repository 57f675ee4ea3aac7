package fndeploy_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcb-go/tcb/pkg/fndeploy"
	"github.com/tcb-go/tcb/pkg/project"
)

// Overrides win over the config, environment variables merge, and the
// defaults fill the rest.
func TestNewSpecAppliesOverridesThenDefaults(t *testing.T) {
	yes := true
	fn := project.Function{Name: "hello", Dir: "/src/hello", Timeout: 20, EnvVariables: map[string]string{"A": "1", "B": "2"},
		Triggers: []project.Trigger{{Name: "tick", Type: "timer", Config: "0 0 * * * * *"}}}
	s, err := fndeploy.NewSpec(fn, fndeploy.Overrides{Dir: "/elsewhere", MemorySize: 512, Env: map[string]string{"B": "3", "C": "4"},
		InstallDependency: &yes, Runtime: "Nodejs18.15"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Dir != "/elsewhere" || s.Timeout != 20 || s.MemorySize != 512 || s.Handler != project.DefaultHandler ||
		s.Runtime != "Nodejs18.15" || !s.InstallDependency {
		t.Fatalf("spec %+v", s)
	}
	if len(s.Env) != 3 || s.Env["A"] != "1" || s.Env["B"] != "3" || s.Env["C"] != "4" {
		t.Fatalf("env %v", s.Env)
	}
	if fn.EnvVariables["B"] != "2" {
		t.Fatalf("the configured function was changed: %v", fn.EnvVariables)
	}
	if len(s.Triggers) != 1 || s.Triggers[0].Config != "0 0 * * * * *" {
		t.Fatalf("triggers %+v", s.Triggers)
	}
	d, err := fndeploy.NewSpec(project.Function{Name: "plain"}, fndeploy.Overrides{})
	if err != nil || d.Timeout != project.DefaultTimeout || d.MemorySize != project.DefaultMemorySize || d.Runtime != project.DefaultRuntime {
		t.Fatalf("defaults: %+v %v", d, err)
	}
}

// A flag and a config key are checked by the same rules, with the config's
// messages.
func TestNewSpecValidatesWithTheProjectRules(t *testing.T) {
	for _, tt := range []struct {
		fn    project.Function
		o     fndeploy.Overrides
		field string
		msg   string
	}{
		{project.Function{Name: "hello"}, fndeploy.Overrides{Timeout: 901}, "timeout", "1-900"},
		{project.Function{Name: "hello"}, fndeploy.Overrides{MemorySize: 100}, "memorySize", "steps of 128"},
		{project.Function{Name: "hello"}, fndeploy.Overrides{Handler: "index"}, "handler", "FILE.FUNCTION"},
		{project.Function{Name: "-bad"}, fndeploy.Overrides{}, "name", "invalid function name"},
		{project.Function{Name: "hello"}, fndeploy.Overrides{Env: map[string]string{"1X": "v"}}, `envVariables["1X"]`, "invalid environment variable name"},
		{project.Function{Name: "hello", Triggers: []project.Trigger{{Name: "t", Type: "timer", Config: "* * *"}}}, fndeploy.Overrides{}, "triggers[0].config", "7 fields"},
	} {
		_, err := fndeploy.NewSpec(tt.fn, tt.o)
		var ce *project.ConfigError
		if !errors.As(err, &ce) || ce.Field != tt.field || !strings.Contains(ce.Problem, tt.msg) {
			t.Errorf("%+v %+v: %v, want %s: ...%s...", tt.fn, tt.o, err, tt.field, tt.msg)
		}
	}
}

// A configured name deploys its entry; any other name the default function
// in the project's function root (./functions without a project).
func TestFunctionPicksConfigOrDefault(t *testing.T) {
	root := filepath.Join(t.TempDir(), "cloudfunctions")
	p := &project.Project{FunctionRoot: root, Functions: []project.Function{{Name: "known", Dir: "/x/known", Timeout: 7}}}
	if fn, ok, err := fndeploy.Function(p, "known"); err != nil || !ok || fn.Timeout != 7 || fn.Dir != "/x/known" {
		t.Fatalf("configured: %+v %v", fn, ok)
	}
	if fn, ok, err := fndeploy.Function(p, "other"); err != nil || ok || fn.Dir != filepath.Join(root, "other") || len(fn.Ignore) == 0 {
		t.Fatalf("in the root: %+v %v", fn, ok)
	}
	fn, ok, _ := fndeploy.Function(nil, "loose")
	if abs, _ := filepath.Abs(filepath.Join("functions", "loose")); ok || fn.Dir != abs {
		t.Fatalf("no project: %+v %v", fn, ok)
	}
}
