package config

import (
	"fmt"
	"path/filepath"
	"sort"
	"sync"
)

// Settings are the non-secret per-profile settings.
type Settings struct {
	EnvID       string `json:"env_id,omitempty"`
	Region      string `json:"region,omitempty"`
	Output      string `json:"output,omitempty"`
	TokenServer string `json:"token_server,omitempty"`
}

// Credentials are the secrets of one profile.
type Credentials struct {
	SecretID     string `json:"secret_id,omitempty"`
	SecretKey    string `json:"secret_key,omitempty"`
	SessionToken string `json:"session_token,omitempty"`
	WxAppID      string `json:"wx_appid,omitempty"`
	WxSecret     string `json:"wx_secret,omitempty"`
}

// HasCloudKeys reports whether the Tencent Cloud API keys are present.
func (c Credentials) HasCloudKeys() bool { return c.SecretID != "" && c.SecretKey != "" }

// HasWeChat reports whether WeChat mini-program credentials are present.
func (c Credentials) HasWeChat() bool { return c.WxAppID != "" && c.WxSecret != "" }

// IsZero reports whether nothing is set.
func (c Credentials) IsZero() bool { return c == Credentials{} }

type settingsDoc struct {
	Profiles map[string]Settings `json:"profiles"`
}

type credentialsDoc struct {
	Note     string                 `json:"_,omitempty"`
	Profiles map[string]Credentials `json:"profiles"`
}

const credentialsNote = "tcb credentials: secrets, keep this file private (mode 0600)"

// Store reads and writes the files in one configuration directory. Each
// file is read once and remembered until the store itself writes it, so a
// process reads settings and credentials once however often it asks.
type Store struct {
	dir string

	// OnRead, when set, is called with the path of every file the store
	// reads (tests count the reads with it).
	OnRead func(path string)

	mu       sync.Mutex
	settings *cached[settingsDoc]
	creds    *cached[credentialsDoc]
}

type cached[T any] struct {
	doc *T
	err error
}

// Open returns a store for dir; nothing is created until the first write.
func Open(dir string) *Store { return &Store{dir: dir} }

// Dir is the directory the store uses.
func (s *Store) Dir() string { return s.dir }

// SettingsPath and CredentialsPath name the two files.
func (s *Store) SettingsPath() string    { return filepath.Join(s.dir, settingsFile) }
func (s *Store) CredentialsPath() string { return filepath.Join(s.dir, credentialsFile) }

// cachedSettings returns the settings file as last read, reading it the
// first time.
func (s *Store) cachedSettings() (*settingsDoc, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.settings == nil {
		doc, err := s.loadSettings()
		s.settings = &cached[settingsDoc]{doc, err}
	}
	return s.settings.doc, s.settings.err
}

// cachedCredentials is cachedSettings for the credentials file.
func (s *Store) cachedCredentials() (*credentialsDoc, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.creds == nil {
		doc, err := s.loadCredentials()
		s.creds = &cached[credentialsDoc]{doc, err}
	}
	return s.creds.doc, s.creds.err
}

// forget drops what was read, after a write.
func (s *Store) forget() {
	s.mu.Lock()
	s.settings, s.creds = nil, nil
	s.mu.Unlock()
}

func (s *Store) noteRead(path string) {
	if s.OnRead != nil {
		s.OnRead(path)
	}
}

func (s *Store) loadSettings() (*settingsDoc, error) {
	s.noteRead(s.SettingsPath())
	doc := &settingsDoc{}
	if err := readJSON(s.SettingsPath(), doc); err != nil {
		return nil, err
	}
	if doc.Profiles == nil {
		doc.Profiles = map[string]Settings{}
	}
	return doc, nil
}

func (s *Store) loadCredentials() (*credentialsDoc, error) {
	s.noteRead(s.CredentialsPath())
	if err := checkPrivate(s.CredentialsPath()); err != nil {
		return nil, err
	}
	doc := &credentialsDoc{}
	if err := readJSON(s.CredentialsPath(), doc); err != nil {
		return nil, err
	}
	if doc.Profiles == nil {
		doc.Profiles = map[string]Credentials{}
	}
	return doc, nil
}

// Settings returns the settings of profile (zero when unset).
func (s *Store) Settings(profile string) (Settings, error) {
	doc, err := s.cachedSettings()
	if err != nil {
		return Settings{}, err
	}
	return doc.Profiles[profile], nil
}

// UpdateSettings applies fn to profile's settings under the lock and writes
// the result atomically.
func (s *Store) UpdateSettings(profile string, fn func(*Settings) error) error {
	defer s.forget()
	return withLock(s.dir, func() error {
		doc, err := s.loadSettings()
		if err != nil {
			return err
		}
		st := doc.Profiles[profile]
		if err := fn(&st); err != nil {
			return err
		}
		if st == (Settings{}) {
			delete(doc.Profiles, profile)
		} else {
			doc.Profiles[profile] = st
		}
		return writeJSON(s.SettingsPath(), doc, 0o600)
	})
}

// Credentials returns the credentials of profile (zero when none).
func (s *Store) Credentials(profile string) (Credentials, error) {
	doc, err := s.cachedCredentials()
	if err != nil {
		return Credentials{}, err
	}
	return doc.Profiles[profile], nil
}

// UpdateCredentials applies fn to profile's credentials under the lock and
// writes the file atomically with mode 0600. A profile left empty is removed.
func (s *Store) UpdateCredentials(profile string, fn func(*Credentials) error) error {
	defer s.forget()
	return withLock(s.dir, func() error {
		doc, err := s.loadCredentials()
		if err != nil {
			return err
		}
		c := doc.Profiles[profile]
		if err := fn(&c); err != nil {
			return err
		}
		if c.IsZero() {
			delete(doc.Profiles, profile)
		} else {
			doc.Profiles[profile] = c
		}
		doc.Note = credentialsNote
		return writeJSON(s.CredentialsPath(), doc, 0o600)
	})
}

// DeleteAllCredentials removes every profile's credentials.
func (s *Store) DeleteAllCredentials() ([]string, error) {
	defer s.forget()
	var removed []string
	err := withLock(s.dir, func() error {
		doc, err := s.loadCredentials()
		if err != nil {
			return err
		}
		for p := range doc.Profiles {
			removed = append(removed, p)
		}
		sort.Strings(removed)
		doc.Profiles = map[string]Credentials{}
		doc.Note = credentialsNote
		return writeJSON(s.CredentialsPath(), doc, 0o600)
	})
	return removed, err
}

// Profiles lists every profile that has settings or credentials.
func (s *Store) Profiles() ([]string, error) {
	set := map[string]bool{}
	sd, err := s.cachedSettings()
	if err != nil {
		return nil, err
	}
	for p := range sd.Profiles {
		set[p] = true
	}
	cd, err := s.cachedCredentials()
	if err != nil {
		return nil, err
	}
	for p := range cd.Profiles {
		set[p] = true
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out, nil
}

// ValidateProfileName rejects names that would be awkward in files and shells.
func ValidateProfileName(name string) error {
	if name == "" || len(name) > 64 {
		return fmt.Errorf("invalid profile name %q: use 1-64 characters", name)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return fmt.Errorf("invalid profile name %q: use letters, digits, '-', '_' and '.'", name)
		}
	}
	return nil
}
