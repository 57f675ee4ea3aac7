package fndeploy

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/project"
)

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func boolFlag(b bool) string {
	if b {
		return "TRUE"
	}
	return "FALSE"
}

// envOf turns a map into the API's sorted variable list; nil when empty
// (the API must not receive an empty Environment on create).
func envOf(m map[string]string) *cloudapi.Environment {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	env := &cloudapi.Environment{}
	for _, k := range keys {
		env.Variables = append(env.Variables, cloudapi.Variable{Key: k, Value: m[k]})
	}
	return env
}

// cronOf extracts the cron from a TriggerDesc, which the API shows either
// as the bare expression or as {"cron":"..."}.
func cronOf(desc string) string {
	var v struct {
		Cron string `json:"cron"`
	}
	if json.Unmarshal([]byte(desc), &v) == nil && v.Cron != "" {
		return v.Cron
	}
	return desc
}

var nameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,58}[A-Za-z0-9]$`)

// Validate checks a spec locally before anything is sent.
func Validate(s Spec) error {
	if !nameRE.MatchString(s.Name) {
		return fmt.Errorf("invalid function name %q: 2-60 characters, letters, digits, '-' and '_', starting with a letter and not ending with '-' or '_'", s.Name)
	}
	if s.Timeout < 1 || s.Timeout > 900 {
		return fmt.Errorf("%s: timeout %d is out of range (1-900 seconds)", s.Name, s.Timeout)
	}
	if !(s.MemorySize == 64 || (s.MemorySize >= 128 && s.MemorySize <= 3072 && s.MemorySize%128 == 0)) {
		return fmt.Errorf("%s: memory %d MB is not allowed (64, or 128-3072 in steps of 128)", s.Name, s.MemorySize)
	}
	for _, t := range s.Triggers {
		if t.Type != "timer" {
			return fmt.Errorf("%s: trigger %s: only timer triggers are supported, not %q", s.Name, t.Name, t.Type)
		}
		if err := project.ValidateCron(t.Config); err != nil {
			return fmt.Errorf("%s: trigger %s: %w", s.Name, t.Name, err)
		}
	}
	return nil
}
