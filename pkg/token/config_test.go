package token

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseApps(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "wx2.secret"), []byte("  file-secret-value\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"WX3_SECRET": "env-secret-value", "EMPTY": " "}
	getenv := func(k string) string { return env[k] }
	good := `{
		"wx0000000000000001": {"secret": "inline-secret"},
		"wx0000000000000002": {"secret_file": "wx2.secret"},
		"wx0000000000000003": {"secret_env": "WX3_SECRET"}
	}`
	apps, err := ParseApps([]byte(good), dir, getenv)
	if err != nil {
		t.Fatal(err)
	}
	want := Apps{"wx0000000000000001": "inline-secret", "wx0000000000000002": "file-secret-value", "wx0000000000000003": "env-secret-value"}
	if fmt.Sprint(apps) != fmt.Sprint(want) || len(apps.IDs()) != 3 {
		t.Errorf("got %v", apps.IDs())
	}

	tests := []struct {
		name, json string
		wantErr    []string // substrings
	}{
		{"not an object", `[1]`, []string{"JSON object"}},
		{"empty", `{}`, []string{"no apps"}},
		{"bad appid", `{"wx 1": {"secret": "s"}}`, []string{"invalid appid"}},
		{"two sources", `{"wx1": {"secret": "s", "secret_env": "X"}}`, []string{"app wx1", "exactly one"}},
		{"no source", `{"wx1": {}}`, []string{"app wx1", "exactly one"}},
		{"unknown field", `{"wx1": {"secrte": "s"}}`, []string{"app wx1", "secrte"}},
		{"wrong type", `{"wx1": {"secret": 5}}`, []string{"app wx1", "secret", "string"}},
		{"entry not an object", `{"wx1": "s"}`, []string{"app wx1"}},
		{"missing file", `{"wx1": {"secret_file": "nope.txt"}}`, []string{"app wx1", "secret_file"}},
		{"unset env", `{"wx1": {"secret_env": "NOPE"}}`, []string{"app wx1", "secret_env", "NOPE"}},
		{"blank env", `{"wx1": {"secret_env": "EMPTY"}}`, []string{"app wx1", "EMPTY"}},
		{"whitespace secret", `{"wx1": {"secret": "a b"}}`, []string{"app wx1", "whitespace"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseApps([]byte(tt.json), dir, getenv)
			if err == nil {
				t.Fatal("expected an error")
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "a b") {
				t.Errorf("error echoes the secret")
			}
		})
	}
	// LoadApps names the file.
	p := filepath.Join(dir, "apps.json")
	_ = os.WriteFile(p, []byte(`{"wx1": {}}`), 0o600)
	if _, err := LoadApps(p, nil); err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("LoadApps error %v", err)
	}
}

func TestKeys(t *testing.T) {
	keys, err := ParseKeys(strings.NewReader("# comment\n\n  key-aaaaaaaaaaaaaaaa  \nkey-bbbbbbbbbbbbbbbb\n"))
	if err != nil || len(keys) != 2 || keys[0] != "key-aaaaaaaaaaaaaaaa" {
		t.Fatalf("%v %v", keys, err)
	}
	if _, err := ParseKeys(strings.NewReader("short\n")); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("short key: %v", err)
	}
	tests := []struct {
		name    string
		file    []string
		env     string
		want    int
		wantErr bool
	}{
		{"env only", nil, "env-key-0000000000000", 1, false},
		{"file and env, deduplicated", []string{"env-key-0000000000000", "file-key-000000000000"}, "env-key-0000000000000", 2, false},
		{"none", nil, "", 0, true},
		{"short env key", nil, "tiny-key", 0, true},
	}
	for _, tt := range tests {
		got, err := CollectKeys(tt.file, tt.env)
		if (err != nil) != tt.wantErr || len(got) != tt.want {
			t.Errorf("%s: %v %v", tt.name, got, err)
		}
		if err != nil && tt.env != "" && strings.Contains(err.Error(), tt.env) {
			t.Errorf("%s: error echoes the key", tt.name)
		}
	}
}

func TestMaskAndRecordFormatting(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "****"},
		{"short", "****"},
		{"0123456789abcde", "****"},
		{"0123456789abcdef", "0123****cdef"},
		{"ACCESS_TOKEN_VALUE_0123456789", "ACCE****6789"},
	}
	for _, tt := range tests {
		if got := Mask(tt.in); got != tt.want {
			t.Errorf("Mask(%q) = %q", tt.in, got)
		}
	}
	tok := "SECRET-ACCESS-TOKEN-0123456789"
	r := &Record{AppID: testApp, Token: tok, Source: SourceStable}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "rec", r, "val", *r)
	for _, s := range []string{fmt.Sprint(r), fmt.Sprintf("%v %+v %#v %s", *r, *r, *r, r), buf.String()} {
		if strings.Contains(s, tok) || !strings.Contains(s, Mask(tok)) {
			t.Errorf("token not masked: %s", s)
		}
	}
}

// Inline AppSecrets in an apps file other users can read are refused (like
// a credentials file readable by others); references to secrets are fine.
func TestLoadAppsRefusesReadableInlineSecrets(t *testing.T) {
	dir := t.TempDir()
	inline := filepath.Join(dir, "inline.json")
	os.WriteFile(inline, []byte(`{"wx0123456789abcdef": {"secret": "s3cr3t-value"}}`), 0o644)
	_, err := LoadApps(inline, nil)
	if err == nil || !strings.Contains(err.Error(), "chmod 600") || strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("a 0644 apps file with an inline secret: %v", err)
	}
	os.Chmod(inline, 0o600)
	if apps, err := LoadApps(inline, nil); err != nil || apps["wx0123456789abcdef"] != "s3cr3t-value" {
		t.Fatalf("0600: %v", err)
	}
	byEnv := filepath.Join(dir, "env.json")
	os.WriteFile(byEnv, []byte(`{"wx0123456789abcdef": {"secret_env": "WX_S"}}`), 0o644)
	if _, err := LoadApps(byEnv, func(string) string { return "from-env" }); err != nil {
		t.Fatalf("a 0644 apps file without secrets in it: %v", err)
	}
}
