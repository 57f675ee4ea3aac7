package fnrun

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// IsNodeRuntime reports whether runtime runs here: "" (Node.js by default)
// or any "Nodejs*" runtime name, case-insensitively.
func IsNodeRuntime(runtime string) bool {
	return runtime == "" || strings.HasPrefix(strings.ToLower(runtime), "nodejs")
}

// RuntimeNodeMajor returns the Node.js major version a runtime name asks
// for ("Nodejs18.15" -> 18), or 0 when it names none.
func RuntimeNodeMajor(runtime string) int {
	if !IsNodeRuntime(runtime) || len(runtime) <= len("nodejs") {
		return 0
	}
	return leadingInt(runtime[len("nodejs"):])
}

// NodeMajor returns the major version of a `node --version` string
// ("v20.11.1" -> 20), or 0.
func NodeMajor(version string) int {
	return leadingInt(strings.TrimPrefix(strings.TrimSpace(version), "v"))
}

func leadingInt(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	n, _ := strconv.Atoi(s[:i])
	return n
}

// LookNode resolves nodePath ("" = "node" on PATH) to an executable path.
func LookNode(nodePath string) (string, error) {
	if nodePath == "" {
		nodePath = "node"
	}
	p, err := exec.LookPath(nodePath)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrNodeNotFound, err)
	}
	return p, nil
}

var nodeVersions sync.Map // resolved path -> version string

// NodeVersion runs `node --version` (nodePath "" = node on PATH) and returns
// its output, e.g. "v20.11.1". Results are cached per binary. Callers
// compare NodeMajor(v) with RuntimeNodeMajor(fn.Runtime) to warn about a
// mismatch; this package never warns.
func NodeVersion(ctx context.Context, nodePath string) (string, error) {
	p, err := LookNode(nodePath)
	if err != nil {
		return "", err
	}
	if v, ok := nodeVersions.Load(p); ok {
		return v.(string), nil
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, p, "--version").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && len(ee.Stderr) > 0 {
			err = fmt.Errorf("%w: %s", err, strings.TrimSpace(string(ee.Stderr)))
		}
		return "", fmt.Errorf("fnrun: %s --version: %w", p, err)
	}
	v := strings.TrimSpace(string(out))
	nodeVersions.Store(p, v)
	return v, nil
}

func (fn *Function) version() string {
	if fn.Version == "" {
		return FunctionVersion
	}
	return fn.Version
}

func (fn *Function) handler() string {
	if fn.Handler == "" {
		return DefaultHandler
	}
	return fn.Handler
}

func (fn *Function) runtime() string {
	if fn.Runtime == "" {
		return "Nodejs"
	}
	return fn.Runtime
}

func (fn *Function) timeout() time.Duration {
	if fn.Timeout <= 0 {
		return DefaultTimeout
	}
	return fn.Timeout
}

func (fn *Function) memoryMB() int {
	if fn.MemoryMB <= 0 {
		return DefaultMemoryMB
	}
	return fn.MemoryMB
}
