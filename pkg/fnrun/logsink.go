package fnrun

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"io"
	"strconv"
	"sync"
	"unicode/utf8"
)

const (
	tailKeep    = 16 << 10 // tail kept per invocation (LogTail and crash diagnosis)
	pendingKeep = 64 << 10 // output kept while no invocation runs
)

// logSink collects the output of one invocation: the first max bytes, the
// last tailKeep bytes, and a copy to an optional writer.
type logSink struct {
	max     int
	head    []byte
	total   int64
	tail    []byte
	w       io.Writer
	wErr    error
	done    chan struct{} // closed when the end-of-invocation marker is seen
	doneSet bool
	mu      sync.Mutex
}

func newLogSink(max int, w io.Writer) *logSink {
	if max <= 0 {
		max = DefaultMaxLogBytes
	}
	return &logSink{max: max, w: w, done: make(chan struct{})}
}

func (s *logSink) write(p []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.total += int64(len(p))
	if room := s.max - len(s.head); room > 0 {
		s.head = append(s.head, p[:min(room, len(p))]...)
	}
	if len(p) >= tailKeep {
		s.tail = append(s.tail[:0], p[len(p)-tailKeep:]...)
	} else {
		s.tail = append(s.tail, p...)
		if len(s.tail) > 2*tailKeep {
			n := copy(s.tail, s.tail[len(s.tail)-tailKeep:])
			s.tail = s.tail[:n]
		}
	}
	if s.w != nil && s.wErr == nil {
		_, s.wErr = s.w.Write(p)
	}
}

func (s *logSink) markDone() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.doneSet {
		s.doneSet = true
		close(s.done)
	}
}

// log returns the capped log.
func (s *logSink) log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.total <= int64(len(s.head)) {
		return string(s.head)
	}
	head := trimPartialRune(s.head)
	var b bytes.Buffer
	b.Grow(len(head) + 48)
	b.Write(head)
	if len(head) > 0 && head[len(head)-1] != '\n' {
		b.WriteByte('\n')
	}
	b.WriteString("... [truncated ")
	b.WriteString(strconv.FormatInt(s.total-int64(len(head)), 10))
	b.WriteString(" bytes]\n")
	return b.String()
}

// logTail returns the last LogTailBytes of the uncapped output.
func (s *logSink) logTail() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tail
	if len(t) > LogTailBytes {
		t = t[len(t)-LogTailBytes:]
		for i := 0; i < utf8.UTFMax && len(t) > 0 && !utf8.RuneStart(t[0]); i++ {
			t = t[1:]
		}
	}
	return string(t)
}

// tailContains reports whether the recent output contains s.
func (s *logSink) tailContains(sub string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Contains(s.tail, []byte(sub))
}

// trimPartialRune drops an incomplete UTF-8 sequence at the end of b.
func trimPartialRune(b []byte) []byte {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return b[:i]
			}
			return b
		}
	}
	return b
}

// newMarker returns a random end-of-invocation marker. The bootstrap writes
// it to stdout after the handler's output is flushed; the log reader strips
// it and so learns the invocation's log is complete.
func newMarker() []byte {
	var r [16]byte
	_, _ = rand.Read(r[:])
	return []byte("\x00tcb-fnrun-end:" + hex.EncodeToString(r[:]) + "\x00")
}

// markerScanner finds markers in a byte stream split into arbitrary chunks.
type markerScanner struct {
	marker []byte
	held   []byte // a possible marker prefix at the end of the last chunk
}

// feed passes the bytes of p that are not part of a marker to emit, and
// calls found for every complete marker, in stream order.
func (m *markerScanner) feed(p []byte, emit func([]byte), found func()) {
	data := p
	if len(m.held) > 0 {
		data = append(m.held, p...)
		m.held = nil
	}
	for {
		i := bytes.Index(data, m.marker)
		if i < 0 {
			break
		}
		if i > 0 {
			emit(data[:i])
		}
		found()
		data = data[i+len(m.marker):]
	}
	k := partialSuffix(data, m.marker)
	if n := len(data) - k; n > 0 {
		emit(data[:n])
	}
	if k > 0 {
		m.held = append([]byte(nil), data[len(data)-k:]...)
	}
}

// flush emits a held partial marker (end of stream).
func (m *markerScanner) flush(emit func([]byte)) {
	if len(m.held) > 0 {
		emit(m.held)
		m.held = nil
	}
}

// partialSuffix returns the length of the longest proper prefix of marker
// that data ends with.
func partialSuffix(data, marker []byte) int {
	n := min(len(marker)-1, len(data))
	if n <= 0 || bytes.IndexByte(data[len(data)-n:], marker[0]) < 0 {
		return 0
	}
	for k := n; k > 0; k-- {
		if bytes.HasSuffix(data, marker[:k]) {
			return k
		}
	}
	return 0
}
