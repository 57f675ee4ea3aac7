package config

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func TestCredentialsFileModesAndAtomicReplace(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tcb")
	s := Open(dir)
	if err := s.UpdateCredentials("default", func(c *Credentials) error {
		c.SecretID, c.SecretKey = "AKIDexample0001", "very-secret-key"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %o, want 700", st.Mode().Perm())
	}
	fst, err := os.Stat(s.CredentialsPath())
	if err != nil {
		t.Fatal(err)
	}
	if fst.Mode().Perm() != 0o600 {
		t.Errorf("credentials mode %o, want 600", fst.Mode().Perm())
	}
	// No temp files left behind.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("leftover temp file %s", e.Name())
		}
	}
	// Replacing keeps one valid file: a concurrent reader never sees a torn
	// or empty document.
	stop := make(chan struct{})
	var readErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			b, err := os.ReadFile(s.CredentialsPath())
			if err != nil {
				readErr = err
				return
			}
			var doc credentialsDoc
			if err := json.Unmarshal(b, &doc); err != nil {
				readErr = err
				return
			}
		}
	}()
	for i := 0; i < 200; i++ {
		if err := s.UpdateCredentials("p"+string(rune('a'+i%26)), func(c *Credentials) error {
			c.SecretID, c.SecretKey = "AKIDx", strings.Repeat("k", i+1)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if readErr != nil {
		t.Fatalf("reader saw a broken file: %v", readErr)
	}
}

func TestConcurrentUpdatesLoseNothing(t *testing.T) {
	s := Open(t.TempDir())
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			p := "p" + string(rune('a'+i))
			if err := s.UpdateSettings(p, func(st *Settings) error { st.Region = "ap-shanghai"; return nil }); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	ps, err := s.Profiles()
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 20 {
		t.Fatalf("%d profiles survived concurrent writes, want 20", len(ps))
	}
}

func TestRefusesReadableCredentials(t *testing.T) {
	s := Open(t.TempDir())
	if err := s.UpdateCredentials("default", func(c *Credentials) error { c.SecretID, c.SecretKey = "a", "b"; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(s.CredentialsPath(), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := s.Credentials("default")
	var fe *FileError
	if !errors.As(err, &fe) || !strings.Contains(fe.Error(), "too open") || !strings.Contains(fe.Hint(), "chmod 600") {
		t.Fatalf("want a too-open error with a chmod hint, got %v", err)
	}
	// Writes are refused too, so the secrets are not rewritten into a
	// readable file.
	if err := s.UpdateCredentials("default", func(c *Credentials) error { return nil }); err == nil {
		t.Fatal("update of a world-readable credentials file succeeded")
	}
}

func TestBrokenFilesAreReported(t *testing.T) {
	s := Open(t.TempDir())
	os.MkdirAll(s.Dir(), 0o700)
	os.WriteFile(s.SettingsPath(), []byte("{not json"), 0o600)
	_, err := s.Settings("default")
	var fe *FileError
	if !errors.As(err, &fe) || fe.Path != s.SettingsPath() {
		t.Fatalf("want a FileError naming the file, got %v", err)
	}
}

func TestEnvCredentialsSpellings(t *testing.T) {
	env := map[string]string{"TENCENTCLOUD_SECRET_ID": "id2", "TENCENTCLOUD_SECRET_KEY": "k2", "TENCENTCLOUD_SECRETID": "id1"}
	id, key, _ := EnvCredentials(func(k string) string { return env[k] })
	if id != "id1" || key != "k2" {
		t.Fatalf("got %q %q", id, key)
	}
}

func TestMask(t *testing.T) {
	for in, want := range map[string]string{"": "", "short": "****", "AKIDabcdefghijkl1234": "AKID****1234"} {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReadOfficialCredentials(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, "auth.json")
		os.WriteFile(p, []byte(body), 0o600)
		return p
	}
	c, err := ReadOfficialCredentials(write(`{"credential":{"secretId":"AKIDflat","secretKey":"k1"}}`))
	if err != nil || c.SecretID != "AKIDflat" || c.SecretKey != "k1" {
		t.Fatalf("flat: %+v %v", c, err)
	}
	c, err = ReadOfficialCredentials(write(`{"credential":{"domestic":{"secretId":"AKIDdom","secretKey":"k2","token":"t"},"intl":{}}}`))
	if err != nil || c.SecretID != "AKIDdom" || c.SessionToken != "t" {
		t.Fatalf("sites: %+v %v", c, err)
	}
	_, err = ReadOfficialCredentials(write(`{"credential":{"tmpSecretId":"x","tmpSecretKey":"y","refreshToken":"r"}}`))
	if !errors.Is(err, ErrTemporaryOfficialCredential) {
		t.Fatalf("web login: %v", err)
	}
	_, err = ReadOfficialCredentials(filepath.Join(dir, "missing.json"))
	if err == nil || !strings.Contains(err.Error(), "never logged in") {
		t.Fatalf("missing: %v", err)
	}
	_, err = ReadOfficialCredentials(write(`{"credential":null}`))
	if err == nil {
		t.Fatal("null credential accepted")
	}
}

func TestSettingValidation(t *testing.T) {
	var st Settings
	k, _ := LookupSetting("region")
	if v, err := k.Set(&st, "gz"); err != nil || v != "ap-guangzhou" {
		t.Fatalf("shorthand: %q %v", v, err)
	}
	if _, err := k.Set(&st, "mars"); err == nil {
		t.Fatal("bad region accepted")
	}
	k, _ = LookupSetting("token_server")
	if _, err := k.Set(&st, "https://user:pw@host"); err == nil {
		t.Fatal("credentials in token server URL accepted")
	}
	if _, err := LookupSetting("colour"); err == nil {
		t.Fatal("unknown key accepted")
	}
}

func TestExistingOpenDirIsTightened(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tcb")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil { // whatever the umask
		t.Fatal(err)
	}
	if err := Open(dir).UpdateCredentials("default", func(c *Credentials) error {
		c.SecretID, c.SecretKey = "AKIDexample0001", "very-secret-key"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm() != 0o700 {
		t.Errorf("an existing 0755 dir is %o after a write, want 700", st.Mode().Perm())
	}
}
