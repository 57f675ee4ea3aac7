package config

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/tcb-go/tcb/internal/ascii"
	"github.com/tcb-go/tcb/pkg/project"
)

// A Setting is one key of `tcb config`.
type Setting struct {
	Key         string
	Description string
	get         func(*Settings) *string
	validate    func(string) (string, error)
}

// Get returns the value of the setting in st.
func (k Setting) Get(st *Settings) string { return *k.get(st) }

// Set validates and stores value, returning the normalised value.
func (k Setting) Set(st *Settings, value string) (string, error) {
	v, err := k.validate(value)
	if err != nil {
		return "", err
	}
	*k.get(st) = v
	return v, nil
}

// Unset clears the setting.
func (k Setting) Unset(st *Settings) { *k.get(st) = "" }

// DefaultRegion is used when nothing else names a region.
const DefaultRegion = project.DefaultRegion

// NormalizeRegion expands the official CLI's shorthands (sh, gz, bj, nj, cd,
// cq) and validates the shape of a region, with the rules cloudbaserc.json
// uses (pkg/project), so a region means the same wherever it is written.
func NormalizeRegion(r string) (string, error) {
	full, ok := project.NormalizeRegion(r)
	if !ok {
		return "", fmt.Errorf("invalid region %q: expected a region such as ap-shanghai or ap-guangzhou (shorthands: sh, gz, bj, nj, cd, cq)", strings.TrimSpace(r))
	}
	return full, nil
}

// ValidateEnvID checks the shape of an environment id.
func ValidateEnvID(id string) error {
	if !isEnvID(id) {
		return fmt.Errorf("invalid environment id %q: expected lowercase letters, digits and '-', starting with a letter", id)
	}
	return nil
}

// isEnvID: 2-64 lowercase letters, digits and '-', starting with a letter
// and ending with a letter or digit (^[a-z][a-z0-9-]{0,62}[a-z0-9]$).
func isEnvID(id string) bool {
	n := len(id)
	return n >= 2 && n <= 64 && ascii.Lower(id[0]) && (ascii.Lower(id[n-1]) || ascii.Digit(id[n-1])) &&
		ascii.Only(id[1:n-1], func(c byte) bool { return ascii.Lower(c) || ascii.Digit(c) || c == '-' })
}

// Settings keys, in display order.
var settingKeys = []Setting{
	{Key: "env-id", Description: "default environment id (also set by `tcb env use`)",
		get: func(s *Settings) *string { return &s.EnvID },
		validate: func(v string) (string, error) {
			v = strings.TrimSpace(v)
			return v, ValidateEnvID(v)
		}},
	{Key: "region", Description: "default region, e.g. ap-shanghai",
		get:      func(s *Settings) *string { return &s.Region },
		validate: NormalizeRegion},
	{Key: "output", Description: "default output format: table or json",
		get: func(s *Settings) *string { return &s.Output },
		validate: func(v string) (string, error) {
			v = strings.ToLower(strings.TrimSpace(v))
			if v != "table" && v != "json" {
				return "", fmt.Errorf("invalid output %q: use table or json", v)
			}
			return v, nil
		}},
	{Key: "token-server", Description: "URL of a `tcb token serve` central token server",
		get: func(s *Settings) *string { return &s.TokenServer },
		validate: func(v string) (string, error) {
			u, err := url.Parse(strings.TrimSpace(v))
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return "", fmt.Errorf("invalid token server %q: expected an http:// or https:// URL", v)
			}
			if u.User != nil {
				return "", fmt.Errorf("invalid token server: do not put credentials in the URL; use TCB_TOKEN_SERVER_KEY")
			}
			return strings.TrimRight(u.String(), "/"), nil
		}},
}

// SettingKeys lists the keys `tcb config` knows.
func SettingKeys() []Setting { return settingKeys }

// LookupSetting finds a key by name (underscores accepted for dashes).
func LookupSetting(key string) (Setting, error) {
	k := strings.ReplaceAll(strings.ToLower(key), "_", "-")
	for _, s := range settingKeys {
		if s.Key == k {
			return s, nil
		}
	}
	names := make([]string, len(settingKeys))
	for i, s := range settingKeys {
		names[i] = s.Key
	}
	sort.Strings(names)
	return Setting{}, fmt.Errorf("unknown setting %q: known settings are %s", key, strings.Join(names, ", "))
}
