// Package events is the emulator's in-process publish/subscribe: the front
// doors publish one Request per call they answer (the Cloud API dispatcher,
// the SDK router, and the host for every other path outside /_emulator/),
// the functions module one Log per invocation, and readers such as the web
// console follow them.
//
// The Bus keeps, per topic, a ring of the newest events bounded by a count
// and a byte budget; publishing never blocks and never waits for readers.
// Every event gets the next sequence number (one sequence for all topics),
// so a reader remembers the last number it saw and asks for what came after
// it (Since): it gets only the delta, or learns that events it would have
// seen were evicted (a gap) when it fell further behind than a ring holds.
// Changed returns a channel closed at the next publish, so a reader waits
// without polling. A nil *Bus accepts every call and keeps nothing.
package events

import (
	"sync"
	"time"
)

// Topics.
const (
	TopicRequest = "request" // *Request
	TopicLog     = "log"     // *Log
)

// Limit bounds one topic's ring.
type Limit struct {
	Events int
	Bytes  int64
}

// DefaultLimits are the rings' bounds; a topic not listed gets
// DefaultLimit.
var DefaultLimits = map[string]Limit{
	TopicRequest: {Events: 2000, Bytes: 32 << 20},
	TopicLog:     {Events: 20000, Bytes: 64 << 20},
}

// DefaultLimit bounds topics not in DefaultLimits.
var DefaultLimit = Limit{Events: 1000, Bytes: 8 << 20}

// Sizer is implemented by event data that knows its approximate size in
// memory (counted against the ring's byte budget; others count 256).
type Sizer interface{ Size() int }

// Event is one published fact.
type Event struct {
	Seq   int64
	Topic string
	Time  time.Time
	Data  any
}

type ring struct {
	limit   Limit
	buf     []Event // oldest first
	bytes   int64
	evicted int64 // Seq of the newest evicted event
}

func sizeOf(data any) int64 {
	if s, ok := data.(Sizer); ok {
		return int64(s.Size())
	}
	return 256
}

func (r *ring) add(ev Event) {
	r.buf = append(r.buf, ev)
	r.bytes += sizeOf(ev.Data)
	drop := 0
	for len(r.buf)-drop > 1 && (len(r.buf)-drop > r.limit.Events || r.bytes > r.limit.Bytes) {
		r.bytes -= sizeOf(r.buf[drop].Data)
		r.evicted = r.buf[drop].Seq
		r.buf[drop] = Event{}
		drop++
	}
	if drop > 0 {
		// Compact once the dead prefix is as long as the live part, so
		// appends stay amortised O(1).
		r.buf = r.buf[drop:]
		if cap(r.buf) > 2*r.limit.Events+16 {
			r.buf = append(make([]Event, 0, r.limit.Events+16), r.buf...)
		}
	}
}

// after returns the events with Seq > seq (a sub-slice, not to be kept).
func (r *ring) after(seq int64) []Event {
	lo, hi := 0, len(r.buf)
	for lo < hi {
		mid := (lo + hi) / 2
		if r.buf[mid].Seq <= seq {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return r.buf[lo:]
}

// Bus is safe for concurrent use.
type Bus struct {
	// Now stamps events (default time.Now).
	Now func() time.Time

	mu     sync.Mutex
	seq    int64
	rings  map[string]*ring
	limits map[string]Limit
	wake   chan struct{}
	closed bool
}

// New returns a bus with DefaultLimits.
func New() *Bus {
	return NewWithLimits(nil)
}

// NewWithLimits returns a bus with other bounds for some topics.
func NewWithLimits(limits map[string]Limit) *Bus {
	l := map[string]Limit{}
	for k, v := range DefaultLimits {
		l[k] = v
	}
	for k, v := range limits {
		l[k] = v
	}
	return &Bus{rings: map[string]*ring{}, limits: l, wake: make(chan struct{})}
}

// Publish appends data under topic and wakes the readers; it returns the
// event's sequence number (0 on a nil or closed bus).
func (b *Bus) Publish(topic string, data any) int64 {
	if b == nil {
		return 0
	}
	now := time.Now
	if b.Now != nil {
		now = b.Now
	}
	t := now()
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return 0
	}
	r := b.rings[topic]
	if r == nil {
		lim, ok := b.limits[topic]
		if !ok {
			lim = DefaultLimit
		}
		if lim.Events < 1 {
			lim.Events = 1
		}
		r = &ring{limit: lim}
		b.rings[topic] = r
	}
	b.seq++
	seq := b.seq
	r.add(Event{Seq: seq, Topic: topic, Time: t, Data: data})
	wake := b.wake
	b.wake = make(chan struct{})
	b.mu.Unlock()
	close(wake)
	return seq
}

// Seq is the sequence number of the newest event (0 when none).
func (b *Bus) Seq() int64 {
	if b == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.seq
}

// Changed returns a channel closed by the next Publish or by Close.
func (b *Bus) Changed() <-chan struct{} {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		c := make(chan struct{})
		close(c)
		return c
	}
	return b.wake
}

// Since returns up to max events (max <= 0: all) published after seq in
// the given topics (every topic when none is given), oldest first. gap
// reports that events of those topics published after seq were evicted
// before this call.
func (b *Bus) Since(seq int64, max int, topics ...string) (evs []Event, gap bool) {
	if b == nil {
		return nil, false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var parts [][]Event
	for name, r := range b.rings {
		if len(topics) > 0 && !contains(topics, name) {
			continue
		}
		if r.evicted > seq {
			gap = true
		}
		if p := r.after(seq); len(p) > 0 {
			parts = append(parts, p)
		}
	}
	// Merge by Seq (few topics: pick the smallest head each time).
	idx := make([]int, len(parts))
	for max <= 0 || len(evs) < max {
		best := -1
		for i, p := range parts {
			if idx[i] < len(p) && (best < 0 || p[idx[i]].Seq < parts[best][idx[best]].Seq) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		evs = append(evs, parts[best][idx[best]])
		idx[best]++
	}
	return evs, gap
}

// Last returns the newest n events of topic, oldest first.
func (b *Bus) Last(topic string, n int) []Event {
	if b == nil || n <= 0 {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.rings[topic]
	if r == nil {
		return nil
	}
	from := max(0, len(r.buf)-n)
	return append([]Event(nil), r.buf[from:]...)
}

// Get returns the event of topic with sequence number seq, while the ring
// still holds it.
func (b *Bus) Get(topic string, seq int64) (Event, bool) {
	if b == nil {
		return Event{}, false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.rings[topic]
	if r == nil {
		return Event{}, false
	}
	p := r.after(seq - 1)
	if len(p) == 0 || p[0].Seq != seq {
		return Event{}, false
	}
	return p[0], true
}

// Close wakes every reader for the last time: long-lived readers (event
// streams) end when Closed reports true. Publish is a no-op afterwards.
func (b *Bus) Close() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.closed = true
	close(b.wake)
}

// Closed reports whether Close was called.
func (b *Bus) Closed() bool {
	if b == nil {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
