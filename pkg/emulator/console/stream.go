package console

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/tcb-go/tcb/pkg/emulator/events"
)

// heartbeat keeps idle streams (and proxies) alive.
const heartbeat = 15 * time.Second

// streamBatch bounds the events written between flushes.
const streamBatch = 500

// handleEvents is the live stream: server-sent events of the request and
// log topics published after ?since= (default: now), each with its
// sequence number as id. A reader that fell behind further than the rings
// hold gets a "gap" event (then reloads what it shows). Only deltas are
// sent; nothing is replayed twice.
func (m *Module) handleEvents(w http.ResponseWriter, r *http.Request) {
	bus := m.h.Events
	cursor := bus.Seq()
	if s := r.URL.Query().Get("since"); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 && n <= cursor {
			cursor = n
		}
	}
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil && n >= 0 && n <= bus.Seq() {
			cursor = n
		}
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 32<<10)
	send := func() error {
		if err := bw.Flush(); err != nil {
			return err
		}
		return rc.Flush()
	}
	bw.WriteString("event: hello\ndata: {\"seq\":" + strconv.FormatInt(cursor, 10) + "}\n\n")
	if send() != nil {
		return
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		changed := bus.Changed()
		if bus.Closed() {
			return
		}
		evs, gap := bus.Since(cursor, streamBatch, events.TopicRequest, events.TopicLog)
		if gap {
			bw.WriteString("event: gap\ndata: {}\n\n")
		}
		for _, ev := range evs {
			var data any
			switch d := ev.Data.(type) {
			case *events.Request:
				data = summarize(ev)
			case *events.Log:
				data = d
			default:
				continue
			}
			b, err := json.Marshal(data)
			if err != nil {
				continue
			}
			bw.WriteString("id: " + strconv.FormatInt(ev.Seq, 10) + "\nevent: " + ev.Topic + "\ndata: ")
			bw.Write(b)
			bw.WriteString("\n\n")
		}
		if len(evs) > 0 {
			cursor = evs[len(evs)-1].Seq
		} else if gap {
			cursor = bus.Seq()
		}
		if len(evs) > 0 || gap {
			if send() != nil {
				return
			}
			if len(evs) == streamBatch {
				continue
			}
		}
		select {
		case <-r.Context().Done():
			return
		case <-changed:
		case <-tick.C:
			bw.WriteString(": ping\n\n")
			if send() != nil {
				return
			}
		}
	}
}
