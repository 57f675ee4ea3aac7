package project

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// decoder turns tree values into typed values; every error is a
// *ConfigError naming the file and the JSON path.
type decoder struct{ file string }

func (d decoder) fail(path, format string, args ...any) error {
	return &ConfigError{File: d.file, Field: path, Problem: fmt.Sprintf(format, args...)}
}

func (d decoder) typeErr(path, want string, v any) error {
	return d.fail(path, "expected %s, got %s", want, describe(v))
}

func (d decoder) str(path string, v any) (string, error) {
	switch t := v.(type) {
	case string:
		return t, nil
	case rendered:
		return t.value, nil
	case unresolved:
		return "", t.err
	}
	return "", d.typeErr(path, "a string", v)
}

func (d decoder) integer(path string, v any) (int, error) {
	var s string
	switch t := v.(type) {
	case json.Number:
		s = string(t)
	case rendered:
		s = strings.TrimSpace(t.value)
	case unresolved:
		return 0, t.err
	case string: // "10": the official CLI applies Number() to these fields
		s = strings.TrimSpace(t)
		if _, err := strconv.Atoi(s); err != nil {
			return 0, d.typeErr(path, "a number", v)
		}
	default:
		return 0, d.typeErr(path, "a number", v)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, d.typeErr(path, "a number", v)
	}
	if f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
		return 0, d.typeErr(path, "a whole number", v)
	}
	return int(f), nil
}

func (d decoder) boolean(path string, v any) (bool, error) {
	switch t := v.(type) {
	case bool:
		return t, nil
	case unresolved:
		return false, t.err
	case rendered:
		if b, err := strconv.ParseBool(strings.TrimSpace(t.value)); err == nil {
			return b, nil
		}
	}
	return false, d.typeErr(path, "true or false", v)
}

func (d decoder) object(path string, v any) (map[string]any, error) {
	if m, ok := v.(map[string]any); ok {
		return m, nil
	}
	if u, ok := v.(unresolved); ok {
		return nil, u.err
	}
	return nil, d.typeErr(path, "an object", v)
}

func (d decoder) array(path string, v any) ([]any, error) {
	if a, ok := v.([]any); ok {
		return a, nil
	}
	if u, ok := v.(unresolved); ok {
		return nil, u.err
	}
	return nil, d.typeErr(path, "an array", v)
}

// stringList accepts a string or an array of strings ("ignore").
func (d decoder) stringList(path string, v any) ([]string, error) {
	if a, ok := v.([]any); ok {
		out := make([]string, 0, len(a))
		for i, e := range a {
			s, err := d.str(joinIndex(path, i), e)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}
	s, err := d.str(path, v)
	if err != nil {
		if u, ok := v.(unresolved); ok {
			return nil, u.err
		}
		return nil, d.typeErr(path, "a string or an array of strings", v)
	}
	return []string{s}, nil
}

// scalarString accepts strings, numbers and booleans (environment variable
// values are strings in the cloud; 8080 and true are stringified).
func (d decoder) scalarString(path string, v any) (string, error) {
	switch t := v.(type) {
	case json.Number:
		return string(t), nil
	case bool:
		return strconv.FormatBool(t), nil
	}
	s, err := d.str(path, v)
	if err != nil {
		if u, ok := v.(unresolved); ok {
			return "", u.err
		}
		return "", d.typeErr(path, "a string", v)
	}
	return s, nil
}

// function decodes one (merged) function entry. pathFor maps a top-level
// key to its JSON path. Unknown keys are ignored (they stay in Raw).
// partial is set for functionDefaultConfig, which has no name.
func (d decoder) function(m map[string]any, pathFor func(string) string, partial bool) (Function, error) {
	var f Function
	var err error
	// A setting holding a placeholder that could not be rendered is left
	// unset and remembered: only the commands that read it fail (see
	// Function.Resolved). The name cannot wait: without it the function
	// cannot be found.
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if k == "name" {
			continue
		}
		if e := firstUnresolved(m[k]); e != nil {
			if f.pending == nil {
				f.pending = map[string]*ConfigError{}
				m = maps.Clone(m)
			}
			f.pending[k] = e
			delete(m, k)
		}
	}
	get := func(key string) (any, bool) {
		v, ok := m[key]
		if ok && v == nil { // null means unset
			return nil, false
		}
		return v, ok
	}
	if v, ok := get("name"); ok {
		if f.Name, err = d.str(pathFor("name"), v); err != nil {
			return f, err
		}
	} else if !partial {
		return f, d.fail(pathFor("name"), "missing function name")
	}
	if v, ok := get("handler"); ok {
		if f.Handler, err = d.str(pathFor("handler"), v); err != nil {
			return f, err
		}
		if f.Handler == "" {
			return f, d.fail(pathFor("handler"), "handler is empty")
		}
	}
	if v, ok := get("runtime"); ok {
		s, err := d.str(pathFor("runtime"), v)
		if err != nil {
			return f, err
		}
		rt, known := NormalizeRuntime(s)
		if !known {
			return f, d.fail(pathFor("runtime"), "%s", runtimeProblem(s))
		}
		f.Runtime = rt
	}
	if v, ok := get("timeout"); ok {
		if f.Timeout, err = d.integer(pathFor("timeout"), v); err != nil {
			return f, err
		}
		if p := timeoutProblem(f.Timeout); p != "" {
			return f, d.fail(pathFor("timeout"), "%s", p)
		}
	}
	if v, ok := get("memorySize"); ok {
		if f.MemorySize, err = d.integer(pathFor("memorySize"), v); err != nil {
			return f, err
		}
		if p := memoryProblem(f.MemorySize); p != "" {
			return f, d.fail(pathFor("memorySize"), "%s", p)
		}
	}
	if v, ok := get("envVariables"); ok {
		p := pathFor("envVariables")
		obj, err := d.object(p, v)
		if err != nil {
			return f, err
		}
		f.EnvVariables = make(map[string]string, len(obj))
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			if obj[k] == nil {
				return f, d.typeErr(joinKey(p, k), "a string", nil)
			}
			if f.EnvVariables[k], err = d.scalarString(joinKey(p, k), obj[k]); err != nil {
				return f, err
			}
		}
	}
	if v, ok := get("vpc"); ok {
		p := pathFor("vpc")
		obj, err := d.object(p, v)
		if err != nil {
			return f, err
		}
		var vpc VPC
		if x, ok := obj["vpcId"]; ok && x != nil {
			if vpc.VpcID, err = d.str(joinKey(p, "vpcId"), x); err != nil {
				return f, err
			}
		}
		if x, ok := obj["subnetId"]; ok && x != nil {
			if vpc.SubnetID, err = d.str(joinKey(p, "subnetId"), x); err != nil {
				return f, err
			}
		}
		if vpc.VpcID != "" || vpc.SubnetID != "" {
			f.VPC = &vpc
		}
	}
	if v, ok := get("installDependency"); ok {
		b, err := d.boolean(pathFor("installDependency"), v)
		if err != nil {
			return f, err
		}
		f.InstallDependency = &b
	}
	if v, ok := get("ignore"); ok {
		if f.Ignore, err = d.stringList(pathFor("ignore"), v); err != nil {
			return f, err
		}
	}
	if v, ok := get("layers"); ok {
		p := pathFor("layers")
		arr, err := d.array(p, v)
		if err != nil {
			return f, err
		}
		for i, e := range arr {
			lp := joinIndex(p, i)
			obj, err := d.object(lp, e)
			if err != nil {
				return f, err
			}
			var l Layer
			if l.Name, err = d.str(joinKey(lp, "name"), obj["name"]); err != nil {
				return f, err
			}
			if l.Version, err = d.integer(joinKey(lp, "version"), obj["version"]); err != nil {
				return f, err
			}
			f.Layers = append(f.Layers, l)
		}
	}
	if v, ok := get("triggers"); ok {
		if f.Triggers, err = d.triggers(pathFor("triggers"), v); err != nil {
			return f, err
		}
	}
	if v, ok := get("params"); ok {
		f.Params = toJSON(v)
	}
	if v, ok := get("path"); ok {
		if f.Path, err = d.str(pathFor("path"), v); err != nil {
			return f, err
		}
	}
	if v, ok := get("codeSecret"); ok {
		if f.CodeSecret, err = d.str(pathFor("codeSecret"), v); err != nil {
			return f, err
		}
	}
	if v, ok := get("role"); ok {
		if f.Role, err = d.str(pathFor("role"), v); err != nil {
			return f, err
		}
	}
	if v, ok := get("l5"); ok {
		b, err := d.boolean(pathFor("l5"), v)
		if err != nil {
			return f, err
		}
		f.L5 = &b
	}
	if v, ok := get("type"); ok {
		s, err := d.str(pathFor("type"), v)
		if err != nil {
			return f, err
		}
		switch strings.ToLower(s) {
		case "event":
			f.Type = "Event"
		case "http":
			f.Type = "HTTP"
		default:
			return f, d.fail(pathFor("type"), "invalid type %s: \"Event\" or \"HTTP\"", quoteShort(s))
		}
	}
	if v, ok := get("isHTTP"); ok {
		b, err := d.boolean(pathFor("isHTTP"), v)
		if err != nil {
			return f, err
		}
		if b {
			f.Type = "HTTP"
		}
	}
	if v, ok := get("dir"); ok {
		if f.Dir, err = d.str(pathFor("dir"), v); err != nil {
			return f, err
		}
		if f.Dir == "" {
			return f, d.fail(pathFor("dir"), "dir is empty")
		}
	}
	if v, ok := get("permissions"); ok {
		f.Permissions = toJSON(v)
	}
	if partial {
		if f.Name != "" {
			return f, d.fail(pathFor("name"), "functionDefaultConfig cannot set a name")
		}
		f.Name = "defaults" // satisfies the name check below
	}
	if err := f.validate(d.file, pathFor); err != nil {
		return f, err
	}
	if partial {
		f.Name = ""
	}
	return f, nil
}

func (d decoder) triggers(path string, v any) ([]Trigger, error) {
	arr, err := d.array(path, v)
	if err != nil {
		return nil, err
	}
	out := make([]Trigger, 0, len(arr))
	for i, e := range arr {
		tp := joinIndex(path, i)
		obj, err := d.object(tp, e)
		if err != nil {
			return nil, err
		}
		var t Trigger
		for _, field := range []struct {
			key string
			dst *string
		}{{"name", &t.Name}, {"type", &t.Type}, {"config", &t.Config}} {
			x, ok := obj[field.key]
			if !ok || x == nil {
				return nil, d.fail(joinKey(tp, field.key), "missing trigger %s", field.key)
			}
			if *field.dst, err = d.str(joinKey(tp, field.key), x); err != nil {
				return nil, err
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// deepMerge returns base with over merged in: over wins, objects merge
// recursively, anything else (arrays included) replaces. Inputs are not
// modified.
func deepMerge(base, over map[string]any) map[string]any {
	out := make(map[string]any, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		if bm, ok := out[k].(map[string]any); ok {
			if om, ok := v.(map[string]any); ok {
				out[k] = deepMerge(bm, om)
				continue
			}
		}
		out[k] = v
	}
	return out
}
