package token

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
)

// MinKeyLength is the shortest accepted bearer key.
const MinKeyLength = 16

// LoadKeys reads a keys file: one key per line, blank lines and lines
// starting with # ignored, surrounding spaces trimmed.
func LoadKeys(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("keys file: %w", err)
	}
	keys, err := ParseKeys(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("keys file %s: %w", path, err)
	}
	return keys, nil
}

// ParseKeys parses keys-file content.
func ParseKeys(r io.Reader) ([]string, error) {
	var keys []string
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := checkKey(line); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		keys = append(keys, line)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return keys, nil
}

// CollectKeys merges the keys of a keys file (may be nil) with the value of
// TCB_TOKEN_SERVER_KEY (may be empty; the caller reads the environment),
// de-duplicates them and requires at least one.
func CollectKeys(fileKeys []string, envKey string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	add := func(k string) error {
		k = strings.TrimSpace(k)
		if k == "" || seen[k] {
			return nil
		}
		if err := checkKey(k); err != nil {
			return err
		}
		seen[k] = true
		out = append(out, k)
		return nil
	}
	if err := add(envKey); err != nil {
		return nil, fmt.Errorf("TCB_TOKEN_SERVER_KEY: %w", err)
	}
	for _, k := range fileKeys {
		if err := add(k); err != nil {
			return nil, err
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no server key: set TCB_TOKEN_SERVER_KEY or give a keys file (one key per line, at least %d characters)", MinKeyLength)
	}
	return out, nil
}

func checkKey(k string) error {
	if len(k) < MinKeyLength {
		return fmt.Errorf("key too short (%d characters, need at least %d)", len(k), MinKeyLength)
	}
	if strings.ContainsAny(k, " \t") {
		return fmt.Errorf("key contains whitespace")
	}
	for _, c := range k {
		if c < 0x21 || c > 0x7e {
			return fmt.Errorf("key must be printable ASCII")
		}
	}
	return nil
}
