package cos

import (
	"strings"
	"testing"
)

// FuzzObjectPath: GetTempCosInfo's ObjectPath parser accepts only
// <digits>/<name>/<name>.zip, whose parts can never leave the key space
// (no "..", no empty segment, no control bytes).
func FuzzObjectPath(f *testing.F) {
	for _, s := range []string{"1250000000/env-1/fn.zip", "1/e/f.zip\"", "../x/y.zip", "1/e/../f.zip", "1//f.zip", "1/e/f\x00.zip", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		appID, env, name, ok := parseObjectPath(s)
		if !ok {
			return
		}
		if s != appID+"/"+env+"/"+name+".zip" {
			t.Fatalf("%q parsed as %q %q %q", s, appID, env, name)
		}
		for _, part := range []string{appID, env, name} {
			if part == "" || part == "." || part == ".." || strings.ContainsAny(part, "/\\\x00.") {
				t.Fatalf("%q: unsafe part %q", s, part)
			}
		}
		if checkKey("2026-01-01/"+s) != nil {
			t.Fatalf("%q makes a key checkKey refuses", s)
		}
	})
}
