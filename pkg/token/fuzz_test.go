package token

import (
	"net/url"
	"strings"
	"testing"
)

func FuzzParseApps(f *testing.F) {
	f.Add([]byte(`{"wx1": {"secret": "s"}}`))
	f.Add([]byte(`{"wx1": {"secret_env": "X"}, "wx2": {"secret_file": "f"}}`))
	f.Add([]byte(`{"wx1": {"secret": 5}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		apps, err := ParseApps(data, dir, func(string) string { return "env-secret" })
		if err != nil {
			return
		}
		for id, s := range apps {
			if ValidAppID(id) != nil || s == "" || strings.TrimSpace(s) != s {
				t.Fatalf("accepted bad entry %q", id)
			}
		}
	})
}

func FuzzParseKeys(f *testing.F) {
	f.Add("# c\nkey-aaaaaaaaaaaaaaaa\n")
	f.Add("\x00\n")
	f.Fuzz(func(t *testing.T, s string) {
		keys, err := ParseKeys(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, k := range keys {
			if checkKey(k) != nil {
				t.Fatalf("accepted bad key %q", k)
			}
		}
	})
}

func FuzzQueryParam(f *testing.F) {
	f.Add("appid=wx1")
	f.Add("a=1&appid=wx%31&appid=2")
	f.Add("app%69d=x+y")
	f.Add("key=1")
	f.Fuzz(func(t *testing.T, raw string) {
		got, ok := queryParam(raw, "appid")
		vals, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		if want, has := vals["appid"]; has != ok || (has && want[0] != got) {
			t.Fatalf("queryParam(%q) = %q,%v; ParseQuery says %v", raw, got, ok, want)
		}
		cred := false
		for k := range vals {
			if queryCredentialNames[strings.ToLower(k)] {
				cred = true
			}
		}
		if cred && !hasQueryCredential(raw) {
			t.Fatalf("credential in %q not detected", raw)
		}
	})
}
