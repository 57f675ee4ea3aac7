// Package shared holds what the `tcb fn` commands have in common: the
// target environment, the project's functions, and event parameters.
package shared

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/fnrun"
	"github.com/tcb-go/tcb/pkg/project"
)

// ConfiguredFunction finds name in the project config; the function is nil
// when there is no config or it does not mention name. fields are the
// settings the caller reads (config keys; none: all): one of them holding
// a placeholder that could not be rendered is an error (exit 6), other
// settings' are not.
func ConfiguredFunction(f *cmdutil.Factory, name string, fields ...string) (*project.Function, *project.Project, error) {
	p, err := f.ProjectConfig()
	if err != nil || p == nil {
		return nil, p, err
	}
	fn, err := p.Lookup(name, fields...)
	return fn, p, err
}

// Names lists the configured function names.
func Names(p *project.Project) []string {
	if p == nil {
		return nil
	}
	out := make([]string, len(p.Functions))
	for i, fn := range p.Functions {
		out[i] = fn.Name
	}
	return out
}

// ReadParams reads an event from JSON text or @file; "" gives def (or {}).
func ReadParams(flag string, def json.RawMessage) ([]byte, error) {
	var raw []byte
	switch {
	case flag == "" && len(def) > 0:
		raw = def
	case flag == "":
		raw = []byte("{}")
	case strings.HasPrefix(flag, "@"):
		path := flag[1:]
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, cmdutil.LocalErrorf("--params %s: %v", flag, err)
		}
		raw = b
	default:
		raw = []byte(flag)
	}
	if !json.Valid(raw) {
		var v any
		err := json.Unmarshal(raw, &v)
		return nil, cmdutil.FlagErrorf("--params is not valid JSON: %v", err)
	}
	return raw, nil
}

// ParseEnvFlags parses --env KEY=VALUE flags.
func ParseEnvFlags(vals []string) (map[string]string, error) {
	out := map[string]string{}
	for _, v := range vals {
		k, val, ok := strings.Cut(v, "=")
		if !ok || k == "" {
			return nil, cmdutil.FlagErrorf("--env %q: expected KEY=VALUE", v)
		}
		out[k] = val
	}
	return out, nil
}

// AbsDir makes a --dir flag absolute.
func AbsDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", cmdutil.LocalErrorf("--dir %s: %v", dir, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return "", cmdutil.LocalErrorf("function directory %s: %v", dir, err)
	}
	if !st.IsDir() {
		return "", cmdutil.LocalErrorf("function directory %s is not a directory", dir)
	}
	return abs, nil
}

// FormatMem renders bytes as MiB.
func FormatMem(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// NodeNotice says, when the target is the emulator and its node is older
// than a runtime of runtimes, that those functions run on an older Node
// locally than in the cloud ("" otherwise). The emulator reports its node
// in /_emulator/state.
func NodeNotice(ctx context.Context, f *cmdutil.Factory, runtimes []string) string {
	if f.EmulatorHost() == "" {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(f.Endpoint(), "/")+"/_emulator/state", nil)
	if err != nil {
		return ""
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var st struct {
		Functions struct {
			Node string `json:"node"`
		} `json:"functions"`
	}
	if json.NewDecoder(io.LimitReader(resp.Body, 8<<20)).Decode(&st) != nil || st.Functions.Node == "" {
		return ""
	}
	have := fnrun.NodeMajor(st.Functions.Node)
	var newer []string
	seen := map[string]bool{}
	for _, r := range runtimes {
		if want := fnrun.RuntimeNodeMajor(r); want > have && have > 0 && !seen[r] {
			seen[r] = true
			newer = append(newer, r)
		}
	}
	if len(newer) == 0 {
		return ""
	}
	return fmt.Sprintf("the emulator runs %s functions with its node %s (older): code that needs a newer Node.js may fail here and work in the cloud; install a newer node or choose an older runtime",
		strings.Join(newer, ", "), st.Functions.Node)
}
