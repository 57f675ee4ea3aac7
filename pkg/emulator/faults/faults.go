// Package faults holds the emulator's injected failures: "make the next N
// calls of action X fail with code C and/or wait L". Reliability tests use
// it through /_emulator/faults to exercise retries and error paths.
package faults

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Rule is one injected fault. Action is a Tencent Cloud API action name
// (e.g. "DescribeEnvs", optionally "scf:Invoke") or a WeChat path (e.g.
// "/cgi-bin/stable_token"); "*" matches everything.
type Rule struct {
	Action  string   `json:"action"`
	Count   int      `json:"count"`
	Code    string   `json:"code,omitempty"`
	Message string   `json:"message,omitempty"`
	Errcode int      `json:"errcode,omitempty"`
	Latency Duration `json:"latency,omitempty"`
}

// Validate checks a rule from outside.
func (r *Rule) Validate() error {
	switch {
	case strings.TrimSpace(r.Action) == "":
		return fmt.Errorf("action is required")
	case r.Count <= 0 || r.Count > 1_000_000:
		return fmt.Errorf("count must be between 1 and 1000000")
	case r.Code == "" && r.Errcode == 0 && r.Latency == 0:
		return fmt.Errorf("give code, errcode or latency")
	case r.Latency < 0 || time.Duration(r.Latency) > 5*time.Minute:
		return fmt.Errorf("latency must be between 0 and 5m")
	}
	return nil
}

// Duration is a time.Duration that reads "1.5s" or a number of milliseconds.
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("latency %q: %v", s, err)
		}
		*d = Duration(v)
		return nil
	}
	var ms float64
	if err := json.Unmarshal(b, &ms); err != nil {
		return fmt.Errorf("latency must be a duration string like \"500ms\" or milliseconds")
	}
	*d = Duration(time.Duration(ms * float64(time.Millisecond)))
	return nil
}

// Registry is the set of pending faults.
type Registry struct {
	mu    sync.Mutex
	rules []*Rule
}

// Add queues a rule.
func (r *Registry) Add(rule Rule) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rules = append(r.rules, &rule)
}

// Take consumes one use of the first rule matching any of names and returns
// a copy of it, or nil.
func (r *Registry) Take(names ...string) *Rule {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, rule := range r.rules {
		if !matches(rule.Action, names) {
			continue
		}
		rule.Count--
		c := *rule
		if rule.Count <= 0 {
			r.rules = append(r.rules[:i], r.rules[i+1:]...)
		}
		return &c
	}
	return nil
}

func matches(pattern string, names []string) bool {
	if pattern == "*" {
		return true
	}
	for _, n := range names {
		if strings.EqualFold(pattern, n) {
			return true
		}
	}
	return false
}

// List returns the pending rules.
func (r *Registry) List() []Rule {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Rule, len(r.rules))
	for i, rule := range r.rules {
		out[i] = *rule
	}
	return out
}

// Clear drops every rule.
func (r *Registry) Clear() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rules = nil
}
