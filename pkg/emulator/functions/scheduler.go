package functions

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/tcb-go/tcb/pkg/chinatime"
	"github.com/tcb-go/tcb/pkg/emulator/creds"

	"github.com/tcb-go/tcb/pkg/fnrun"
	"github.com/tcb-go/tcb/pkg/project"
)

// maxTimerOverlap bounds the firings of one trigger that may run at once
// (a slow function on a fast schedule); further firings are skipped.
const maxTimerOverlap = 4

// scheduler fires timer triggers and purges deleted functions when their
// time comes. It holds only in-memory copies; the store is the truth.
type scheduler struct {
	m      *Module
	mu     sync.Mutex
	timers map[string]*timerEntry // by ns \x00 function \x00 trigger
	purges map[string]*purgeEntry // by function id
	wake   chan struct{}
}

type timerEntry struct {
	ns, fn, name, cron string
	next               time.Time // zero: never again
	running            int
}

type purgeEntry struct {
	ns, name, functionID string
	at                   time.Time
}

func newScheduler(m *Module) *scheduler {
	return &scheduler{m: m, timers: map[string]*timerEntry{}, purges: map[string]*purgeEntry{}, wake: make(chan struct{}, 1)}
}

func timerKey(ns, fn, name string) string { return ns + "\x00" + fn + "\x00" + name }

// nextFire is the first firing of expr after t, evaluated in China time
// like CloudBase does; zero when it never fires again.
func nextFire(expr string, t time.Time) time.Time {
	next, err := project.NextCron(expr, chinatime.In(t))
	if err != nil {
		return time.Time{}
	}
	return next
}

func (s *scheduler) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// setFunction makes the function's enabled timer triggers the scheduled
// ones (keeping the schedule of unchanged triggers).
func (s *scheduler) setFunction(r *record) {
	now := s.m.now()
	s.mu.Lock()
	prefix := timerKey(r.Namespace, r.Name, "")
	keep := map[string]bool{}
	for _, t := range r.Triggers {
		if t.Type != "timer" || !t.Enable {
			continue
		}
		key := timerKey(r.Namespace, r.Name, t.Name)
		keep[key] = true
		if e := s.timers[key]; e != nil && e.cron == t.Cron {
			continue
		}
		s.timers[key] = &timerEntry{ns: r.Namespace, fn: r.Name, name: t.Name, cron: t.Cron, next: nextFire(t.Cron, now)}
	}
	for key := range s.timers {
		if strings.HasPrefix(key, prefix) && !keep[key] {
			delete(s.timers, key)
		}
	}
	s.mu.Unlock()
	s.poke()
}

func (s *scheduler) removeFunction(ns, fn string) {
	s.mu.Lock()
	prefix := timerKey(ns, fn, "")
	for key := range s.timers {
		if strings.HasPrefix(key, prefix) {
			delete(s.timers, key)
		}
	}
	s.mu.Unlock()
}

func (s *scheduler) removeNamespace(ns string) {
	s.mu.Lock()
	for key, e := range s.timers {
		if e.ns == ns {
			delete(s.timers, key)
		}
	}
	for key, p := range s.purges {
		if p.ns == ns {
			delete(s.purges, key)
		}
	}
	s.mu.Unlock()
}

func (s *scheduler) clear() {
	s.mu.Lock()
	s.timers = map[string]*timerEntry{}
	s.purges = map[string]*purgeEntry{}
	s.mu.Unlock()
}

func (s *scheduler) timerCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.timers)
}

func (s *scheduler) addPurge(ns, name, functionID string, at time.Time) {
	s.mu.Lock()
	s.purges[functionID] = &purgeEntry{ns: ns, name: name, functionID: functionID, at: at}
	s.mu.Unlock()
	s.poke()
}

// run sleeps until the next due timer or purge, until ctx ends.
func (s *scheduler) run(ctx context.Context) {
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		var earliest time.Time
		s.mu.Lock()
		for _, e := range s.timers {
			if !e.next.IsZero() && (earliest.IsZero() || e.next.Before(earliest)) {
				earliest = e.next
			}
		}
		for _, p := range s.purges {
			if earliest.IsZero() || p.at.Before(earliest) {
				earliest = p.at
			}
		}
		s.mu.Unlock()
		wait := time.Hour
		if !earliest.IsZero() {
			wait = max(earliest.Sub(s.m.now()), 0)
		}
		t.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
			t.Stop()
			continue
		case <-t.C:
		}
		s.runDue()
	}
}

func (s *scheduler) runDue() {
	now := s.m.now()
	type firing struct {
		e  *timerEntry
		at time.Time
	}
	var fires []firing
	var purges []*purgeEntry
	s.mu.Lock()
	for _, e := range s.timers {
		if e.next.IsZero() || e.next.After(now) {
			continue
		}
		at := e.next
		// Firings missed while the emulator was busy or asleep are not
		// replayed: the next one is after now.
		e.next = nextFire(e.cron, now)
		if e.running < maxTimerOverlap {
			e.running++
			fires = append(fires, firing{e, at})
		}
	}
	for key, p := range s.purges {
		if !p.at.After(now) {
			purges = append(purges, p)
			delete(s.purges, key)
		}
	}
	s.mu.Unlock()
	for _, f := range fires {
		f := f
		s.m.background(func(ctx context.Context) {
			defer func() {
				s.mu.Lock()
				f.e.running--
				s.mu.Unlock()
			}()
			s.m.fireTimer(ctx, f.e.ns, f.e.fn, f.e.name, f.at)
		})
	}
	for _, p := range purges {
		s.m.purge(p.ns, p.name, p.functionID)
	}
}

// fireTimer invokes a function for one firing of its timer trigger.
func (m *Module) fireTimer(ctx context.Context, ns, fn, name string, at time.Time) {
	rec, err := m.lookup(ns, fn)
	if err != nil {
		return
	}
	var t *trigger
	for i := range rec.Triggers {
		if rec.Triggers[i].Name == name && rec.Triggers[i].Enable {
			t = &rec.Triggers[i]
		}
	}
	st := rec.status(m.now())
	if t == nil || rec.Live == nil || st == stateCreateFailed || st == stateDeleting {
		return
	}
	event, _ := json.Marshal(map[string]string{
		"Type": "Timer", "TriggerName": name, "Time": at.UTC().Format(time.RFC3339), "Message": t.CustomArgument,
	})
	requestID := fnrun.NewRequestID()
	if !fnrun.IsNodeRuntime(rec.Live.Runtime) || rec.Live.Type == "HTTP" {
		msg := "The emulator runs only Node.js event functions; the timer trigger " + name + " did not run " + rec.Name + " (" + rec.Live.Runtime + ")."
		m.writeLog(rec, logRecord{RequestID: requestID, Start: m.now(), Status: 500,
			RetMsg: errorPayload(requestID, 500, msg), Log: msg + "\n", Source: sourceTimer})
		return
	}
	f, err := m.runtimeFunction(ctx, rec, m.host("", rec.Host))
	if err != nil {
		m.writeLog(rec, logRecord{RequestID: requestID, Start: m.now(), Status: 500,
			RetMsg: errorPayload(requestID, 500, err.Error()), Log: err.Error() + "\n", Source: sourceTimer})
		return
	}
	m.execute(ctx, rec, f, event, requestID, sourceTimer, creds.Caller{Source: "wx_trigger"})
}
