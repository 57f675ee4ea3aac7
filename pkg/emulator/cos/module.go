package cos

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/emulator"
	"github.com/tcb-go/tcb/pkg/emulator/envs"
	"github.com/tcb-go/tcb/pkg/emulator/wxhttp"
)

// Limits.
const (
	// MaxPutSize is the largest simple upload (COS: 5 GB).
	MaxPutSize = 5 << 30
	// MaxPartSize is the largest part.
	MaxPartSize = 5 << 30
	// MaxParts is the highest part number.
	MaxParts = 10000
	// MaxKeyBytes is the longest object key (COS: 850 bytes of UTF-8).
	MaxKeyBytes = 850
	// MaxXMLBody bounds the XML bodies (multi-delete, complete, ACL).
	MaxXMLBody = 2 << 20
	// MaxFormFields bounds the fields of a POST form before its file.
	MaxFormFields = 64 << 10
	// DefaultURLTTL is the lifetime of download URLs without max_age.
	DefaultURLTTL = time.Hour
)

// Options configure the module.
type Options struct {
	// Tokens checks the access_tokens of /tcb/uploadfile and friends; nil
	// rejects every token.
	Tokens wxhttp.TokenChecker
	// Sync fsyncs every object file before its metadata is committed:
	// durable across a power loss on any file system, and slower. Without
	// it files are written to a temporary file and renamed into place (a
	// crash of the emulator loses nothing; on ext4 the metadata commit,
	// which is fsynced, flushes them too), and the start-up check drops
	// objects whose file a power loss left short or missing.
	Sync bool
	// Logger defaults to the host's.
	Logger *slog.Logger
}

// Module is the storage module (an emulator.Module named "storage").
type Module struct {
	opts  Options
	h     *emulator.Host
	db    *db
	blobs *blobs
	log   *slog.Logger

	// counters for /_emulator/state
	puts, parts, gets atomic.Int64
	bytesIn, bytesOut atomic.Int64
	collected         int

	secretMu sync.Mutex
	secret   []byte // download URL key (files.go)
}

// New returns the module.
func New(opts Options) *Module { return &Module{opts: opts} }

// Name is "storage".
func (m *Module) Name() string { return "storage" }

// Init opens the blob directory (collecting what a crash left), and
// registers the routes, the tcb actions, the WeChat paths and the /admin
// actions.
func (m *Module) Init(h *emulator.Host) error {
	m.h = h
	m.log = m.opts.Logger
	if m.log == nil {
		m.log = h.Logger
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	m.db = &db{bolt: h.DB.Bolt()}
	m.db.group.db = m.db.bolt
	if err := m.db.init(); err != nil {
		return err
	}
	m.blobs = &blobs{dir: filepath.Join(h.Options.DataDir, "storage"), sync: m.opts.Sync}
	if err := m.blobs.init(); err != nil {
		return err
	}
	n, torn, err := m.blobs.collect(m.db.bolt)
	if err != nil {
		return fmt.Errorf("storage: checking the object files: %w", err)
	}
	m.collected = n
	if n > 0 {
		m.log.Info("storage: removed object files an interrupted write left", "files", n)
	}
	for _, t := range torn {
		m.log.Warn("storage: dropped an object whose file is missing or short (a power loss?)", "bucket", t[0], "key", t[1])
	}
	m.sweepTempCode(m.now())
	if h.Route != nil {
		h.Route(m.route)
	}
	h.Mux.HandleFunc("/site/{env}/{path...}", m.serveSitePath)
	h.Mux.HandleFunc("/site/{env}", m.serveSitePath)
	m.registerTC3(h)
	m.registerTempCode(h)
	m.registerWeChat(h.Mux)
	if h.SDK != nil {
		m.registerSDK(h.SDK)
	}
	h.Envs.OnDestroy(m.dropEnv)
	return nil
}

// State reports objects per bucket and the traffic counters.
func (m *Module) State() any {
	buckets := map[string]any{}
	if recs, err := m.h.Envs.List(); err == nil {
		for _, rec := range recs {
			for _, b := range []string{rec.Bucket, hostingBucket(rec.Bucket)} {
				n, size, _ := m.db.bucketStats(b)
				buckets[b] = map[string]any{"env": rec.EnvID, "objects": n, "bytes": size}
			}
		}
	}
	uploads, parts := m.db.uploadStats()
	return map[string]any{
		"buckets":          buckets,
		"open_uploads":     uploads,
		"open_parts":       parts,
		"puts":             m.puts.Load(),
		"parts_uploaded":   m.parts.Load(),
		"gets":             m.gets.Load(),
		"bytes_in":         m.bytesIn.Load(),
		"bytes_out":        m.bytesOut.Load(),
		"files":            m.blobs.countBlobs(),
		"orphans_at_start": m.collected,
	}
}

// Reset removes every object file (the host wiped the store).
func (m *Module) Reset() error {
	if err := m.db.init(); err != nil {
		return err
	}
	m.puts.Store(0)
	m.parts.Store(0)
	m.gets.Store(0)
	m.bytesIn.Store(0)
	m.bytesOut.Store(0)
	m.secretMu.Lock()
	m.secret = nil
	m.secretMu.Unlock()
	return m.blobs.reset()
}

// Close has nothing to stop.
func (m *Module) Close() error { return nil }

// dropEnv removes a destroyed environment's objects.
func (m *Module) dropEnv(env string) error {
	rec, err := m.h.Envs.Get(env)
	if err != nil {
		return nil
	}
	for _, b := range []string{rec.Bucket, hostingBucket(rec.Bucket)} {
		segs, err := m.db.dropBucket(b)
		if err != nil {
			return err
		}
		m.blobs.remove(segs)
	}
	return m.db.dropEnvState(env)
}

func (m *Module) now() time.Time {
	if m.h != nil && m.h.Now != nil {
		return m.h.Now()
	}
	return time.Now()
}

// hostingBucket is the name of the hosting bucket of a storage bucket.
func hostingBucket(storage string) string { return "static-" + storage }

// target is a resolved bucket.
type target struct {
	Bucket  string
	Env     *envs.Record
	Hosting bool
	// MaxSize bounds a simple upload (0: MaxPutSize).
	MaxSize int64
}

// maxPut is the largest simple upload the bucket takes.
func (t *target) maxPut() int64 {
	if t.MaxSize > 0 {
		return t.MaxSize
	}
	return MaxPutSize
}

// Region of the bucket.
func (t *target) Region() string {
	if t.Env.Region != "" {
		return t.Env.Region
	}
	return "ap-shanghai"
}

// bucketLike is a cheap syntactic test before a store lookup: COS bucket
// names are lower-case letters, digits and '-', ending in -<appid>.
func bucketLike(s string) bool {
	if len(s) < 3 || len(s) > 80 {
		return false
	}
	dash := strings.LastIndexByte(s, '-')
	if dash <= 0 || dash == len(s)-1 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
		if i > dash && !('0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// resolve finds the environment of a bucket name: <8 hex>-<envId>-<appid>
// for storage, static-<that> for hosting.
func (m *Module) resolve(bucket string) (*target, bool) {
	if !bucketLike(bucket) {
		return nil, false
	}
	name, hosting := strings.CutPrefix(bucket, "static-")
	first := strings.IndexByte(name, '-')
	last := strings.LastIndexByte(name, '-')
	if first < 0 || last <= first+1 {
		return nil, false
	}
	rec, err := m.h.Envs.Get(name[first+1 : last])
	if err != nil || rec.Bucket != name {
		return nil, false
	}
	return &target{Bucket: bucket, Env: rec, Hosting: hosting}, true
}

// envRecord returns an environment that exists.
func (m *Module) envRecord(env string) (*envs.Record, bool) {
	if env == "" || len(env) > 64 {
		return nil, false
	}
	rec, err := m.h.Envs.Get(env)
	if err != nil {
		return nil, false
	}
	return rec, true
}

// route claims the requests of the module's virtual hosts and path-style
// buckets.
func (m *Module) route(r *http.Request) http.Handler {
	host := strings.ToLower(r.Host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if first, rest, ok := strings.Cut(host, "."); ok && net.ParseIP(host) == nil {
		if site, _, _ := strings.Cut(rest, "."); site == "site" {
			rec, _ := m.envRecord(first)
			return m.siteHandler(rec, first)
		}
		if t, ok := m.resolve(first); ok {
			return m.cosHandler(t, strings.TrimPrefix(r.URL.Path, "/"), false)
		}
		if region, ok := cloudapi.IsTempCodeBucket(first); ok {
			return m.tempCodeHandler(first, region, strings.TrimPrefix(r.URL.Path, "/"), false)
		}
	}
	p := strings.TrimPrefix(r.URL.Path, "/")
	seg, key, _ := strings.Cut(p, "/")
	if region, ok := cloudapi.IsTempCodeBucket(seg); ok {
		return m.tempCodeHandler(seg, region, key, true)
	}
	if t, ok := m.resolve(seg); ok {
		return m.cosHandler(t, key, true)
	}
	return nil
}

// fileID is cloud://<envId>.<bucket>/<path>.
func fileID(env, bucket, key string) string { return "cloud://" + env + "." + bucket + "/" + key }

// parseFileID splits a file id into the environment, bucket and key.
func parseFileID(id string) (env, bucket, key string, err error) {
	rest, ok := strings.CutPrefix(id, "cloud://")
	if !ok {
		return "", "", "", errors.New("a file id starts with cloud://")
	}
	host, key, ok := strings.Cut(rest, "/")
	if !ok || key == "" {
		return "", "", "", errors.New("a file id is cloud://<env>.<bucket>/<path>")
	}
	env, bucket, ok = strings.Cut(host, ".")
	if !ok || env == "" || bucket == "" {
		return "", "", "", errors.New("a file id is cloud://<env>.<bucket>/<path>")
	}
	return env, bucket, key, nil
}

// checkKey validates an object key.
func checkKey(key string) *cosError {
	switch {
	case key == "":
		return errf(http.StatusBadRequest, "InvalidArgument", "The object key must not be empty.")
	case len(key) > MaxKeyBytes:
		return errf(http.StatusBadRequest, "KeyTooLong", "Your key is too long: %d bytes, the limit is %d.", len(key), MaxKeyBytes)
	case strings.IndexByte(key, 0) >= 0:
		return errf(http.StatusBadRequest, "InvalidURI", "The object key contains a NUL byte.")
	case strings.ContainsFunc(key, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return errf(http.StatusBadRequest, "InvalidURI", "The object key contains a control character.")
	case !validUTF8(key):
		return errf(http.StatusBadRequest, "InvalidURI", "The object key is not valid UTF-8.")
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "." || seg == ".." {
			return errf(http.StatusBadRequest, "InvalidURI", "The object key has a %q path segment.", seg)
		}
	}
	return nil
}

// discardN drains a request body we refused (bounded) so the connection can
// be reused.
func discardN(r io.Reader, n int64) { io.Copy(io.Discard, io.LimitReader(r, n)) }
