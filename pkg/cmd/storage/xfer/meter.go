package xfer

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tcb-go/tcb/pkg/iostreams"
	"github.com/tcb-go/tcb/pkg/storage"
)

// Meter shows a transfer: on a terminal one line redrawn in place (a bar,
// files done of total, bytes, rate); otherwise one plain line per finished
// file on stderr.
type Meter struct {
	ios   *iostreams.IOStreams
	verb  string // "Uploading"
	past  string // "uploaded"
	files int64
	bytes int64
	start time.Time
	tty   bool

	doneFiles atomic.Int64
	failed    atomic.Int64
	doneBytes atomic.Int64

	mu   sync.Mutex
	stop chan struct{}
	done chan struct{}
}

// NewMeter starts showing a transfer of files and bytes.
func NewMeter(ios *iostreams.IOStreams, verb, past string, files int, bytes int64) *Meter {
	m := &Meter{ios: ios, verb: verb, past: past, files: int64(files), bytes: bytes, start: time.Now(), tty: ios.ProgressEnabled()}
	if m.tty && files > 0 {
		m.stop, m.done = make(chan struct{}), make(chan struct{})
		go m.loop()
	}
	return m
}

// Progress is the callbacks to hand to the transfer.
func (m *Meter) Progress() *storage.Progress {
	return &storage.Progress{
		Bytes: func(n int64) { m.doneBytes.Add(n) },
		File:  m.file,
	}
}

func (m *Meter) file(r storage.FileResult) {
	m.doneFiles.Add(1)
	if r.Err != nil {
		m.failed.Add(1)
	}
	if m.tty {
		if r.Err != nil {
			m.mu.Lock()
			fmt.Fprintf(m.ios.ErrOut, "\r\033[K%s %s: %v\n", m.ios.ColorScheme().FailureIcon(), r.Key, r.Err)
			m.mu.Unlock()
		}
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if r.Err != nil {
		fmt.Fprintf(m.ios.ErrOut, "failed    %s: %v\n", r.Key, r.Err)
		return
	}
	fmt.Fprintf(m.ios.ErrOut, "%-9s %s (%s)\n", m.past, r.Key, HumanBytes(r.Size))
}

func (m *Meter) loop() {
	defer close(m.done)
	t := time.NewTicker(120 * time.Millisecond)
	defer t.Stop()
	for {
		m.draw()
		select {
		case <-m.stop:
			m.mu.Lock()
			fmt.Fprint(m.ios.ErrOut, "\r\033[K")
			m.mu.Unlock()
			return
		case <-t.C:
		}
	}
}

func (m *Meter) draw() {
	files, bytes := m.doneFiles.Load(), m.doneBytes.Load()
	elapsed := time.Since(m.start).Seconds()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(bytes) / elapsed
	}
	const width = 24
	frac := 0.0
	switch {
	case m.bytes > 0:
		frac = float64(bytes) / float64(m.bytes)
	case m.files > 0:
		frac = float64(files) / float64(m.files)
	}
	filled := min(width, max(0, int(frac*width)))
	line := fmt.Sprintf("%s [%s%s] %d/%d files  %s/%s  %s/s", m.verb, strings.Repeat("=", filled), strings.Repeat(" ", width-filled),
		files, m.files, HumanBytes(bytes), HumanBytes(m.bytes), HumanBytes(int64(rate)))
	if w := m.ios.TerminalWidth(); w > 10 && len(line) > w-1 {
		line = line[:w-1]
	}
	m.mu.Lock()
	fmt.Fprint(m.ios.ErrOut, "\r\033[K"+line)
	m.mu.Unlock()
}

// Stop ends the display and returns the elapsed time.
func (m *Meter) Stop() time.Duration {
	if m.stop != nil {
		close(m.stop)
		<-m.done
		m.stop = nil
	}
	return time.Since(m.start)
}
