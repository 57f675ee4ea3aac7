package project

import (
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

func TestPlaceholders(t *testing.T) {
	rc := `{
	"envId": "e",
	"functions": [
		{"name": "fn", "timeout": "{{ env.TIMEOUT }}", "installDependency": "{{env.INSTALL}}",
		 "envVariables": {
			"WHOLE": "{{env.TOKEN}}",
			"PREFIXED": "Bearer {{env.TOKEN}}",
			"SUFFIX": "{{env.TOKEN}}!",
			"TRIPLE": "{{{env.TOKEN}}}",
			"UID": "{{util.uid}}",
			"UID2": "{{ util.uid }}"
		 },
		 "vpc": "{{env.VPC}}",
		 "layers": "{{env.LAYERS}}",
		 "params": {"nested": ["{{env.TOKEN}}", "{{env.OBJ}}"]}
		}
	]}`
	environ := []string{
		"TOKEN=s3cret", "TIMEOUT=30", "INSTALL=false",
		`VPC={"vpcId":"vpc-1","subnetId":"subnet-1"}`,
		`LAYERS=[{"name":"common","version":2}]`,
		`OBJ= {"k": 1} `,
	}
	p, _ := mustLoad(t, map[string]string{"cloudbaserc.json": rc}, LoadOptions{Environ: environ})
	f := p.Functions[0]
	ev := f.EnvVariables
	if ev["WHOLE"] != "s3cret" || ev["PREFIXED"] != "Bearer {{env.TOKEN}}" || ev["SUFFIX"] != "{{env.TOKEN}}!" || ev["TRIPLE"] != "{{{env.TOKEN}}}" {
		t.Errorf("whole-string rule: %v", ev)
	}
	if !regexp.MustCompile(`^[0-9a-z]{24}$`).MatchString(ev["UID"]) || ev["UID"] != ev["UID2"] {
		t.Errorf("uid %q %q", ev["UID"], ev["UID2"])
	}
	if f.Timeout != 30 || f.InstallDependency == nil || *f.InstallDependency {
		t.Errorf("typed from strings: timeout %d install %v", f.Timeout, f.InstallDependency)
	}
	if f.VPC == nil || f.VPC.VpcID != "vpc-1" || f.VPC.SubnetID != "subnet-1" {
		t.Errorf("vpc from JSON object: %+v", f.VPC)
	}
	if !reflect.DeepEqual(f.Layers, []Layer{{Name: "common", Version: 2}}) {
		t.Errorf("layers from JSON array: %+v", f.Layers)
	}
	if string(f.Params) != `{"nested":["s3cret",{"k":1}]}` {
		t.Errorf("params %s", f.Params)
	}
	var raw map[string]any
	json.Unmarshal(f.Raw, &raw)
	if raw["timeout"] != "30" {
		t.Errorf("raw keeps the rendered string: %v", raw["timeout"])
	}

	// A second load gets another uid.
	p2, _ := mustLoad(t, map[string]string{"cloudbaserc.json": rc}, LoadOptions{Environ: environ})
	if p2.Functions[0].EnvVariables["UID"] == ev["UID"] {
		t.Error("uid reused across loads")
	}
}

func TestPlaceholderErrors(t *testing.T) {
	cases := []struct {
		name, rc, field string
		frags           []string
	}{
		{"missing variable", `{"functions":[{"name":"ok1"},{"name":"fn","envVariables":{"TOKEN":"{{env.TOKEN}}"}}]}`,
			"functions[1].envVariables.TOKEN", []string{"{{env.TOKEN}}", "TOKEN is not set"}},
		{"unknown namespace", `{"envId":"{{foo.bar}}"}`, "envId", []string{"unknown placeholder {{foo.bar}}", "{{env.NAME}}"}},
		{"empty env name", `{"region":"{{env.}}"}`, "region", []string{"names no variable"}},
		{"odd key", `{"functions":[{"name":"fn","envVariables":{"my key":"{{env.NOPE}}"}}]}`,
			`functions[0].envVariables["my key"]`, []string{"NOPE"}},
		{"number from a non-number", `{"functions":[{"name":"fn","timeout":"{{env.T}}"}]}`,
			"functions[0].timeout", []string{`expected a number, got string "10s" (from {{env.T}})`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := loadAll(t, map[string]string{"cloudbaserc.json": c.rc}, LoadOptions{Environ: []string{"T=10s"}})
			wantConfigError(t, err, "cloudbaserc.json", c.field, c.frags...)
		})
	}
	// package.json paths start at the cloudbase key.
	err := loadAll(t, map[string]string{"package.json": `{"cloudbase":{"functions":[{"name":"fn","path":"{{env.P}}"}]}}`}, LoadOptions{})
	wantConfigError(t, err, "package.json", "cloudbase.functions[0].path", "P is not set")
}

// A placeholder that cannot be rendered stops only the readers of the
// setting holding it.
func TestPlaceholdersResolveLazily(t *testing.T) {
	rc := `{
	"envId": "e-1", "region": "ap-guangzhou",
	"hosting": {"domain": "{{env.HOST}}"},
	"functions": [
		{"name": "fa"},
		{"name": "fb", "envVariables": {"DB_PASSWORD": "{{env.DB_PASSWORD}}", "X": "1"}, "params": {"k": 1}},
		{"name": "{{env.NAME}}"}
	]}`
	p, _ := mustLoad(t, map[string]string{"cloudbaserc.json": rc}, LoadOptions{})
	if p.EnvID != "e-1" || p.Region != "ap-guangzhou" || p.Resolved("envId", "region", "functionRoot") != nil {
		t.Fatalf("top-level settings: %q %q %v", p.EnvID, p.Region, p.Resolved("envId", "region"))
	}
	if fn, err := p.Lookup("fa"); err != nil || fn == nil {
		t.Fatalf("function fa: %v %v", fn, err)
	}
	_, err := p.Lookup("fb")
	wantConfigError(t, err, "cloudbaserc.json", "functions[1].envVariables.DB_PASSWORD", "DB_PASSWORD is not set")
	if !errors.Is(err, ErrUnresolved) {
		t.Errorf("%v is not ErrUnresolved", err)
	}
	if fn, err := p.Lookup("fb", "params", "timeout"); err != nil || string(fn.Params) != `{"k":1}` || fn.EnvVariables != nil {
		t.Fatalf("b's params: %+v %v", fn, err)
	}
	wantConfigError(t, p.Resolved("hosting"), "cloudbaserc.json", "hosting.domain", "HOST is not set")
	if !strings.Contains(string(p.Raw), `"{{env.HOST}}"`) {
		t.Errorf("Raw lost the placeholder: %s", p.Raw)
	}
	// An entry whose name is unknown could be any function not found.
	_, err = p.Lookup("zzz")
	wantConfigError(t, err, "cloudbaserc.json", "functions[2].name", "NAME is not set")
	wantConfigError(t, p.Resolved("functions"), "cloudbaserc.json", "functions[2].name", "NAME is not set")
	if err := p.Resolved(); err == nil {
		t.Error("the whole configuration counts as resolved")
	}

	// An unresolved functionRoot stops the functions without a dir.
	p, _ = mustLoad(t, map[string]string{"cloudbaserc.json": `{"functionRoot": "{{env.ROOT}}",
		"functions": [{"name": "fx"}, {"name": "fy", "dir": "./fy"}]}`}, LoadOptions{})
	_, err = p.Lookup("fx")
	wantConfigError(t, err, "cloudbaserc.json", "functionRoot", "ROOT is not set")
	if fn, err := p.Lookup("fy"); err != nil || !strings.HasSuffix(fn.Dir, "fy") {
		t.Fatalf("y has its own dir: %v %v", fn, err)
	}
	if _, err := p.Lookup("fx", "params"); err != nil {
		t.Fatalf("x's params do not need the root: %v", err)
	}
	wantConfigError(t, p.Resolved("functionRoot"), "cloudbaserc.json", "functionRoot", "ROOT is not set")

	// An unresolved functionDefaultConfig changes every function; a value
	// inside it stops the functions that inherit it.
	p, _ = mustLoad(t, map[string]string{"cloudbaserc.json": `{"functionDefaultConfig": "{{env.DEFAULTS}}", "functions": [{"name": "fx"}]}`}, LoadOptions{})
	_, err = p.Lookup("fx", "params")
	wantConfigError(t, err, "cloudbaserc.json", "functionDefaultConfig", "DEFAULTS is not set")
	p, _ = mustLoad(t, map[string]string{"cloudbaserc.json": `{"functionDefaultConfig": {"timeout": "{{env.T}}"},
		"functions": [{"name": "fx"}, {"name": "fy", "timeout": 5}]}`}, LoadOptions{})
	_, err = p.Lookup("fx")
	wantConfigError(t, err, "cloudbaserc.json", "functionDefaultConfig.timeout", "T is not set")
	if fn, err := p.Lookup("fy"); err != nil || fn.Timeout != 5 {
		t.Fatalf("y sets its own timeout: %+v %v", fn, err)
	}
}
