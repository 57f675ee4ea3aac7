package fnrun

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

//go:embed bootstrap.js
var bootstrapJS []byte

var (
	bootstrapMu   sync.Mutex
	bootstrapFile string
)

// bootstrapPath writes the embedded bootstrap to a content-addressed file in
// the user's cache directory (or a private temp dir) once per process and
// returns its path.
func bootstrapPath() (string, error) {
	bootstrapMu.Lock()
	defer bootstrapMu.Unlock()
	if bootstrapFile != "" {
		if b, err := os.ReadFile(bootstrapFile); err == nil && bytes.Equal(b, bootstrapJS) {
			return bootstrapFile, nil
		}
	}
	sum := sha256.Sum256(bootstrapJS)
	name := "bootstrap-" + hex.EncodeToString(sum[:6]) + ".js"
	var dirs []string
	if d, err := os.UserCacheDir(); err == nil {
		dirs = append(dirs, filepath.Join(d, "tcb", "fnrun"))
	}
	var lastErr error
	for _, dir := range dirs {
		p, err := writeBootstrap(dir, name)
		if err == nil {
			bootstrapFile = p
			return p, nil
		}
		lastErr = err
	}
	dir, err := os.MkdirTemp("", "tcb-fnrun-")
	if err != nil {
		if lastErr != nil {
			err = lastErr
		}
		return "", fmt.Errorf("fnrun: write bootstrap: %w", err)
	}
	p, err := writeBootstrap(dir, name)
	if err != nil {
		return "", fmt.Errorf("fnrun: write bootstrap: %w", err)
	}
	bootstrapFile = p
	return p, nil
}

func writeBootstrap(dir, name string) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	p := filepath.Join(dir, name)
	if b, err := os.ReadFile(p); err == nil && bytes.Equal(b, bootstrapJS) {
		return p, nil
	}
	f, err := os.CreateTemp(dir, ".bootstrap-*")
	if err != nil {
		return "", err
	}
	tmp := f.Name()
	_, werr := f.Write(bootstrapJS)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp, 0o600)
	}
	if werr == nil {
		werr = os.Rename(tmp, p)
	}
	if werr != nil {
		os.Remove(tmp)
		return "", werr
	}
	return p, nil
}
