// Package xfer is what the storage and hosting commands share: resolving
// the bucket of the selected environment, the transfer progress display
// (one bar with files, bytes and rate on a terminal, one plain line per
// file otherwise), and the upload, download, list and delete runs that
// `tcb storage` and `tcb hosting` both offer, each on its own bucket.
package xfer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/storage"
)

// Target is a bucket of the selected environment with its client.
type Target struct {
	EnvID   string
	API     *cloudapi.Client
	Bucket  *storage.Bucket
	Client  *storage.Client
	Hosting *storage.Hosting // set for the hosting bucket
	// What names the bucket in messages: "storage" or "hosting".
	What string
}

// Storage resolves the environment's storage bucket.
func Storage(ctx context.Context, f *cmdutil.Factory, parallel int) (*Target, error) {
	api, envID, err := api(f)
	if err != nil {
		return nil, err
	}
	var b *storage.Bucket
	err = f.IOStreams.RunWithProgress("Finding the storage bucket of "+envID, func() error {
		b, err = storage.StorageBucket(ctx, api, envID, strings.TrimSpace(f.Getenv("TCB_COS_REGION")))
		return err
	})
	if err != nil {
		return nil, err
	}
	c, err := client(f, b, parallel)
	if err != nil {
		return nil, err
	}
	return &Target{EnvID: envID, API: api, Bucket: b, Client: c, What: "storage"}, nil
}

// Hosting resolves the environment's hosting bucket. When static hosting
// is not enabled, enable decides: nil fails (not found, with a hint),
// otherwise it is asked (true: enable it and wait until it is online).
func Hosting(ctx context.Context, f *cmdutil.Factory, parallel int, enable func(envID string) (bool, error)) (*Target, error) {
	api, envID, err := api(f)
	if err != nil {
		return nil, err
	}
	var h *storage.Hosting
	err = f.IOStreams.RunWithProgress("Reading the static hosting of "+envID, func() error {
		h, err = storage.DescribeHosting(ctx, api, envID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if h == nil || h.Status == "offline" {
		if enable == nil {
			return nil, cmdutil.NotFoundErrorf("static hosting is not enabled for %s", envID).
				WithHint("`tcb hosting deploy` offers to enable it (--yes enables it without asking)")
		}
		ok, err := enable(envID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, cmdutil.Errorf("static hosting of %s: not enabled", envID)
		}
		if err := storage.EnableHosting(ctx, api, envID); err != nil {
			return nil, fmt.Errorf("enabling static hosting: %w", err)
		}
	}
	if h == nil || !h.Online() {
		err = cmdutil.WaitFor(ctx, f.IOStreams, "static hosting of "+envID, 5*time.Minute, func(ctx context.Context) (bool, string, error) {
			h, err = storage.DescribeHosting(ctx, api, envID)
			if err != nil {
				return false, "", err
			}
			if h == nil {
				return false, "not created yet", nil
			}
			if h.Status == "create_fail" || h.Status == "destroy_fail" {
				return false, h.Status, cmdutil.APIErrorf("static hosting of %s is %s", envID, h.Status)
			}
			return h.Online(), h.Status, nil
		})
		if err != nil {
			return nil, err
		}
	}
	b := &storage.Bucket{EnvID: envID, Bucket: h.Bucket, Region: h.Region}
	c, err := client(f, b, parallel)
	if err != nil {
		return nil, err
	}
	return &Target{EnvID: envID, API: api, Bucket: b, Client: c, Hosting: h, What: "hosting"}, nil
}

func api(f *cmdutil.Factory) (*cloudapi.Client, string, error) {
	api, err := f.CloudAPI()
	if err != nil {
		return nil, "", err
	}
	envID, err := f.RequireEnvID()
	if err != nil {
		return nil, "", err
	}
	return api, envID, nil
}

func client(f *cmdutil.Factory, b *storage.Bucket, parallel int) (*storage.Client, error) {
	creds, err := f.Credentials()
	if err != nil {
		return nil, err
	}
	o := storage.Options{
		Credentials: storage.Credentials{SecretID: creds.SecretID, SecretKey: creds.SecretKey, SessionToken: creds.SessionToken},
		Bucket:      b.Bucket, Region: b.Region, Endpoint: f.Endpoint(), Parallel: parallel,
	}
	if f.Globals.Verbose {
		o.Trace = f.IOStreams.ErrOut
	}
	if d := cacheDir(f); d != "" {
		o.SumCacheDir, o.LockDir = filepath.Join(d, "sums"), filepath.Join(d, "locks")
	}
	return storage.New(o)
}

// cacheDir holds the checksum caches of uploaded trees and the upload
// locks: under TCB_CONFIG_DIR when it is set (tests, CI), else the user's
// cache dir.
func cacheDir(f *cmdutil.Factory) string {
	if d := strings.TrimSpace(f.Getenv("TCB_CONFIG_DIR")); d != "" {
		return filepath.Join(d, "cache")
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "tcb")
	}
	return ""
}

// CheckParallel validates --parallel.
func CheckParallel(n int) error {
	if n < 1 || n > 64 {
		return cmdutil.FlagErrorf("--parallel must be between 1 and 64, not %d", n)
	}
	return nil
}

// Failure is a failed file in JSON output.
type Failure struct {
	Key   string `json:"key"`
	Local string `json:"local,omitempty"`
	Error string `json:"error"`
}

// failures collects the failed results and the error to return for them:
// the first failure's kind decides the exit code.
func failures(verb string, results []storage.FileResult) ([]Failure, error) {
	var out []Failure
	var first error
	for _, r := range results {
		if r.Err == nil {
			continue
		}
		if first == nil {
			first = r.Err
		}
		out = append(out, Failure{Key: r.Key, Local: r.Local, Error: r.Err.Error()})
	}
	if first == nil {
		return nil, nil
	}
	if errors.Is(first, context.Canceled) {
		return out, first
	}
	lines := []string{}
	for i, fl := range out {
		if i == 5 {
			lines = append(lines, fmt.Sprintf("... and %d more", len(out)-5))
			break
		}
		lines = append(lines, "  "+fl.Error)
	}
	return out, cmdutil.WithCode(cmdutil.ExitCode(first),
		fmt.Errorf("%s: %d of %d files failed:\n%s", verb, len(out), len(results), strings.Join(lines, "\n")))
}

// HumanBytes renders a size: 512 B, 1.5 KB, 200.0 MB (powers of 1024).
func HumanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "KMGTP"[exp])
}
