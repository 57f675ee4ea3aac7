package project

import (
	"path/filepath"
	"testing"
)

func TestWeChatProject(t *testing.T) {
	files := map[string]string{
		"project.config.json":                 `{"appid":"wx1234567890abcdef","miniprogramRoot":"miniprogram/","cloudfunctionRoot":"cloudfunctions/","setting":{}}`,
		"miniprogram/app.js":                  "",
		"cloudfunctions/login/index.js":       "exports.main = async () => ({})",
		"cloudfunctions/login/package.json":   `{"name":"login"}`,
		"cloudfunctions/timer/index.js":       "",
		"cloudfunctions/timer/config.json":    `{"permissions":{"openapi":["subscribeMessage.send"]},"triggers":[{"name":"myTrigger","type":"timer","config":"0 0 2 1 * * *"}]}`,
		"cloudfunctions/pkgonly/package.json": `{}`,
		"cloudfunctions/_shared/util.js":      "",
		"cloudfunctions/.hidden/index.js":     "",
		"cloudfunctions/README.md":            "",
		"cloudfunctions/withcfg/index.js":     "",
		"cloudfunctions/withcfg/config.json":  `{"timeout":20,"runtime":"Nodejs16.13"}`,
	}
	p, dir := mustLoad(t, files, LoadOptions{})
	if p.Kind != KindWeChat || p.AppID != "wx1234567890abcdef" || p.ConfigPath != filepath.Join(dir, "project.config.json") {
		t.Errorf("%+v", p)
	}
	if p.MiniprogramRoot != filepath.Join(dir, "miniprogram") || p.FunctionRoot != filepath.Join(dir, "cloudfunctions") {
		t.Errorf("roots %s %s", p.MiniprogramRoot, p.FunctionRoot)
	}
	var names []string
	for _, f := range p.Functions {
		names = append(names, f.Name)
		if f.Dir != filepath.Join(dir, "cloudfunctions", f.Name) {
			t.Errorf("%s dir %s", f.Name, f.Dir)
		}
	}
	if len(names) != 4 || names[0] != "login" || names[1] != "pkgonly" || names[2] != "timer" || names[3] != "withcfg" {
		t.Fatalf("functions %q", names)
	}
	timer, _ := p.Function("timer")
	if len(timer.Triggers) != 1 || timer.Triggers[0] != (Trigger{Name: "myTrigger", Type: "timer", Config: "0 0 2 1 * * *"}) {
		t.Errorf("triggers %+v", timer.Triggers)
	}
	if string(timer.Permissions) != `{"openapi":["subscribeMessage.send"]}` {
		t.Errorf("permissions %s", timer.Permissions)
	}
	login, _ := p.Function("login")
	d := login.WithDefaults()
	if login.Handler != "" || d.Handler != "index.main" || !*d.InstallDependency || d.Runtime != DefaultRuntime {
		t.Errorf("defaults %+v", d)
	}
	withcfg, _ := p.Function("withcfg")
	if withcfg.Timeout != 20 || withcfg.Runtime != "Nodejs16.13" {
		t.Errorf("withcfg %+v", withcfg)
	}
}

func TestWeChatErrors(t *testing.T) {
	base := `{"appid":"wx1","cloudfunctionRoot":"cf/"}`
	cases := []struct {
		name  string
		files map[string]string
		file  string
		field string
		frag  string
	}{
		{"bad trigger cron", map[string]string{"project.config.json": base, "cf/fn/index.js": "", "cf/fn/config.json": `{"triggers":[{"name":"t","type":"timer","config":"0 0 2 * *"}]}`},
			"cf/fn/config.json", "triggers[0].config", "expected 7 fields"},
		{"config.json syntax", map[string]string{"project.config.json": base, "cf/fn/index.js": "", "cf/fn/config.json": `{`},
			"cf/fn/config.json", "", "invalid JSON"},
		{"bad directory name", map[string]string{"project.config.json": base, "cf/bad name/index.js": ""},
			"cf/bad name", "", "not a valid cloud function name"},
		{"missing root", map[string]string{"project.config.json": base}, "project.config.json", "cloudfunctionRoot", "cannot read the cloud function directory"},
		{"appid type", map[string]string{"project.config.json": `{"appid":1}`}, "project.config.json", "appid", "expected a string"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := load(t, c.files, LoadOptions{})
			wantConfigError(t, err, c.file, c.field, c.frag)
		})
	}
	// Without cloudfunctionRoot: a mini program with no cloud functions.
	p, _ := mustLoad(t, map[string]string{"project.config.json": `{"appid":"wx1"}`}, LoadOptions{})
	if p.Kind != KindWeChat || p.FunctionRoot != "" || len(p.Functions) != 0 || p.AppID != "wx1" {
		t.Errorf("%+v", p)
	}
}
