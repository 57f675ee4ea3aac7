package fndeploy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/tcb-go/tcb/pkg/funcpack"
)

// maxDownload caps a code download (the zip limit plus slack).
const maxDownload = funcpack.MaxZipSize + 10<<20

// DownloadCode fetches a function's code zip from the URL GetFunctionAddress
// returned and checks it against the expected SHA-256 (when given).
func DownloadCode(ctx context.Context, hc *http.Client, rawURL, wantSha string) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("the code address %q is not an http(s) URL", redactURL(rawURL))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("downloading the code from %s: %w", redactURL(rawURL), unwrapURLError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("downloading the code from %s: HTTP %d", redactURL(rawURL), resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxDownload+1))
	if err != nil {
		return nil, fmt.Errorf("downloading the code: %w", err)
	}
	if int64(len(b)) > maxDownload {
		return nil, fmt.Errorf("the code download exceeds %s", funcpack.FormatSize(maxDownload))
	}
	if wantSha != "" {
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); !strings.EqualFold(got, wantSha) {
			return nil, fmt.Errorf("the downloaded code's SHA-256 %s does not match CodeSha256 %s", got, wantSha)
		}
	}
	return b, nil
}

// redactURL drops the query (which may carry a signature) from messages.
func redactURL(s string) string {
	if i := strings.IndexByte(s, '?'); i >= 0 {
		return s[:i]
	}
	return s
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// IsEmptyDir reports whether dir is missing or empty.
func IsEmptyDir(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return len(entries) == 0, nil
}

// ExtractReplace safely extracts zip into dest. An existing dest is
// replaced only after the new tree is complete; on any failure dest is left
// as it was.
func ExtractReplace(zip []byte, dest string) (funcpack.Stats, error) {
	dest = filepath.Clean(dest)
	empty, err := IsEmptyDir(dest)
	if err != nil {
		return funcpack.Stats{}, err
	}
	if empty {
		if err := os.Remove(dest); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return funcpack.Stats{}, err
		}
		return funcpack.SafeUnzip(bytes.NewReader(zip), int64(len(zip)), dest, funcpack.DefaultLimits())
	}
	parent := filepath.Dir(dest)
	staging, err := os.MkdirTemp(parent, "."+filepath.Base(dest)+".new-*")
	if err != nil {
		return funcpack.Stats{}, err
	}
	os.Remove(staging) // SafeUnzip wants a path that does not exist yet
	st, err := funcpack.SafeUnzip(bytes.NewReader(zip), int64(len(zip)), staging, funcpack.DefaultLimits())
	if err != nil {
		os.RemoveAll(staging)
		return st, err
	}
	old := staging + ".old"
	if err := os.Rename(dest, old); err != nil {
		os.RemoveAll(staging)
		return st, err
	}
	if err := os.Rename(staging, dest); err != nil {
		os.Rename(old, dest)
		os.RemoveAll(staging)
		return st, err
	}
	return st, os.RemoveAll(old)
}
