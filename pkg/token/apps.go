package token

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
)

// AppEntry is one app in an apps file. Exactly one of the three fields must
// be set.
type AppEntry struct {
	Secret     string `json:"secret,omitempty"`      // the AppSecret inline
	SecretFile string `json:"secret_file,omitempty"` // a file holding it (trimmed); relative to the apps file
	SecretEnv  string `json:"secret_env,omitempty"`  // an environment variable holding it
}

// Apps maps appid to resolved AppSecret. It implements AppSecrets.
type Apps map[string]string

// Secret implements AppSecrets.
func (a Apps) Secret(appid string) (string, bool) {
	s, ok := a[appid]
	return s, ok && s != ""
}

// IDs returns the appids, sorted.
func (a Apps) IDs() []string {
	ids := make([]string, 0, len(a))
	for id := range a {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// LoadApps reads an apps file:
//
//	{"wx0123456789abcdef": {"secret": "..."},
//	 "wxfedcba9876543210": {"secret_file": "/run/secrets/wx2"},
//	 "wx1111111111111111": {"secret_env": "WX3_SECRET"}}
//
// getenv resolves secret_env (pass os.Getenv; nil means no variables).
// Errors name the appid and field, never a secret.
func LoadApps(path string, getenv func(string) string) (Apps, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("apps file: %w", err)
	}
	// Inline secrets in a file others can read are refused, like a
	// credentials file readable by others.
	if fi, err := os.Stat(path); err == nil && runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 && hasInlineSecret(b) {
		return nil, fmt.Errorf("apps file %s holds AppSecrets and can be read by other users (mode %04o): run `chmod 600 %s`, or move the secrets to secret_file/secret_env",
			path, fi.Mode().Perm(), path)
	}
	apps, err := ParseApps(b, filepath.Dir(path), getenv)
	if err != nil {
		return nil, fmt.Errorf("apps file %s: %w", path, err)
	}
	return apps, nil
}

// hasInlineSecret reports whether an apps file holds a "secret" itself.
func hasInlineSecret(data []byte) bool {
	var raw map[string]struct {
		Secret string `json:"secret"`
	}
	if json.Unmarshal(data, &raw) != nil {
		return false // ParseApps reports the malformed file
	}
	for _, e := range raw {
		if e.Secret != "" {
			return true
		}
	}
	return false
}

// ParseApps parses apps-file JSON; relative secret_file paths are resolved
// against baseDir.
func ParseApps(data []byte, baseDir string, getenv func(string) string) (Apps, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("not a JSON object of appid -> {secret|secret_file|secret_env}: %w", err)
	}
	if len(raw) == 0 {
		return nil, errors.New("no apps configured")
	}
	apps := make(Apps, len(raw))
	for _, id := range slices.Sorted(maps.Keys(raw)) {
		if err := ValidAppID(id); err != nil {
			return nil, fmt.Errorf("app %q: invalid appid: use letters, digits, '-' or '_'", truncate(id, 40))
		}
		dec := json.NewDecoder(bytes.NewReader(raw[id]))
		dec.DisallowUnknownFields()
		var e AppEntry
		if err := dec.Decode(&e); err != nil {
			return nil, fmt.Errorf("app %s: %s", id, describeEntryError(err))
		}
		secret, err := e.resolve(id, baseDir, getenv)
		if err != nil {
			return nil, err
		}
		apps[id] = secret
	}
	return apps, nil
}

func describeEntryError(err error) string {
	msg := err.Error()
	if strings.Contains(msg, "unknown field") {
		return msg[strings.Index(msg, "unknown field"):] + " (allowed: secret, secret_file, secret_env)"
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field != "" {
			return fmt.Sprintf("%s: must be a string", te.Field)
		}
		return "must be an object like {\"secret\": \"...\"}"
	}
	return "malformed entry"
}

func (e AppEntry) resolve(id, baseDir string, getenv func(string) string) (string, error) {
	n := 0
	for _, s := range []string{e.Secret, e.SecretFile, e.SecretEnv} {
		if s != "" {
			n++
		}
	}
	if n != 1 {
		return "", fmt.Errorf("app %s: set exactly one of secret, secret_file or secret_env", id)
	}
	var secret string
	switch {
	case e.Secret != "":
		secret = e.Secret
	case e.SecretFile != "":
		p := e.SecretFile
		if !filepath.IsAbs(p) && baseDir != "" {
			p = filepath.Join(baseDir, p)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return "", fmt.Errorf("app %s: secret_file: %w", id, err)
		}
		secret = string(b)
	default:
		if getenv == nil {
			return "", fmt.Errorf("app %s: secret_env: environment lookups are not available here", id)
		}
		secret = getenv(e.SecretEnv)
		if strings.TrimSpace(secret) == "" {
			return "", fmt.Errorf("app %s: secret_env: variable %s is not set or empty", id, e.SecretEnv)
		}
	}
	secret = strings.TrimSpace(secret)
	if secret == "" {
		return "", fmt.Errorf("app %s: the AppSecret is empty", id)
	}
	if strings.ContainsAny(secret, " \t\r\n") {
		return "", fmt.Errorf("app %s: the AppSecret contains whitespace", id)
	}
	return secret, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
