// Package unimpl records the requests the emulator cannot answer: Cloud API
// actions it does not serve, /admin actions the SDKs send that it does not
// know, and paths nothing is registered for. Each is logged once, on the
// emulator's log, and counted with the caller's user agent, so
// /_emulator/state shows what a project needs that the emulator lacks.
package unimpl

import (
	"log/slog"
	"sort"
	"sync"
	"time"
)

// Kinds of requests.
const (
	KindAPI  = "api"  // Tencent Cloud API action ("tcb.DescribeFoo")
	KindSDK  = "sdk"  // /admin action of the server SDKs ("database.foo")
	KindPath = "path" // HTTP method and path ("GET /foo")
)

// MaxEntries bounds the distinct requests remembered; later ones are
// counted together under KindPath "(other)".
const MaxEntries = 500

const maxUserAgent = 200

// Entry is one kind of request the emulator could not answer.
type Entry struct {
	Kind      string    `json:"kind"`
	Name      string    `json:"name"`
	UserAgent string    `json:"user_agent"`
	Count     int64     `json:"count"`
	First     time.Time `json:"first"`
	Last      time.Time `json:"last"`
}

// Registry is safe for concurrent use. The zero value is usable and logs
// nowhere.
type Registry struct {
	Logger *slog.Logger
	Now    func() time.Time

	mu      sync.Mutex
	entries map[[2]string]*Entry
}

// Record counts one request; the first of its kind is logged.
func (r *Registry) Record(kind, name, userAgent string) {
	if len(userAgent) > maxUserAgent {
		userAgent = userAgent[:maxUserAgent]
	}
	now := time.Now()
	if r.Now != nil {
		now = r.Now()
	}
	r.mu.Lock()
	if r.entries == nil {
		r.entries = map[[2]string]*Entry{}
	}
	k := [2]string{kind, name}
	e := r.entries[k]
	if e == nil && len(r.entries) >= MaxEntries {
		k = [2]string{KindPath, "(other)"}
		e = r.entries[k]
	}
	first := e == nil
	if first {
		e = &Entry{Kind: k[0], Name: k[1], First: now}
		r.entries[k] = e
	}
	e.Count++
	e.Last = now
	if userAgent != "" {
		e.UserAgent = userAgent
	}
	r.mu.Unlock()
	if first && r.Logger != nil {
		r.Logger.Warn("emulator: not implemented", "kind", kind, "name", name, "user_agent", userAgent)
	}
}

// List returns the entries, most frequent first.
func (r *Registry) List() []Entry {
	r.mu.Lock()
	out := make([]Entry, 0, len(r.entries))
	for _, e := range r.entries {
		out = append(out, *e)
	}
	r.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Reset forgets every entry.
func (r *Registry) Reset() {
	r.mu.Lock()
	r.entries = nil
	r.mu.Unlock()
}
