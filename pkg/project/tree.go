package project

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Configuration files are decoded into a plain tree first: map[string]any,
// []any, string, json.Number, bool, nil, and rendered (a string produced by
// a placeholder). Typed decoding then walks the tree so that every error can
// name the JSON path of the value.

// rendered is a string value produced by a placeholder. Number and boolean
// fields accept it when its text parses as one ("{{env.TIMEOUT}}" with
// TIMEOUT=20), since the environment only holds strings.
type rendered struct {
	value       string
	placeholder string // the original "{{ ... }}" text, for messages
}

func (r rendered) MarshalJSON() ([]byte, error) { return json.Marshal(r.value) }

// unresolved stands for a placeholder that could not be rendered (a
// variable that is not set, say). Loading goes on: the error is reported by
// whatever reads the value (see Project.Resolved and Function.Resolved), so
// one function's missing secret stops only the commands that need it. In
// Raw it stays the placeholder text as written.
type unresolved struct {
	placeholder string
	err         *ConfigError
}

func (u unresolved) MarshalJSON() ([]byte, error) { return json.Marshal(u.placeholder) }

// firstUnresolved returns the error of the first unresolved placeholder in
// v (objects in key order), or nil.
func firstUnresolved(v any) *ConfigError {
	switch t := v.(type) {
	case unresolved:
		return t.err
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(t)) {
			if e := firstUnresolved(t[k]); e != nil {
				return e
			}
		}
	case []any:
		for _, e := range t {
			if err := firstUnresolved(e); err != nil {
				return err
			}
		}
	}
	return nil
}

const (
	maxConfigBytes = 8 << 20
	maxTreeNodes   = 200000
	maxTreeDepth   = 200
)

// decodeJSON parses one JSON document. A UTF-8 BOM is tolerated.
func decodeJSON(data []byte) (any, *ConfigError) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, jsonSyntaxError(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		off := dec.InputOffset()
		return nil, &ConfigError{Line: lineAt(data, off), Problem: "invalid JSON: unexpected data after the top-level value"}
	}
	if err := checkTree(v, 0, new(int)); err != nil {
		return nil, &ConfigError{Problem: err.Error()}
	}
	return v, nil
}

func jsonSyntaxError(data []byte, err error) *ConfigError {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &ConfigError{Line: lineAt(data, se.Offset), Problem: "invalid JSON: " + se.Error(), Err: err}
	}
	if errors.Is(err, io.EOF) {
		return &ConfigError{Problem: "invalid JSON: the file is empty", Err: err}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return &ConfigError{Line: lineAt(data, int64(len(data))), Problem: "invalid JSON: unexpected end of file", Err: err}
	}
	return &ConfigError{Problem: "invalid JSON: " + err.Error(), Err: err}
}

func lineAt(data []byte, off int64) int {
	off = max(0, min(off, int64(len(data))))
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// checkTree bounds depth and size (deeply nested JSON is legal but useless).
func checkTree(v any, depth int, n *int) error {
	*n++
	if depth > maxTreeDepth {
		return fmt.Errorf("nested more than %d levels deep", maxTreeDepth)
	}
	if *n > maxTreeNodes {
		return fmt.Errorf("more than %d values", maxTreeNodes)
	}
	switch t := v.(type) {
	case map[string]any:
		for _, c := range t {
			if err := checkTree(c, depth+1, n); err != nil {
				return err
			}
		}
	case []any:
		for _, c := range t {
			if err := checkTree(c, depth+1, n); err != nil {
				return err
			}
		}
	}
	return nil
}

// decodeYAML parses one YAML document into the same tree as decodeJSON.
// Anchors, aliases and merge keys ("<<") are expanded, with bounds.
func decodeYAML(data []byte) (v any, cerr *ConfigError) {
	var doc yaml.Node
	defer func() { // the YAML parser must not take the CLI down
		if r := recover(); r != nil {
			v, cerr = nil, &ConfigError{Problem: fmt.Sprintf("invalid YAML: %v", r)}
		}
	}()
	if err := yaml.Unmarshal(data, &doc); err != nil {
		ce := &ConfigError{Problem: "invalid YAML: " + err.Error(), Err: err}
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			if n, ok := lineNumber(err.Error()); ok {
				ce.Line, _ = strconv.Atoi(n)
			}
		}
		return nil, ce
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, &ConfigError{Problem: "invalid YAML: the file is empty"}
	}
	c := &yamlConv{}
	return c.node(doc.Content[0], 0)
}

type yamlConv struct{ nodes int }

func (c *yamlConv) node(n *yaml.Node, depth int) (any, *ConfigError) {
	c.nodes++
	if c.nodes > maxTreeNodes {
		return nil, &ConfigError{Line: n.Line, Problem: fmt.Sprintf("invalid YAML: more than %d values (alias expansion?)", maxTreeNodes)}
	}
	if depth > maxTreeDepth {
		return nil, &ConfigError{Line: n.Line, Problem: fmt.Sprintf("invalid YAML: nested more than %d levels deep", maxTreeDepth)}
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return c.node(n.Content[0], depth+1)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, &ConfigError{Line: n.Line, Problem: "invalid YAML: unknown alias"}
		}
		return c.node(n.Alias, depth+1)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, e := range n.Content {
			v, err := c.node(e, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := map[string]any{}
		var merges []map[string]any
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, vn := n.Content[i], n.Content[i+1]
			v, err := c.node(vn, depth+1)
			if err != nil {
				return nil, err
			}
			if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
				switch mv := v.(type) {
				case map[string]any:
					merges = append(merges, mv)
				case []any:
					for _, e := range mv {
						if m, ok := e.(map[string]any); ok {
							merges = append(merges, m)
						}
					}
				}
				continue
			}
			key := k.Value
			if k.Kind != yaml.ScalarNode {
				return nil, &ConfigError{Line: k.Line, Problem: "invalid YAML: mapping keys must be scalars"}
			}
			out[key] = v
		}
		for _, m := range merges { // explicit keys win, earlier merges win
			for k, v := range m {
				if _, ok := out[k]; !ok {
					out[k] = v
				}
			}
		}
		return out, nil
	case yaml.ScalarNode:
		return yamlScalar(n)
	}
	return nil, &ConfigError{Line: n.Line, Problem: "invalid YAML: unsupported node"}
}

func yamlScalar(n *yaml.Node) (any, *ConfigError) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, &ConfigError{Line: n.Line, Problem: "invalid YAML: " + err.Error()}
		}
		return b, nil
	case "!!int", "!!float":
		var f any
		if err := n.Decode(&f); err != nil {
			return nil, &ConfigError{Line: n.Line, Problem: "invalid YAML: " + err.Error()}
		}
		switch x := f.(type) {
		case int:
			return json.Number(strconv.Itoa(x)), nil
		case int64:
			return json.Number(strconv.FormatInt(x, 10)), nil
		case uint64:
			return json.Number(strconv.FormatUint(x, 10)), nil
		case float64:
			s := strconv.FormatFloat(x, 'g', -1, 64)
			if _, err := strconv.ParseFloat(s, 64); err != nil || strings.ContainsAny(s, "IN") {
				return n.Value, nil // .inf / .nan: keep the text
			}
			return json.Number(s), nil
		}
		return n.Value, nil
	default: // !!str, !!timestamp, !!binary, custom tags: the text
		return n.Value, nil
	}
}

// Paths.

// joinKey appends an object key to a JSON path.
func joinKey(path, key string) string {
	if !IsExportName(key) {
		return path + "[" + strconv.Quote(key) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// joinIndex appends an array index to a JSON path.
func joinIndex(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// describe names a tree value's type and shows it briefly, for "expected X,
// got Y" messages.
func describe(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean " + strconv.FormatBool(t)
	case json.Number:
		return "number " + string(t)
	case string:
		return "string " + quoteShort(t)
	case rendered:
		return "string " + quoteShort(t.value) + " (from " + t.placeholder + ")"
	case unresolved:
		return "unresolved " + t.placeholder
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return fmt.Sprintf("%T", v)
}

func quoteShort(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		r := []rune(s)
		s = string(r[:37]) + "..."
	}
	return strconv.Quote(s)
}

// toJSON re-encodes a tree value.
func toJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}
