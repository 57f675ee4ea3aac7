package projinit

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPlanEveryTemplate(t *testing.T) {
	for _, tm := range Templates {
		t.Run(tm.Name, func(t *testing.T) {
			a := Answers{Name: "demo", EnvID: "demo-1a2b3c", AppID: "wx0123456789abcdef", Runtime: DefaultRuntime, AppSecret: "s3cret"}
			files, err := Plan(tm.Name, a)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]File{}
			for _, f := range files {
				seen[f.Path] = f
				if strings.HasSuffix(f.Path, ".json") && !json.Valid(f.Data) {
					t.Errorf("%s is not valid JSON:\n%s", f.Path, f.Data)
				}
				if strings.Contains(string(f.Data), "[[") {
					t.Errorf("%s holds an unrendered placeholder", f.Path)
				}
			}
			switch tm.Name {
			case "miniprogram":
				var pc struct{ CloudfunctionRoot, MiniprogramRoot, Appid string }
				_ = json.Unmarshal(seen["project.config.json"].Data, &pc)
				if pc.CloudfunctionRoot != "cloudfunctions/" || pc.MiniprogramRoot != "miniprogram/" || pc.Appid != a.AppID {
					t.Errorf("project.config.json: %+v", pc)
				}
				if !strings.Contains(string(seen["cloudfunctions/hello/package.json"].Data), "tcb-router") ||
					!strings.Contains(string(seen["miniprogram/app.js"].Data), "'demo-1a2b3c'") {
					t.Error("the function or app.js lacks what the template promises")
				}
			case "cloudbaserc":
				var rc struct {
					EnvID     string `json:"envId"`
					Functions []struct{ Name string }
				}
				_ = json.Unmarshal(seen["cloudbaserc.json"].Data, &rc)
				if rc.EnvID != a.EnvID || len(rc.Functions) != 1 {
					t.Errorf("cloudbaserc.json: %+v", rc)
				}
			case "token-server":
				for _, p := range []string{"appsecret", "keys"} {
					if seen[p].Mode != 0o600 {
						t.Errorf("%s mode %o, want 0600", p, seen[p].Mode)
					}
				}
				if string(seen["appsecret"].Data) != "s3cret\n" || !strings.HasPrefix(string(seen["keys"].Data), "tcbk_") {
					t.Error("appsecret or keys")
				}
				for _, p := range []string{"Dockerfile", "tcb-token.service", ".dockerignore"} {
					if _, ok := seen[p]; !ok {
						t.Errorf("no %s", p)
					}
				}
			}
		})
	}
	if _, err := Plan("nope", Answers{}); err == nil {
		t.Fatal("an unknown template planned")
	}
}

func TestCheckAndWrite(t *testing.T) {
	dir := t.TempDir()
	files, err := Plan("token-server", Answers{Name: "x", AppID: "wx0123456789abcdef"})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "apps.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "keys"), 0o755); err != nil {
		t.Fatal(err)
	}
	st, err := Check(dir, files)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]State{"apps.json": Different, "keys": Blocked, "Dockerfile": Missing}
	for i, f := range files {
		if w, ok := want[f.Path]; ok && st[i] != w {
			t.Errorf("%s: state %d, want %d", f.Path, st[i], w)
		}
	}
	os.Remove(filepath.Join(dir, "keys"))
	written, err := Write(dir, files, map[string]bool{"apps.json": true})
	if err != nil || len(written) != len(files)-1 {
		t.Fatalf("wrote %v: %v", written, err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "apps.json")); string(b) != "{}" {
		t.Error("a skipped file was overwritten")
	}
	fi, err := os.Stat(filepath.Join(dir, "keys"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("keys: %v %v", fi, err)
	}
	st, _ = Check(dir, files)
	for i, f := range files {
		if f.Path != "apps.json" && st[i] != Same {
			t.Errorf("%s not the same after writing", f.Path)
		}
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".tcb-init-*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
