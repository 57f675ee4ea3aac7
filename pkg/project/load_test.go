package project

import (
	"encoding/json"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

const minimalRC = `{"version":"2.0","envId":"env-1","functions":[{"name":"hello"}]}`

func TestLookupSources(t *testing.T) {
	yamlRC := "version: '2.0'\nenvId: env-1\nfunctions:\n  - name: hello\n"
	tests := []struct {
		name  string
		files map[string]string
		file  string
		kind  string
	}{
		{"cloudbaserc.json", map[string]string{"cloudbaserc.json": minimalRC}, "cloudbaserc.json", KindCloudbaserc},
		{"cloudbaserc without extension (JSON)", map[string]string{"cloudbaserc": minimalRC}, "cloudbaserc", KindCloudbaserc},
		{"cloudbaserc without extension (YAML)", map[string]string{"cloudbaserc": yamlRC}, "cloudbaserc", KindCloudbaserc},
		{"cloudbaserc.yaml", map[string]string{"cloudbaserc.yaml": yamlRC}, "cloudbaserc.yaml", KindCloudbaserc},
		{"cloudbaserc.yml", map[string]string{"cloudbaserc.yml": yamlRC}, "cloudbaserc.yml", KindCloudbaserc},
		{"package.json cloudbase key", map[string]string{"package.json": `{"name":"x","cloudbase":` + minimalRC + `}`}, "package.json", KindPackageJSON},
		{"package.json wins over cloudbaserc.json", map[string]string{
			"package.json":     `{"cloudbase":` + minimalRC + `}`,
			"cloudbaserc.json": `{"envId":"other"}`,
		}, "package.json", KindPackageJSON},
		{"package.json without the key is skipped", map[string]string{
			"package.json":     `{"name":"x","dependencies":{}}`,
			"cloudbaserc.json": minimalRC,
		}, "cloudbaserc.json", KindCloudbaserc},
		{"cloudbaserc before cloudbaserc.json", map[string]string{"cloudbaserc": minimalRC, "cloudbaserc.json": `{"envId":"other"}`}, "cloudbaserc", KindCloudbaserc},
		{"json before yaml", map[string]string{"cloudbaserc.json": minimalRC, "cloudbaserc.yaml": "envId: other\n"}, "cloudbaserc.json", KindCloudbaserc},
		{"yaml before yml", map[string]string{"cloudbaserc.yaml": yamlRC, "cloudbaserc.yml": "envId: other\n"}, "cloudbaserc.yaml", KindCloudbaserc},
		{"json before js", map[string]string{"cloudbaserc.json": minimalRC, "cloudbaserc.js": "module.exports = {}"}, "cloudbaserc.json", KindCloudbaserc},
		{"cloudbaserc before project.config.json", map[string]string{"cloudbaserc.json": minimalRC, "project.config.json": `{"cloudfunctionRoot":"cf/"}`}, "cloudbaserc.json", KindCloudbaserc},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, dir := mustLoad(t, tt.files, LoadOptions{})
			if p.ConfigPath != filepath.Join(dir, tt.file) || p.Kind != tt.kind {
				t.Errorf("loaded %s (%s), want %s (%s)", p.ConfigPath, p.Kind, tt.file, tt.kind)
			}
			if p.EnvID != "env-1" || len(p.Functions) != 1 || p.Functions[0].Name != "hello" {
				t.Errorf("project %+v", p)
			}
			if p.FunctionRoot != filepath.Join(dir, "functions") || p.Functions[0].Dir != filepath.Join(dir, "functions", "hello") {
				t.Errorf("dirs: %s %s", p.FunctionRoot, p.Functions[0].Dir)
			}
			if f, ok := p.Function("hello"); !ok || f.Name != "hello" {
				t.Error("Function(hello) not found")
			}
			if _, ok := p.Function("nope"); ok {
				t.Error("Function(nope) found")
			}
		})
	}
}

func TestLookupErrors(t *testing.T) {
	t.Run("nothing", func(t *testing.T) {
		_, dir, err := load(t, map[string]string{"package.json": `{"name":"x"}`, "README.md": "hi"}, LoadOptions{})
		var nf *NotFoundError
		if !errors.Is(err, ErrNoConfig) || !errors.As(err, &nf) || nf.Dir != dir {
			t.Fatalf("got %v", err)
		}
		for _, frag := range []string{"cloudbaserc.json", "cloudbaserc.yaml", `package.json "cloudbase"`, "project.config.json"} {
			if !strings.Contains(err.Error(), frag) {
				t.Errorf("%q lacks %q", err, frag)
			}
		}
	})
	t.Run("no upward walk", func(t *testing.T) {
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{"cloudbaserc.json": minimalRC, "sub/x": ""})
		if _, err := Load(LoadOptions{Dir: filepath.Join(dir, "sub"), Environ: []string{}}); !errors.Is(err, ErrNoConfig) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("tcbrc.json", func(t *testing.T) {
		_, _, err := load(t, map[string]string{"tcbrc.json": "{}", "cloudbaserc.json": minimalRC}, LoadOptions{})
		wantConfigError(t, err, "tcbrc.json", "", "rename it to cloudbaserc.json")
	})
	for _, js := range []string{"cloudbaserc.js", "cloudbase.config.js"} {
		t.Run(js, func(t *testing.T) {
			_, _, err := load(t, map[string]string{js: "module.exports = {}"}, LoadOptions{})
			wantConfigError(t, err, js, "", "JavaScript configuration files are not supported")
		})
	}
	t.Run("invalid JSON with line", func(t *testing.T) {
		_, _, err := load(t, map[string]string{"cloudbaserc.json": "{\n  \"envId\": \"x\",\n  oops\n}"}, LoadOptions{})
		ce := wantConfigError(t, err, "cloudbaserc.json", "", "invalid JSON")
		if ce.Line != 3 || !strings.HasPrefix(err.Error(), "cloudbaserc.json:3: ") {
			t.Errorf("line %d in %q", ce.Line, err)
		}
	})
	t.Run("trailing data", func(t *testing.T) {
		_, _, err := load(t, map[string]string{"cloudbaserc.json": `{"envId":"x"} {}`}, LoadOptions{})
		wantConfigError(t, err, "cloudbaserc.json", "", "after the top-level value")
	})
	t.Run("empty file", func(t *testing.T) {
		_, _, err := load(t, map[string]string{"cloudbaserc.json": ""}, LoadOptions{})
		wantConfigError(t, err, "cloudbaserc.json", "", "empty")
	})
	t.Run("not an object", func(t *testing.T) {
		_, _, err := load(t, map[string]string{"cloudbaserc.json": `[1,2]`}, LoadOptions{})
		wantConfigError(t, err, "cloudbaserc.json", "", "expected an object", "got array")
	})
	t.Run("package.json cloudbase not an object", func(t *testing.T) {
		_, _, err := load(t, map[string]string{"package.json": `{"cloudbase": "yes"}`}, LoadOptions{})
		wantConfigError(t, err, "package.json", "cloudbase", `got string "yes"`)
	})
	t.Run("invalid YAML with line", func(t *testing.T) {
		_, _, err := load(t, map[string]string{"cloudbaserc.yaml": "envId: x\nfunctions:\n  - name: [unclosed\n"}, LoadOptions{})
		ce := wantConfigError(t, err, "cloudbaserc.yaml", "", "invalid YAML")
		if ce.Line == 0 {
			t.Errorf("no line in %q", err)
		}
	})
}

func TestConfigFileOption(t *testing.T) {
	files := map[string]string{
		"cloudbaserc.json":         `{"envId":"default"}`,
		"conf/prod.json":           `{"envId":"prod","functionRoot":"../src/fns","functions":[{"name":"fa"},{"name":"fb","dir":"custom/b"}]}`,
		"conf/prod.yaml":           "envId: prod-yaml\n",
		"conf/.env":                "FROM_CONF_DIR=1\n",
		"conf/env-from-dir.json":   `{"envId":"{{env.FROM_CONF_DIR}}"}`,
		"conf/project.config.json": `{"appid":"wx1"}`,
	}
	p, dir := mustLoad(t, files, LoadOptions{ConfigFile: "conf/prod.json"})
	if p.EnvID != "prod" || p.ConfigPath != filepath.Join(dir, "conf", "prod.json") || p.Kind != KindCloudbaserc {
		t.Errorf("%+v", p)
	}
	if p.FunctionRoot != filepath.Join(dir, "src", "fns") {
		t.Errorf("FunctionRoot %s", p.FunctionRoot)
	}
	if p.Functions[0].Dir != filepath.Join(dir, "src", "fns", "fa") || p.Functions[1].Dir != filepath.Join(dir, "conf", "custom", "b") {
		t.Errorf("dirs %s %s", p.Functions[0].Dir, p.Functions[1].Dir)
	}
	abs := filepath.Join(dir, "conf", "prod.yaml")
	p, err := Load(LoadOptions{Dir: t.TempDir(), ConfigFile: abs, Environ: []string{}})
	if err != nil || p.EnvID != "prod-yaml" {
		t.Errorf("yaml config file: %v %+v", err, p)
	}
	// .env files are read next to the config file.
	p, err = Load(LoadOptions{Dir: dir, ConfigFile: "conf/env-from-dir.json", Environ: []string{}})
	if err != nil || p.EnvID != "1" {
		t.Errorf(".env next to config: %v %+v", err, p)
	}
	p, err = Load(LoadOptions{Dir: dir, ConfigFile: "conf/project.config.json", Environ: []string{}})
	if err != nil || p.Kind != KindWeChat || p.AppID != "wx1" {
		t.Errorf("project.config.json as config file: %v %+v", err, p)
	}
	_, err = Load(LoadOptions{Dir: dir, ConfigFile: "missing.json", Environ: []string{}})
	ce := wantConfigError(t, err, "missing.json", "", "cannot read the config file")
	if !errors.Is(ce, fs.ErrNotExist) {
		t.Error("missing file error does not wrap fs.ErrNotExist")
	}
	if errors.Is(err, ErrNoConfig) {
		t.Error("an explicit missing file is not ErrNoConfig")
	}
}

func TestYAMLFeatures(t *testing.T) {
	yml := `
version: "2.1"
envId: env-y
region: gz
functionDefaultConfig: &defaults
  timeout: 20
  envVariables: {A: 1, B: true}
functions:
  - name: one
    <<: *defaults
    memorySize: 512
  - name: two
    runtime: Nodejs18.15
    ignore: "*.md"
    triggers:
      - {name: daily, type: timer, config: "0 0 2 * * * *"}
    params: {a: [1, 2.5, null]}
`
	p, _ := mustLoad(t, map[string]string{"cloudbaserc.yaml": yml}, LoadOptions{})
	if p.Version != "2.1" || p.Region != "ap-guangzhou" || len(p.Functions) != 2 {
		t.Fatalf("%+v", p)
	}
	one, two := p.Functions[0], p.Functions[1]
	if one.Timeout != 20 || one.MemorySize != 512 || one.EnvVariables["A"] != "1" || one.EnvVariables["B"] != "true" {
		t.Errorf("one %+v", one)
	}
	if two.Timeout != 20 || two.Runtime != "Nodejs18.15" || len(two.Ignore) != 1 || two.Ignore[0] != "*.md" {
		t.Errorf("two %+v", two)
	}
	if len(two.Triggers) != 1 || two.Triggers[0].Config != "0 0 2 * * * *" {
		t.Errorf("triggers %+v", two.Triggers)
	}
	var params map[string]any
	if err := json.Unmarshal(two.Params, &params); err != nil || string(two.Params) != `{"a":[1,2.5,null]}` {
		t.Errorf("params %s %v", two.Params, err)
	}
}

func TestTopLevelFields(t *testing.T) {
	p, dir := mustLoad(t, map[string]string{"cloudbaserc.json": `{
		"version": "2.0", "envId": "e", "region": "ap-singapore", "functionRoot": "cloud/fns",
		"servers": [{"type":"node"}], "framework": {"name": "x"}, "somethingNew": 1
	}`}, LoadOptions{})
	if p.Region != "ap-singapore" || p.FunctionRoot != filepath.Join(dir, "cloud", "fns") || len(p.Functions) != 0 {
		t.Errorf("%+v", p)
	}
	var raw map[string]any
	if err := json.Unmarshal(p.Raw, &raw); err != nil || raw["framework"] == nil || raw["somethingNew"] == nil {
		t.Errorf("raw %s", p.Raw)
	}
	for short, full := range RegionShorthands {
		p, _ := mustLoad(t, map[string]string{"cloudbaserc.json": `{"region":"` + short + `"}`}, LoadOptions{})
		if p.Region != full {
			t.Errorf("%s -> %s", short, p.Region)
		}
	}
	// No envId is fine: the CLI resolves the env from the profile or -e.
	p, _ = mustLoad(t, map[string]string{"cloudbaserc.json": `{"version":"2.0"}`}, LoadOptions{})
	if p.EnvID != "" || p.Region != "" {
		t.Errorf("%+v", p)
	}
}

func TestMiscLoading(t *testing.T) {
	_, _, err := load(t, map[string]string{"package.json": `{"name":`, "cloudbaserc.json": minimalRC}, LoadOptions{})
	wantConfigError(t, err, "package.json", "", "invalid JSON")

	abs := t.TempDir()
	p, _ := mustLoad(t, map[string]string{"cloudbaserc.json": `{"functionRoot":` + strconvQuote(abs) + `,"functions":[{"name":"fn"}]}`}, LoadOptions{})
	if p.FunctionRoot != abs || p.Functions[0].Dir != filepath.Join(abs, "fn") {
		t.Errorf("absolute functionRoot: %s %s", p.FunctionRoot, p.Functions[0].Dir)
	}
	// A directory where a config file is expected is skipped.
	p, _ = mustLoad(t, map[string]string{"cloudbaserc/x": "", "cloudbaserc.json": minimalRC}, LoadOptions{})
	if filepath.Base(p.ConfigPath) != "cloudbaserc.json" {
		t.Errorf("loaded %s", p.ConfigPath)
	}
	// Deeply nested JSON is refused.
	deep := strings.Repeat("[", 300) + strings.Repeat("]", 300)
	_, _, err = load(t, map[string]string{"cloudbaserc.json": `{"x":` + deep + `}`}, LoadOptions{})
	wantConfigError(t, err, "cloudbaserc.json", "", "nested more than")
	// YAML scalars: numbers in other notations, timestamps stay text.
	p, _ = mustLoad(t, map[string]string{"cloudbaserc.yml": "envId: 2026-01-02\nfunctions:\n  - name: fn\n    timeout: 0x1E\n    memorySize: 1.28e2\n    handler: ~\n"}, LoadOptions{})
	if p.EnvID != "2026-01-02" || p.Functions[0].Timeout != 30 || p.Functions[0].MemorySize != 128 || p.Functions[0].Handler != "" {
		t.Errorf("%+v %+v", p, p.Functions)
	}
}

func TestHandlerShapes(t *testing.T) {
	good := map[string]string{
		"index.main": "Nodejs18.15", "src/app.main": "", "app.v2.handler": "Python3.9", "index.main_handler": "Php7.4",
		"main": "Go1", "example.Hello::handle": "Java8", "bootstrap": "CustomRuntime", "a.$x": "",
	}
	for h, rt := range good {
		f := Function{Name: "fn", Handler: h, Runtime: rt}
		if err := f.Validate(); err != nil {
			t.Errorf("%s (%s): %v", h, rt, err)
		}
	}
	bad := map[string]string{
		"index": "", ".main": "", "a/../b.main": "", "/abs.main": "", "index.1x": "",
		"bad name": "Go1", "Hello::": "Java11", "with space": "CustomRuntime", strings.Repeat("a", 130) + ".main": "",
	}
	for h, rt := range bad {
		f := Function{Name: "fn", Handler: h, Runtime: rt}
		if err := f.Validate(); err == nil {
			t.Errorf("%q (%s) accepted", h, rt)
		}
	}
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }
