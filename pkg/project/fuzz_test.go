package project

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzLoadConfig loads arbitrary bytes as cloudbaserc.json, then as
// cloudbaserc.yaml: no panic, and the result is either a Project or a
// *ConfigError.
func FuzzLoadConfig(f *testing.F) {
	seeds := []string{
		minimalRC,
		`{"envId":"{{env.X}}","functions":[{"name":"fn","timeout":"{{env.T}}","envVariables":{"A":"{{env.J}}"}}]}`,
		`{"functionDefaultConfig":{"timeout":5,"vpc":{"vpcId":"v","subnetId":"s"}},"functions":[{"name":"fn","config":{"memorySize":128}}]}`,
		`{"functions":[{"name":"fn","triggers":[{"name":"t","type":"timer","config":"0 0 2 * * * *"}],"layers":[{"name":"l","version":1}]}]}`,
		`{"region":"gz","version":"2.1","functionRoot":"x"}`,
		`[]`, `null`, `{"functions":[null,1,"x",[]]}`, "{\"a\":" + "[[[[[[[[[[" + "]]]]]]]]]]}",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Add([]byte("envId: &a x\nfunctions:\n  - &f {name: fn, timeout: 3}\n  - <<: *f\n    name: fn2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range []string{"cloudbaserc.json", "cloudbaserc.yaml"} {
			checkLoad(t, name, data)
		}
	})
}

// checkLoad writes data as the named config file and loads it.
func checkLoad(t *testing.T, name string, data []byte) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := Load(LoadOptions{Dir: dir, Environ: []string{"X=env-x", "T=12", `J={"k":"v"}`}})
	if err != nil {
		var ce *ConfigError
		if !errors.As(err, &ce) {
			t.Fatalf("%s: error is %T: %v", name, err, err)
		}
		if p != nil {
			t.Fatalf("%s: project returned with an error", name)
		}
		return
	}
	if p == nil {
		t.Fatalf("%s: nil project without error", name)
	}
	for _, fn := range p.Functions {
		if err := fn.Validate(); err != nil {
			t.Fatalf("%s: loaded function fails Validate: %v", name, err)
		}
	}
}

// FuzzParseCron: no panic; a parsed expression's next time is after the
// start and matches.
func FuzzParseCron(f *testing.F) {
	for _, s := range []string{"0 0 2 * * * *", "*/5 * * * * ? *", "0 30 9 ? * MON-FRI 2026-2030", "0 0 0 30 2 ? *", "1-5/2,7 * * * JAN-MAR SUN *"} {
		f.Add(s)
	}
	start := time.Date(2026, 11, 27, 18, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, expr string) {
		c, err := ParseCron(expr)
		if err != nil {
			var ce *CronError
			if !errors.As(err, &ce) {
				t.Fatalf("error is %T", err)
			}
			return
		}
		next, err := c.Next(start)
		if err != nil {
			if !errors.Is(err, ErrNoNextTime) {
				t.Fatal(err)
			}
			return
		}
		if !next.After(start) || !c.Matches(next) {
			t.Fatalf("%q: next %v", expr, next)
		}
	})
}
