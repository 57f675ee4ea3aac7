package project

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Placeholders follow the official CLI, which renders the JSON text of the
// config with Mustache using the delimiters `"{{` and `}}"`: only a string
// value that is exactly "{{ name }}" (inner spaces allowed) is replaced;
// "prefix-{{env.X}}" stays as written. Names:
//
//	{{env.NAME}}  NAME from .env < .env.local < .env.<mode> < process environment
//	{{tcb.envId}} the env id in use (see Load)
//	{{util.uid}}  a random 24-character id, the same for the whole load
//
// A rendered value whose text is a JSON object or array becomes that value.

type renderer struct {
	file  string
	env   *envSet
	envID string // "" when unknown
	uid   string
}

func (r *renderer) render(v any, path string) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(t)) {
			nv, err := r.render(t[k], joinKey(path, k))
			if err != nil {
				return nil, err
			}
			t[k] = nv
		}
		return t, nil
	case []any:
		for i := range t {
			nv, err := r.render(t[i], joinIndex(path, i))
			if err != nil {
				return nil, err
			}
			t[i] = nv
		}
		return t, nil
	case string:
		expr, ok := placeholderBody(t)
		if !ok {
			return t, nil
		}
		val, err := r.resolve(expr, t, path)
		if err != nil {
			return unresolved{placeholder: t, err: err}, nil
		}
		if s := strings.TrimSpace(val); strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[") {
			if parsed, cerr := decodeJSON([]byte(s)); cerr == nil {
				return parsed, nil
			}
		}
		return rendered{value: val, placeholder: t}, nil
	}
	return v, nil
}

func (r *renderer) resolve(name, text, path string) (string, *ConfigError) {
	fail := func(format string, args ...any) *ConfigError {
		return &ConfigError{File: r.file, Field: path, Problem: fmt.Sprintf(format, args...), Err: ErrUnresolved}
	}
	switch {
	case strings.HasPrefix(name, "env."):
		key := strings.TrimPrefix(name, "env.")
		if key == "" {
			return "", fail("placeholder %s names no variable", text)
		}
		if v, ok := r.env.vars[key]; ok {
			return v, nil
		}
		return "", fail("placeholder %s: environment variable %s is not set (define it in .env, .env.local, .env.<mode> or the environment)", text, key)
	case name == "tcb.envId":
		if r.envID == "" {
			return "", fail("placeholder %s: the env id is unknown (pass -e/--env-id or set ENV_ID)", text)
		}
		return r.envID, nil
	case name == "util.uid":
		return r.uid, nil
	}
	return "", fail("unknown placeholder %s (supported: {{env.NAME}}, {{tcb.envId}}, {{util.uid}})", text)
}

// newUID returns 24 random lowercase letters and digits.
func newUID() string {
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
	var b [24]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}

// literalString returns v when it is a plain string that is not a
// placeholder.
func literalString(v any) string {
	s, ok := v.(string)
	if !ok {
		return ""
	}
	if _, isPlaceholder := placeholderBody(s); isPlaceholder {
		return ""
	}
	return s
}

var _ json.Marshaler = rendered{}
