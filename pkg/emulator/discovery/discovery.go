// Package discovery lets tcb commands find the emulators running on this
// machine. `tcb emulator start` publishes a Record (pid, address, data
// dir, ...) in two files while it runs:
//
//   - <config dir>/emulators/<host>_<port>.json, one per address, which
//     `tcb emulator status`, `stop` and `env` read;
//   - <data dir>/emulator.json, beside the state it describes.
//
// Both are 0600 and removed on a clean exit. A record whose process is
// gone (a crash, kill -9) is stale: Scan removes it. A live process is
// only taken for the emulator of its record when the emulator's
// /_emulator/health answers with the same pid, so a recycled pid is never
// mistaken for an emulator.
//
// The package never prints; the commands decide what to say.
package discovery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tcb-go/tcb/pkg/config"
)

// FileName is the record's name inside the data dir.
const FileName = "emulator.json"

// dirName is the records' directory inside the config dir.
const dirName = "emulators"

// Record describes one running emulator.
type Record struct {
	PID       int       `json:"pid"`
	Listen    string    `json:"listen"` // bound host:port
	Endpoint  string    `json:"endpoint"`
	DataDir   string    `json:"data_dir"`
	Ephemeral bool      `json:"ephemeral"`
	Version   string    `json:"version"`
	StartedAt time.Time `json:"started_at"`
	// LogFile is where a detached emulator writes its output.
	LogFile string `json:"log_file,omitempty"`
}

// UserDir is the directory of the per-address records under a config dir.
func UserDir(configDir string) string { return filepath.Join(configDir, dirName) }

// fileKey turns host:port into a file name ("127.0.0.1_9800",
// "__1_9800" for [::1]:9800).
func fileKey(addr string) string {
	return strings.NewReplacer(":", "_", "[", "_", "]", "_", "/", "_", "\\", "_", "%", "_").Replace(addr) + ".json"
}

// Publish writes rec to userDir (when not empty) and to its data dir, and
// returns a function that removes both files again, each only while it
// still describes this process.
func Publish(userDir string, rec Record) (unpublish func(), err error) {
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return nil, err
	}
	b = append(b, '\n')
	var paths []string
	var errs []error
	if userDir != "" {
		if err := os.MkdirAll(userDir, 0o700); err != nil {
			errs = append(errs, err)
		} else {
			p := filepath.Join(userDir, fileKey(rec.Listen))
			if err := config.WriteFileAtomic(p, b, 0o600); err != nil {
				errs = append(errs, err)
			} else {
				paths = append(paths, p)
			}
		}
	}
	if rec.DataDir != "" {
		p := filepath.Join(rec.DataDir, FileName)
		if err := config.WriteFileAtomic(p, b, 0o600); err != nil {
			errs = append(errs, err)
		} else {
			paths = append(paths, p)
		}
	}
	return func() {
		for _, p := range paths {
			removeIfOwned(p, rec)
		}
	}, errors.Join(errs...)
}

// removeIfOwned removes the record file at path if it still holds rec
// (another emulator may have taken the address or data dir since).
func removeIfOwned(path string, rec Record) {
	got, err := readRecord(path)
	if err != nil || got.PID != rec.PID || got.Listen != rec.Listen {
		return
	}
	os.Remove(path)
}

func readRecord(path string) (Record, error) {
	var r Record
	b, err := os.ReadFile(path)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("%s: %w", path, err)
	}
	if r.PID <= 0 || r.Listen == "" {
		return r, fmt.Errorf("%s: not an emulator record", path)
	}
	return r, nil
}

// ReadDataDir reads the record in a data dir (fs.ErrNotExist when none).
func ReadDataDir(dataDir string) (Record, error) {
	return readRecord(filepath.Join(dataDir, FileName))
}

// Health is an emulator's answer on /_emulator/health.
type Health struct {
	Status        string `json:"status"`
	Version       string `json:"version"`
	PID           int    `json:"pid"`
	DataDir       string `json:"data_dir"`
	Ephemeral     bool   `json:"ephemeral"`
	UptimeSeconds int64  `json:"uptime_seconds"`
	Auth          string `json:"auth"`
}

// ProbeTimeout bounds one health check.
const ProbeTimeout = 3 * time.Second

// Probe asks endpoint (http://host:port) for its health.
func Probe(ctx context.Context, endpoint string) (*Health, error) {
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(endpoint, "/")+"/_emulator/health", nil)
	if err != nil {
		return nil, err
	}
	// A fresh transport: no proxy from the environment, no pooled
	// connection to a process that has just exited.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("health: HTTP %d", resp.StatusCode)
	}
	var h Health
	if err := json.Unmarshal(body, &h); err != nil || h.Status == "" {
		return nil, errors.New("health: not an emulator's answer")
	}
	return &h, nil
}

// Instance is a record whose process is alive, with what its health
// endpoint said.
type Instance struct {
	Record
	// Path is the record's file in the user dir ("" when the instance was
	// found only by probing an address).
	Path     string
	Health   *Health
	ProbeErr error
}

// Verified reports whether the health endpoint answered as this record's
// process: the only case in which signalling the pid is safe.
func (i Instance) Verified() bool {
	return i.Health != nil && i.Health.PID == i.PID
}

// Scan reads userDir's records. Records whose process is gone, or whose
// address is answered by another emulator, are stale: they are removed
// (with the data dir's copy) and returned in stale. The others are probed
// in parallel and returned sorted by address.
func Scan(ctx context.Context, userDir string) (live []Instance, stale []Record, err error) {
	entries, err := os.ReadDir(userDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	var cands []Instance
	for _, de := range entries {
		if de.IsDir() || !strings.HasSuffix(de.Name(), ".json") || strings.HasPrefix(de.Name(), ".") {
			continue
		}
		p := filepath.Join(userDir, de.Name())
		rec, err := readRecord(p)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				os.Remove(p) // unreadable: nothing can use it
			}
			continue
		}
		if !Running(rec.PID) {
			forget(p, rec)
			stale = append(stale, rec)
			continue
		}
		cands = append(cands, Instance{Record: rec, Path: p})
	}
	var wg sync.WaitGroup
	for i := range cands {
		wg.Add(1)
		go func(in *Instance) {
			defer wg.Done()
			in.Health, in.ProbeErr = Probe(ctx, in.Endpoint)
		}(&cands[i])
	}
	wg.Wait()
	for _, in := range cands {
		if in.Health != nil && in.Health.PID != 0 && in.Health.PID != in.PID {
			// Another emulator holds the address: this record's process
			// is not the emulator any more.
			forget(in.Path, in.Record)
			stale = append(stale, in.Record)
			continue
		}
		live = append(live, in)
	}
	sort.Slice(live, func(a, b int) bool { return live[a].Listen < live[b].Listen })
	return live, stale, nil
}

// forget removes a stale record and the data dir's copy of it.
func forget(path string, rec Record) {
	removeIfOwned(path, rec)
	if rec.DataDir != "" {
		removeIfOwned(filepath.Join(rec.DataDir, FileName), rec)
	}
}

// Forget removes the files of an instance's record.
func Forget(in Instance) {
	if in.Path != "" {
		forget(in.Path, in.Record)
	}
}

// SameAddr reports whether two host:port addresses name the same local
// listener: equal, or the same port on loopback or wildcard hosts
// ("localhost:9800" and "127.0.0.1:9800").
func SameAddr(a, b string) bool {
	if a == b {
		return true
	}
	ha, pa, err1 := net.SplitHostPort(a)
	hb, pb, err2 := net.SplitHostPort(b)
	if err1 != nil || err2 != nil || pa != pb {
		return false
	}
	if strings.EqualFold(ha, hb) {
		return true
	}
	return IsLocalHost(ha) && IsLocalHost(hb)
}

// IsLocalHost reports whether host is "localhost", a loopback IP, or a
// wildcard (which includes loopback).
func IsLocalHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.IsLoopback() || ip.IsUnspecified())
}

// Select picks the instances at addr (all of them when addr is "").
func Select(list []Instance, addr string) []Instance {
	if addr == "" {
		return list
	}
	var out []Instance
	for _, in := range list {
		if SameAddr(in.Listen, addr) {
			out = append(out, in)
		}
	}
	return out
}

// Addrs lists the instances' addresses, for messages.
func Addrs(list []Instance) string {
	s := make([]string, len(list))
	for i, in := range list {
		s[i] = in.Listen
	}
	return strings.Join(s, ", ")
}

// WaitExit waits until the instance's process has exited (or, for a
// process nobody has reaped yet, until it removed its record and stopped
// answering), polling every interval, or ctx ends.
func WaitExit(ctx context.Context, in Instance, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if !Running(in.PID) {
			return nil
		}
		if in.Path != "" {
			if _, err := os.Stat(in.Path); errors.Is(err, fs.ErrNotExist) {
				if h, err := Probe(ctx, in.Endpoint); err != nil || h.PID != in.PID {
					return nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// LocalHostPort reads an emulator address such as TCB_EMULATOR_HOST
// ("127.0.0.1:9800", "http://localhost:9800/") and returns its host:port
// when it names a listener on this machine with a fixed port.
func LocalHostPort(s string) (string, bool) {
	host, port, err := net.SplitHostPort(HostPort(s))
	if err != nil || !IsLocalHost(host) {
		return "", false
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 || strconv.Itoa(p) != port {
		return "", false
	}
	return net.JoinHostPort(host, port), true
}

// HostPort strips the scheme and trailing slashes of an address such as
// TCB_EMULATOR_HOST ("http://127.0.0.1:9800/" -> "127.0.0.1:9800").
func HostPort(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	return strings.TrimRight(s, "/")
}

// ErrNotRunning means no running emulator matched.
var ErrNotRunning = errors.New("no emulator is running")

// AmbiguousError means several emulators matched and none was named.
type AmbiguousError struct{ Instances []Instance }

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("%d emulators are running (%s)", len(e.Instances), Addrs(e.Instances))
}

// Choose picks one instance: the one at listen when it is given; else the
// only one running; else, among several, the one at prefer (the address
// the shell points at, TCB_EMULATOR_HOST). It returns ErrNotRunning or an
// *AmbiguousError when that does not name exactly one.
func Choose(live []Instance, listen, prefer string) (Instance, error) {
	cands := live
	if listen != "" {
		cands = Select(live, listen)
	}
	if len(cands) > 1 && listen == "" && HostPort(prefer) != "" {
		if p := Select(cands, HostPort(prefer)); len(p) == 1 {
			cands = p
		}
	}
	switch len(cands) {
	case 0:
		return Instance{}, ErrNotRunning
	case 1:
		return cands[0], nil
	}
	return Instance{}, &AmbiguousError{Instances: cands}
}

// ClientAddr is the address a client uses to reach a listener bound to
// addr: a wildcard host (0.0.0.0, ::) becomes the loopback address.
func ClientAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		if ip.To4() != nil {
			host = "127.0.0.1"
		} else {
			host = "::1"
		}
	}
	return net.JoinHostPort(host, port)
}
