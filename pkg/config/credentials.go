package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Source says where resolved credentials came from.
type Source string

const (
	SourceNone     Source = ""
	SourceEnv      Source = "environment"
	SourceProfile  Source = "profile"
	SourceEmulator Source = "emulator"
)

// EnvCredentials reads the Tencent Cloud keys from the environment:
// TENCENTCLOUD_SECRETID / TENCENTCLOUD_SECRETKEY / TENCENTCLOUD_SESSIONTOKEN,
// or the _SECRET_ID / _SECRET_KEY / _SESSION_TOKEN spellings.
func EnvCredentials(getenv func(string) string) (id, key, token string) {
	first := func(names ...string) string {
		for _, n := range names {
			if v := strings.TrimSpace(getenv(n)); v != "" {
				return v
			}
		}
		return ""
	}
	id = first("TENCENTCLOUD_SECRETID", "TENCENTCLOUD_SECRET_ID")
	key = first("TENCENTCLOUD_SECRETKEY", "TENCENTCLOUD_SECRET_KEY")
	token = first("TENCENTCLOUD_SESSIONTOKEN", "TENCENTCLOUD_SESSION_TOKEN")
	return id, key, token
}

// Mask hides a secret for display: the first and last four characters of
// long values, nothing of short ones.
func Mask(s string) string {
	if s == "" {
		return ""
	}
	if len(s) < 12 {
		return "****"
	}
	return s[:4] + "****" + s[len(s)-4:]
}

// OfficialCredentialPath is where the official Node CLI keeps its login.
func OfficialCredentialPath() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".config", ".cloudbase", "auth.json"), nil
}

// ErrTemporaryOfficialCredential means the official CLI holds only a web or
// device login, whose keys expire within hours; there is nothing permanent
// to import.
var ErrTemporaryOfficialCredential = errors.New("the official CLI is logged in with temporary web/device credentials, which expire; log in with API keys instead (tcb login --secret-id ... --secret-key ...)")

// ReadOfficialCredentials extracts permanent API keys from the official
// CLI's auth.json. It understands the flat form ({credential:{secretId,
// secretKey, token}}) and the per-site form ({credential:{domestic:{...},
// intl:{...}}}, domestic first).
func ReadOfficialCredentials(path string) (Credentials, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Credentials{}, &FileError{Path: path, Err: errors.New("not found: the official CLI has never logged in on this machine")}
	}
	if err != nil {
		return Credentials{}, &FileError{Path: path, Err: err}
	}
	var doc struct {
		Credential json.RawMessage `json:"credential"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return Credentials{}, &FileError{Path: path, Err: fmt.Errorf("not valid JSON: %v", err)}
	}
	if len(doc.Credential) == 0 || string(doc.Credential) == "null" {
		return Credentials{}, &FileError{Path: path, Err: errors.New("holds no credential (the official CLI is logged out)")}
	}
	type slot struct {
		SecretID     string `json:"secretId"`
		SecretKey    string `json:"secretKey"`
		Token        string `json:"token"`
		TmpSecretID  string `json:"tmpSecretId"`
		RefreshToken string `json:"refreshToken"`
	}
	var flat slot
	var sites struct {
		Domestic *slot `json:"domestic"`
		Intl     *slot `json:"intl"`
	}
	if err := json.Unmarshal(doc.Credential, &flat); err != nil {
		return Credentials{}, &FileError{Path: path, Err: fmt.Errorf("unexpected credential shape: %v", err)}
	}
	_ = json.Unmarshal(doc.Credential, &sites)
	candidates := []slot{flat}
	if sites.Domestic != nil {
		candidates = append(candidates, *sites.Domestic)
	}
	if sites.Intl != nil {
		candidates = append(candidates, *sites.Intl)
	}
	sawTemporary := false
	for _, c := range candidates {
		if c.SecretID != "" && c.SecretKey != "" {
			if c.RefreshToken != "" {
				sawTemporary = true
				continue
			}
			return Credentials{SecretID: c.SecretID, SecretKey: c.SecretKey, SessionToken: c.Token}, nil
		}
		if c.TmpSecretID != "" || c.RefreshToken != "" {
			sawTemporary = true
		}
	}
	if sawTemporary {
		return Credentials{}, &FileError{Path: path, Err: ErrTemporaryOfficialCredential}
	}
	return Credentials{}, &FileError{Path: path, Err: errors.New("holds no API keys")}
}
