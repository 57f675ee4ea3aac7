package functions

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/emulator/store"
	"github.com/tcb-go/tcb/pkg/fnrun"
	"github.com/tcb-go/tcb/pkg/funcpack"
)

// A build makes a Creating or Updating function's code runnable: it
// extracts the zip and installs the dependencies, then records the outcome.

type buildHandle struct {
	id     string
	cancel context.CancelFunc
}

// buildError is a failed build, shown in StatusReasons.
type buildError struct {
	Code    string
	Message string
}

func (e *buildError) Error() string { return e.Code + ": " + e.Message }

func buildKey(ns, name string) string { return ns + "/" + name }

// startBuild runs the build of ns/name in the background.
func (m *Module) startBuild(ns, name, buildID string) {
	ctx, cancel := context.WithCancel(m.ctx)
	key := buildKey(ns, name)
	m.buildsMu.Lock()
	if old := m.builds[key]; old != nil {
		old.cancel()
	}
	m.builds[key] = &buildHandle{id: buildID, cancel: cancel}
	m.buildsMu.Unlock()
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		defer func() {
			cancel()
			m.buildsMu.Lock()
			if h := m.builds[key]; h != nil && h.id == buildID {
				delete(m.builds, key)
			}
			m.buildsMu.Unlock()
		}()
		m.build(ctx, ns, name, buildID)
	}()
}

// cancelBuilds stops the builds of a namespace ("" for all).
func (m *Module) cancelBuilds(ns string) {
	m.buildsMu.Lock()
	defer m.buildsMu.Unlock()
	for key, h := range m.builds {
		if ns == "" || len(key) > len(ns) && key[:len(ns)+1] == ns+"/" {
			h.cancel()
			delete(m.builds, key)
		}
	}
}

func (m *Module) buildCount() int {
	m.buildsMu.Lock()
	defer m.buildsMu.Unlock()
	return len(m.builds)
}

func (m *Module) build(ctx context.Context, ns, name, buildID string) {
	var rec *record
	err := m.h.DB.View(func(tx *store.Tx) error {
		var err error
		rec, err = getRecordTx(tx, ns, name)
		return err
	})
	if err != nil || rec == nil || rec.BuildID != buildID || !rec.Building {
		return
	}
	sp := rec.Spec
	depsKey, err := m.prepare(ctx, &sp)
	if ctx.Err() != nil {
		// Stopped (Close, Reset, env destroyed): a Close leaves the record
		// Building, so the build runs again on the next start.
		return
	}
	m.finishBuild(ns, name, buildID, depsKey, err)
}

// prepare extracts the code and installs its dependencies; it returns the
// deps key ("" when none were installed).
func (m *Module) prepare(ctx context.Context, sp *spec) (string, error) {
	codeDir, err := m.ensureCode(sp.CodeSha)
	if err != nil {
		return "", &buildError{"CodeExtractFailed", fmt.Sprintf("extracting the code failed: %v", err)}
	}
	if !sp.nodeDeps() || !fnrun.IsNodeRuntime(sp.Runtime) {
		return "", nil
	}
	if !isFile(filepath.Join(codeDir, "package.json")) {
		return "", nil
	}
	if st, err := os.Stat(filepath.Join(codeDir, "node_modules")); err == nil && st.IsDir() {
		return "", nil // the zip brings its own dependencies
	}
	if m.opts.SkipInstallDeps {
		m.log.Warn("functions: dependency installation is turned off; deploying without running npm", "code", short(sp.CodeSha))
		return "", nil
	}
	key, err := m.depsKey(ctx, codeDir)
	if err != nil {
		return "", &buildError{"InstallDependencyFailed", err.Error()}
	}
	if err := m.ensureDeps(ctx, key, sp.CodeSha); err != nil {
		var be *buildError
		if errors.As(err, &be) {
			return "", be
		}
		return "", &buildError{"InstallDependencyFailed", err.Error()}
	}
	if _, err := m.ensureRunDir(sp.CodeSha, key); err != nil {
		return "", &buildError{"CodeExtractFailed", fmt.Sprintf("preparing the code directory failed: %v", err)}
	}
	return key, nil
}

// finishBuild records the outcome of a build, unless the function changed
// in the meantime.
func (m *Module) finishBuild(ns, name, buildID, depsKey string, buildErr error) {
	if buildErr == nil {
		// Warm instances of the previous revision go now rather than on the
		// next invocation. This comes before the new revision is recorded:
		// after it, an invocation of the new revision could already hold
		// the instance that would be stopped. (One started in between runs
		// the old revision and is replaced by the next invocation.)
		m.pool.Load().Stop(ns, name)
	}
	var oldLive, failedSha string
	err := m.h.DB.Update(func(tx *store.Tx) error {
		rec, err := getRecordTx(tx, ns, name)
		if err != nil || rec == nil || rec.BuildID != buildID || !rec.Building {
			return err
		}
		rec.Building = false
		if buildErr == nil {
			rec.Spec.DepsKey = depsKey
			if rec.Live != nil {
				oldLive = rec.Live.CodeSha
			}
			live := rec.Spec
			rec.Live = &live
			rec.Reasons = nil
		} else {
			var be *buildError
			if !errors.As(buildErr, &be) {
				be = &buildError{"InternalError", buildErr.Error()}
			}
			rec.Reasons = []cloudapi.StatusReason{{ErrorCode: be.Code, ErrorMessage: be.Message}}
			failedSha = rec.Spec.CodeSha
			if rec.State == stateCreating {
				rec.State = stateCreateFailed
			} else {
				rec.State = stateUpdateFailed
				if rec.Live != nil {
					rec.Spec = *rec.Live
				}
			}
		}
		return putRecordTx(tx, rec)
	})
	if err != nil {
		m.log.Error("functions: recording a build failed", "function", ns+"/"+name, "err", err)
		return
	}
	m.gcCode(oldLive, failedSha)
}

// ensureCode extracts a stored zip into code/<sha>/ unless it is there.
func (m *Module) ensureCode(sha string) (string, error) {
	dir := filepath.Join(m.codeRoot(), sha)
	if isDir(dir) {
		return dir, nil
	}
	unlock := m.locks.lock("code:" + sha)
	defer unlock()
	if isDir(dir) {
		return dir, nil
	}
	if err := m.extract(sha, dir); err != nil {
		return "", err
	}
	return dir, nil
}

// ensureRunDir prepares code/<sha>.deps-<key>/: the code plus a
// node_modules link to deps/<key>/node_modules.
func (m *Module) ensureRunDir(sha, key string) (string, error) {
	dir := filepath.Join(m.codeRoot(), sha+".deps-"+key)
	target := filepath.Join(m.depsRoot(), key, "node_modules")
	link := filepath.Join(dir, "node_modules")
	ok := func() bool {
		t, err := os.Readlink(link)
		return err == nil && t == target && isDir(target)
	}
	if ok() {
		return dir, nil
	}
	unlock := m.locks.lock("code:" + sha)
	defer unlock()
	if ok() {
		return dir, nil
	}
	if !isDir(dir) {
		if err := m.extract(sha, dir); err != nil {
			return "", err
		}
	}
	if !isDir(target) {
		return "", fmt.Errorf("dependencies %s are missing", short(key))
	}
	os.RemoveAll(link)
	if err := os.Symlink(target, link); err != nil {
		return "", err
	}
	return dir, nil
}

func (m *Module) extract(sha, dir string) error {
	zip, err := m.loadZip(sha)
	if err != nil {
		return err
	}
	// Unpack beside dir and rename into place: a crash mid-way leaves a
	// *.partial-* directory (removed at the next start), never a dir that
	// looks complete without being so.
	tmp, err := os.MkdirTemp(filepath.Dir(dir), filepath.Base(dir)+partialMark+"*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if _, err := funcpack.SafeUnzip(bytes.NewReader(zip), int64(len(zip)), tmp, funcpack.DefaultLimits()); err != nil {
		return err
	}
	os.RemoveAll(dir)
	return os.Rename(tmp, dir)
}

// partialMark names the directories extract unpacks into before they are
// renamed into place.
const partialMark = ".partial-"

// removePartials drops what an interrupted extract left in the code root.
func (m *Module) removePartials() {
	entries, _ := os.ReadDir(m.codeRoot())
	for _, e := range entries {
		if strings.Contains(e.Name(), partialMark) {
			os.RemoveAll(filepath.Join(m.codeRoot(), e.Name()))
		}
	}
}

// runDir returns the directory a spec runs in, recreating what is missing
// (after a restart on a data dir whose files were removed, say).
func (m *Module) runDir(ctx context.Context, sp *spec) (string, error) {
	if sp.DepsKey == "" {
		return m.ensureCode(sp.CodeSha)
	}
	if !isDir(filepath.Join(m.depsRoot(), sp.DepsKey, "node_modules")) {
		if err := m.ensureDeps(ctx, sp.DepsKey, sp.CodeSha); err != nil {
			return "", err
		}
	}
	return m.ensureRunDir(sp.CodeSha, sp.DepsKey)
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}
