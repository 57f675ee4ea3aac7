package project

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidationErrors(t *testing.T) {
	longEnv := strings.Repeat("v", 4092)
	cases := []struct {
		name, fn, field, frag string
	}{
		{"missing name", `{"handler":"index.main"}`, "functions[1].name", "missing function name"},
		{"name type", `{"name":12}`, "functions[1].name", "expected a string, got number 12"},
		{"name too short", `{"name":"a"}`, "functions[1].name", "2-60 characters"},
		{"name starts with digit", `{"name":"1fn"}`, "functions[1].name", "starting with a letter"},
		{"name ends with dash", `{"name":"fn-"}`, "functions[1].name", "ending with a letter or digit"},
		{"name too long", `{"name":"` + strings.Repeat("a", 61) + `"}`, "functions[1].name", "2-60"},
		{"name with dot", `{"name":"fn.x"}`, "functions[1].name", "invalid function name"},
		{"duplicate name", `{"name":"first"}`, "functions[1].name", `duplicate function name "first" (also functions[0].name)`},
		{"timeout type", `{"name":"fn","timeout":"10s"}`, "functions[1].timeout", `expected a number, got string "10s"`},
		{"timeout zero", `{"name":"fn","timeout":0}`, "functions[1].timeout", "1-900"},
		{"timeout too big", `{"name":"fn","timeout":901}`, "functions[1].timeout", "1-900"},
		{"timeout fraction", `{"name":"fn","timeout":1.5}`, "functions[1].timeout", "expected a whole number, got number 1.5"},
		{"memory step", `{"name":"fn","memorySize":200}`, "functions[1].memorySize", "64, or 128 to 3072 in steps of 128"},
		{"memory too big", `{"name":"fn","memorySize":3200}`, "functions[1].memorySize", "steps of 128"},
		{"memory bool", `{"name":"fn","memorySize":true}`, "functions[1].memorySize", "expected a number, got boolean true"},
		{"runtime", `{"name":"fn","runtime":"Nodejs99"}`, "functions[1].runtime", "unknown runtime \"Nodejs99\"; known runtimes: Nodejs24.11"},
		{"handler shape", `{"name":"fn","handler":"index"}`, "functions[1].handler", "expected FILE.FUNCTION"},
		{"handler escape", `{"name":"fn","handler":"../x.main"}`, "functions[1].handler", "FILE.FUNCTION"},
		{"handler empty", `{"name":"fn","handler":""}`, "functions[1].handler", "empty"},
		{"java handler", `{"name":"fn","runtime":"Java8","handler":"index.main"}`, "functions[1].handler", "package.Class::method"},
		{"env type", `{"name":"fn","envVariables":[]}`, "functions[1].envVariables", "expected an object, got array"},
		{"env value type", `{"name":"fn","envVariables":{"A":{"x":1}}}`, "functions[1].envVariables.A", "expected a string, got object"},
		{"env value null", `{"name":"fn","envVariables":{"A":null}}`, "functions[1].envVariables.A", "got null"},
		{"env key", `{"name":"fn","envVariables":{"1A":"x"}}`, `functions[1].envVariables["1A"]`, "invalid environment variable name"},
		{"env size", `{"name":"fn","envVariables":{"BIG":"` + longEnv + `","B":"x"}}`, "functions[1].envVariables", "4097 bytes (keys plus values), over the 4096-byte limit by 1"},
		{"vpc half", `{"name":"fn","vpc":{"vpcId":"vpc-1"}}`, "functions[1].vpc", "set together"},
		{"vpc type", `{"name":"fn","vpc":{"vpcId":1,"subnetId":"s"}}`, "functions[1].vpc.vpcId", "expected a string"},
		{"installDependency", `{"name":"fn","installDependency":"yes"}`, "functions[1].installDependency", `expected true or false, got string "yes"`},
		{"ignore type", `{"name":"fn","ignore":{"a":1}}`, "functions[1].ignore", "a string or an array of strings"},
		{"ignore element", `{"name":"fn","ignore":["a",1]}`, "functions[1].ignore[1]", "expected a string"},
		{"layer name", `{"name":"fn","layers":[{"name":"","version":1}]}`, "functions[1].layers[0].name", "invalid layer name"},
		{"layer version", `{"name":"fn","layers":[{"name":"l","version":0}]}`, "functions[1].layers[0].version", "positive integer"},
		{"layer missing version", `{"name":"fn","layers":[{"name":"l"}]}`, "functions[1].layers[0].version", "expected a number, got null"},
		{"trigger type", `{"name":"fn","triggers":[{"name":"t","type":"cos","config":"x"}]}`, "functions[1].triggers[0].type", `only "timer"`},
		{"trigger cron", `{"name":"fn","triggers":[{"name":"t","type":"timer","config":"0 0 2 * * *"}]}`, "functions[1].triggers[0].config", "expected 7 fields"},
		{"trigger cron value", `{"name":"fn","triggers":[{"name":"t","type":"timer","config":"0 0 25 * * * *"}]}`, "functions[1].triggers[0].config", "hour: 25 is out of range 0-23"},
		{"trigger missing config", `{"name":"fn","triggers":[{"name":"t","type":"timer"}]}`, "functions[1].triggers[0].config", "missing trigger config"},
		{"trigger name", `{"name":"fn","triggers":[{"name":"1t","type":"timer","config":"0 0 2 * * * *"}]}`, "functions[1].triggers[0].name", "invalid trigger name"},
		{"trigger duplicate", `{"name":"fn","triggers":[{"name":"t","type":"timer","config":"0 0 2 * * * *"},{"name":"t","type":"timer","config":"0 0 3 * * * *"}]}`,
			"functions[1].triggers[1].name", "duplicate trigger name"},
		{"triggers type", `{"name":"fn","triggers":{}}`, "functions[1].triggers", "expected an array, got object"},
		{"path", `{"name":"fn","path":"api"}`, "functions[1].path", `must start with "/"`},
		{"codeSecret", `{"name":"fn","codeSecret":"short"}`, "functions[1].codeSecret", "exactly 36 letters and digits"},
		{"type", `{"name":"fn","type":"Cron"}`, "functions[1].type", `"Event" or "HTTP"`},
		{"dir empty", `{"name":"fn","dir":""}`, "functions[1].dir", "empty"},
		{"entry type", `"fn"`, "functions[1]", `expected an object, got string "fn"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rc := fmt.Sprintf(`{"envId":"e","functions":[{"name":"first"},%s]}`, c.fn)
			_, _, err := load(t, map[string]string{"cloudbaserc.json": rc}, LoadOptions{})
			wantConfigError(t, err, "cloudbaserc.json", c.field, c.frag)
			if err != nil && !strings.HasPrefix(err.Error(), "cloudbaserc.json: "+c.field+": ") {
				t.Errorf("message format: %q", err)
			}
		})
	}

	top := []struct {
		name, rc, field, frag string
	}{
		{"version", `{"version":"3.0"}`, "version", "2.0 and 2.1"},
		{"envId type", `{"envId":1}`, "envId", "expected a string, got number 1"},
		{"region", `{"region":"mars"}`, "region", "shorthand gz, bj, sh, nj, cd, cq"},
		{"functionRoot type", `{"functionRoot":false}`, "functionRoot", "expected a string"},
		{"functions type", `{"functions":{"name":"x"}}`, "functions", "expected an array, got object"},
	}
	for _, c := range top {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := load(t, map[string]string{"cloudbaserc.yaml": yamlOf(t, c.rc)}, LoadOptions{})
			wantConfigError(t, err, "cloudbaserc.yaml", c.field, c.frag)
		})
	}
}

// yamlOf returns JSON text, which is valid YAML, to exercise the YAML path.
func yamlOf(t *testing.T, s string) string { return s }

func TestValidAndNormalized(t *testing.T) {
	rc := `{"envId":"e","functions":[{
		"name":"fn_1-x","handler":"src/app.handler.main","runtime":"nodejs20.19","timeout":900,"memorySize":64,
		"envVariables":{"PORT":8080,"DEBUG":true,"_X":"y"},
		"installDependency":false,"ignore":"*.log",
		"layers":[{"name":"common","version":"3"}],
		"triggers":[{"name":"every5","type":"timer","config":"*/5 * * * * ? *"}],
		"path":"/api/fn","codeSecret":"` + strings.Repeat("aB3", 12) + `",
		"type":"http","role":"TCB_QcsRole","l5":false,"dir":"./custom"
	},{"name":"go-fn","runtime":"Go1","handler":"main"},{"name":"java-fn","runtime":"Java11","handler":"example.Hello::main"},
	{"name":"http-fn","isHTTP":true,"memorySize":3072,"vpc":{"vpcId":"","subnetId":""}}]}`
	p, dir := mustLoad(t, map[string]string{"cloudbaserc.json": rc}, LoadOptions{})
	f := p.Functions[0]
	if f.Runtime != "Nodejs20.19" || f.Type != "HTTP" || f.EnvVariables["PORT"] != "8080" || f.EnvVariables["DEBUG"] != "true" {
		t.Errorf("%+v", f)
	}
	if f.Layers[0].Version != 3 || f.InstallDependency == nil || *f.InstallDependency || f.L5 == nil || *f.L5 {
		t.Errorf("%+v", f)
	}
	if f.Dir != filepath.Join(dir, "custom") {
		t.Errorf("dir %s", f.Dir)
	}
	if p.Functions[3].Type != "HTTP" || p.Functions[3].VPC != nil {
		t.Errorf("http-fn %+v", p.Functions[3])
	}
}

func TestDefaults(t *testing.T) {
	f := Function{Name: "fn"}.WithDefaults()
	if f.Handler != "index.main" || f.Runtime != DefaultRuntime || f.Timeout != 10 || f.MemorySize != 256 || f.InstallDependency == nil || !*f.InstallDependency {
		t.Errorf("%+v", f)
	}
	py := Function{Name: "fn", Runtime: "Python3.9"}.WithDefaults()
	if *py.InstallDependency {
		t.Error("installDependency defaults to true only for Node.js")
	}
	no := false
	kept := Function{Name: "fn", Timeout: 3, InstallDependency: &no, Handler: "app.run"}.WithDefaults()
	if kept.Timeout != 3 || *kept.InstallDependency || kept.Handler != "app.run" {
		t.Errorf("%+v", kept)
	}
	if _, ok := NormalizeRuntime(DefaultRuntime); !ok {
		t.Error("DefaultRuntime not in Runtimes")
	}

	d := DefaultFunction("hello", "")
	if !filepath.IsAbs(d.Dir) || filepath.Base(d.Dir) != "hello" || filepath.Base(filepath.Dir(d.Dir)) != "functions" {
		t.Errorf("dir %s", d.Dir)
	}
	if d.Handler != "" || len(d.Ignore) != 1 || d.Ignore[0] != ".git" {
		t.Errorf("%+v", d)
	}
	d = DefaultFunction("hello", "/tmp/x")
	if d.Dir != "/tmp/x" {
		t.Errorf("dir %s", d.Dir)
	}
	if err := d.Validate(); err != nil {
		t.Error(err)
	}
	d.Timeout = 1000
	wantConfigError(t, d.Validate(), "", "timeout", "1-900")
	d.Timeout = 0
	d.Triggers = []Trigger{{Name: "t", Type: "timer", Config: "bad"}}
	wantConfigError(t, d.Validate(), "", "triggers[0].config", "expected 7 fields")
	bad := DefaultFunction("x", "/tmp")
	wantConfigError(t, bad.Validate(), "", "name", "invalid function name")
}
