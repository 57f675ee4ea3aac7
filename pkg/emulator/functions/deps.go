package functions

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tcb-go/tcb/pkg/fnrun"
	"github.com/tcb-go/tcb/pkg/funcpack"
)

// completeMarker marks a finished deps/<key> directory.
const completeMarker = ".tcb-deps-complete"

// depsKey hashes what decides the installed node_modules: package.json, the
// lockfile, the contents of local file: dependencies, the Node.js major
// version and the install flags.
func (m *Module) depsKey(ctx context.Context, codeDir string) (string, error) {
	h := sha256.New()
	major := "unknown"
	if v, err := fnrun.NodeVersion(ctx, m.opts.NodePath); err == nil {
		major = fmt.Sprint(fnrun.NodeMajor(v))
	}
	fmt.Fprintf(h, "tcb-deps v1\nnode %s\nscripts %v\n", major, m.opts.InstallScripts)
	pkg, err := os.ReadFile(filepath.Join(codeDir, "package.json"))
	if err != nil {
		return "", err
	}
	hashBlob(h, "package.json", pkg)
	for _, lock := range []string{"package-lock.json", "npm-shrinkwrap.json"} {
		if b, err := os.ReadFile(filepath.Join(codeDir, lock)); err == nil {
			hashBlob(h, lock, b)
		}
	}
	var manifest struct {
		Dependencies         map[string]any `json:"dependencies"`
		OptionalDependencies map[string]any `json:"optionalDependencies"`
	}
	if err := json.Unmarshal(pkg, &manifest); err != nil {
		return "", fmt.Errorf("package.json is not valid JSON: %v", err)
	}
	var locals []string
	for _, deps := range []map[string]any{manifest.Dependencies, manifest.OptionalDependencies} {
		for _, v := range deps {
			if s, ok := v.(string); ok && strings.HasPrefix(s, "file:") {
				locals = append(locals, strings.TrimPrefix(s, "file:"))
			}
		}
	}
	sort.Strings(locals)
	root, _ := filepath.Abs(codeDir)
	for _, rel := range locals {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if p != root && !strings.HasPrefix(p, root+string(filepath.Separator)) {
			fmt.Fprintf(h, "outside %s\n", rel)
			continue
		}
		if err := hashTree(h, root, p); err != nil {
			fmt.Fprintf(h, "unreadable %s\n", rel)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func hashBlob(w io.Writer, name string, b []byte) {
	fmt.Fprintf(w, "%s %d\n", name, len(b))
	w.Write(b)
}

// hashTree hashes the file or directory p (node_modules left out).
func hashTree(w io.Writer, root, p string) error {
	return filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "node_modules" {
			return filepath.SkipDir
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		hashBlob(w, filepath.ToSlash(rel), b)
		return nil
	})
}

// ensureDeps makes deps/<key>/ (a copy of the code in which npm install
// ran) unless it exists. Concurrent builds with the same key wait for one
// install.
func (m *Module) ensureDeps(ctx context.Context, key, sha string) error {
	final := filepath.Join(m.depsRoot(), key)
	if isFile(filepath.Join(final, completeMarker)) {
		return nil
	}
	unlock := m.locks.lock("deps:" + key)
	defer unlock()
	if isFile(filepath.Join(final, completeMarker)) {
		return nil
	}
	select {
	case m.installSem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-m.installSem }()

	zip, err := m.loadZip(sha)
	if err != nil {
		return err
	}
	work := filepath.Join(m.depsRoot(), ".build-"+key[:16]+"-"+randomID(4))
	defer os.RemoveAll(work)
	if _, err := funcpack.SafeUnzip(bytes.NewReader(zip), int64(len(zip)), work, funcpack.DefaultLimits()); err != nil {
		return err
	}
	start := time.Now()
	if err := m.runNpm(ctx, work); err != nil {
		return err
	}
	m.log.Info("functions: npm install done", "deps", short(key), "ms", time.Since(start).Milliseconds())
	if err := checkLinks(filepath.Join(work, "node_modules")); err != nil {
		return &buildError{"InstallDependencyFailed", err.Error()}
	}
	if err := os.MkdirAll(filepath.Join(work, "node_modules"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(work, completeMarker), []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o644); err != nil {
		return err
	}
	os.RemoveAll(final)
	return os.Rename(work, final)
}

// checkLinks fails on dangling links among the installed packages: npm
// links a file: dependency to a directory even when it does not exist.
func checkLinks(nodeModules string) error {
	entries, err := os.ReadDir(nodeModules)
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "@") && e.IsDir() {
			sub, _ := os.ReadDir(filepath.Join(nodeModules, e.Name()))
			for _, s := range sub {
				names = append(names, e.Name()+"/"+s.Name())
			}
			continue
		}
		names = append(names, e.Name())
	}
	for _, name := range names {
		p := filepath.Join(nodeModules, filepath.FromSlash(name))
		if fi, err := os.Lstat(p); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			continue
		}
		if _, err := os.Stat(p); err != nil {
			target, _ := os.Readlink(p)
			return fmt.Errorf("npm install failed: dependency %s links to %s, which does not exist in the code", name, target)
		}
	}
	return nil
}

// npmArgs are the install flags (see the package documentation).
func (m *Module) npmArgs() []string {
	args := []string{"install", "--omit=dev", "--no-audit", "--no-fund", "--no-update-notifier", "--no-progress",
		"--prefer-offline", "--fetch-retries=1", "--fetch-retry-mintimeout=2000", "--fetch-retry-maxtimeout=5000"}
	if !m.opts.InstallScripts {
		args = append(args, "--ignore-scripts")
	}
	return args
}

func (m *Module) runNpm(ctx context.Context, dir string) error {
	npm, nodeDir, err := m.npmCommand()
	if err != nil {
		return &buildError{"InstallDependencyFailed", err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, m.opts.InstallTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, m.npmArgs()...)
	cmd.Dir = dir
	cmd.Env = npmEnv(nodeDir)
	out := &tailBuffer{max: 16 << 10}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 5 * time.Second
	setProcessGroup(cmd)
	m.npmRuns.Add(1)
	err = cmd.Run()
	if err == nil {
		return nil
	}
	if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return ctx.Err()
	}
	m.log.Warn("functions: npm install failed", "dir", dir, "err", err, "output", out.tail(4<<10))
	if ctx.Err() != nil {
		return &buildError{"InstallDependencyFailed", fmt.Sprintf("npm install did not finish within %s", m.opts.InstallTimeout)}
	}
	return &buildError{"InstallDependencyFailed", npmFailure(out.tail(16 << 10))}
}

// npmFailure sums up npm's output in one line: what failed and what to
// do. The whole output goes to the emulator's log.
func npmFailure(out string) string {
	var code, detail, other string
	for _, raw := range strings.Split(out, "\n") {
		raw = strings.TrimSpace(raw)
		line, isErr := strings.CutPrefix(raw, "npm error")
		if !isErr {
			line, isErr = strings.CutPrefix(raw, "npm ERR!")
		}
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(raw, "npm warn"):
		case !isErr:
			if other == "" {
				other = line
			}
		case strings.HasPrefix(line, "code "):
			if code == "" {
				code = strings.TrimSpace(strings.TrimPrefix(line, "code "))
			}
		case detail == "" && !strings.HasPrefix(line, "errno ") && !strings.HasPrefix(line, "syscall ") &&
			!strings.HasPrefix(line, "A complete log") && !strings.HasPrefix(line, "Log files"):
			detail = line
		}
	}
	if detail == "" {
		detail = other
	}
	switch code {
	case "ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ETIMEDOUT", "ECONNRESET", "ENETUNREACH", "EHOSTUNREACH":
		return "npm install could not reach the npm registry (" + code + ") and the dependencies are not all in the local npm cache: " +
			"install them once while online (any npm install of the same packages fills the cache), or deploy with node_modules included and installDependency false"
	case "E404":
		return "npm install failed: a dependency does not exist in the registry (E404): " + detail
	case "ETARGET":
		return "npm install failed: no published version matches a dependency's range (ETARGET): " + detail
	case "":
		if detail == "" {
			return "npm install failed (see the emulator's log for npm's output)"
		}
		return "npm install failed: " + detail
	}
	return "npm install failed (" + code + "): " + detail
}

// npmCommand finds npm: Options.NpmPath, the npm next to node, npm on PATH.
func (m *Module) npmCommand() (npm, nodeDir string, err error) {
	if node, err := fnrun.LookNode(m.opts.NodePath); err == nil {
		nodeDir = filepath.Dir(node)
	}
	if m.opts.NpmPath != "" {
		p, err := exec.LookPath(m.opts.NpmPath)
		return p, nodeDir, err
	}
	if nodeDir != "" {
		if p := filepath.Join(nodeDir, "npm"); isFile(p) {
			return p, nodeDir, nil
		}
	}
	p, err := exec.LookPath("npm")
	if err != nil {
		return "", nodeDir, fmt.Errorf("npm was not found (install Node.js with npm, or give the emulator the npm path): %v", err)
	}
	return p, nodeDir, nil
}

// npmEnv is this process's environment without cloud credentials, with
// node's directory first on PATH and npm's chatter turned off.
func npmEnv(nodeDir string) []string {
	var env []string
	path := ""
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		up := strings.ToUpper(k)
		switch {
		case strings.HasPrefix(up, "TENCENTCLOUD_"), strings.HasPrefix(up, "TCB_"):
			continue
		case up == "PATH":
			path = v
			continue
		}
		env = append(env, kv)
	}
	if nodeDir != "" {
		path = nodeDir + string(os.PathListSeparator) + path
	}
	return append(env, "PATH="+path, "npm_config_update_notifier=false", "npm_config_fund=false",
		"npm_config_audit=false", "npm_config_progress=false")
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append([]byte(nil), t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) tail(n int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return strings.TrimSpace(string(b))
}
