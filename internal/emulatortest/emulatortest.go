// Package emulatortest runs an in-process emulator for tcb's own tests: the
// modules a test chooses, a Cloud API client and a WeChat client pointed at
// it, new environments that are ready to use, a clock the test moves, and
// Eventually for conditions that become true on their own. Tests wait for
// a condition or move the clock; they never sleep.
//
// It imports no module: a module's own tests use it too.
package emulatortest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/emulator"
	"github.com/tcb-go/tcb/pkg/emulator/faults"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// Clock is a clock a test moves forward. A Clock from NewClock reads the
// real time plus what Advance added (so Tencent Cloud API signatures, made
// with the real time, stay within the emulator's 5-minute window while
// the offset is small); one from FrozenClock stands still until moved.
type Clock struct {
	mu     sync.Mutex
	frozen bool
	at     time.Time // frozen: the time
	offset time.Duration
}

// NewClock returns a clock at the real time.
func NewClock() *Clock { return &Clock{} }

// FrozenClock returns a clock standing at t.
func FrozenClock(t time.Time) *Clock { return &Clock{frozen: true, at: t} }

// Now reads the clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen {
		return c.at
	}
	return time.Now().Add(c.offset)
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen {
		c.at = c.at.Add(d)
	} else {
		c.offset += d
	}
}

// Options configure Start.
type Options struct {
	// Options are the emulator's: Listen defaults to a free loopback port,
	// an empty DataDir means an ephemeral one, Now is Clock's.
	emulator.Options
	// Clock is the emulator's clock; nil means NewClock().
	Clock *Clock
}

// Emulator is a running emulator, closed when the test ends.
type Emulator struct {
	*emulator.Emulator
	T     testing.TB
	Clock *Clock
	// Latency is how long the emulator's async states last.
	Latency time.Duration
	// Client calls the Tencent Cloud API with the development keys, one
	// attempt per call.
	Client *cloudapi.Client
	// WeChat calls the WeChat APIs (one attempt, the emulator's clock).
	WeChat *wechat.Client
	Ctx    context.Context
}

// Start starts an emulator with modules.
func Start(t testing.TB, o Options, modules ...emulator.Module) *Emulator {
	t.Helper()
	opts := o.Options
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	opts.Ephemeral = opts.Ephemeral || opts.DataDir == ""
	clock := o.Clock
	if clock == nil {
		clock = NewClock()
	}
	opts.Now = clock.Now
	e, err := emulator.New(opts, modules...)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close(context.Background()) }) // a second Close is harmless
	c, err := cloudapi.New(cloudapi.Options{
		Credential: cloudapi.Credential{SecretID: config.EmulatorSecretID, SecretKey: config.EmulatorSecretKey},
		Region:     "ap-shanghai", Endpoint: e.Endpoint(), MaxAttempts: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &Emulator{Emulator: e, T: t, Clock: clock, Latency: opts.Latency, Client: c, Ctx: context.Background(),
		WeChat: &wechat.Client{BaseURL: e.Endpoint(), Retry: wechat.RetryPolicy{Attempts: 1}, Now: clock.Now}}
}

// Stop closes the emulator now (to restart it on the same data dir).
func (e *Emulator) Stop() {
	e.T.Helper()
	if err := e.Close(context.Background()); err != nil {
		e.T.Fatal(err)
	}
}

var envSeq atomic.Int64

// NewEnv creates an environment (alias prefix plus a sequence number) and
// returns its id once it is NORMAL: the clock is moved past the emulator's
// latency instead of waiting for it.
func (e *Emulator) NewEnv(prefix string) string {
	e.T.Helper()
	return e.NewEnvAlias(fmt.Sprintf("%s%d", prefix, envSeq.Add(1)))
}

// NewEnvAlias is NewEnv with exactly alias as the environment's alias.
func (e *Emulator) NewEnvAlias(alias string) string {
	e.T.Helper()
	out, err := e.Client.CreateEnv(e.Ctx, &cloudapi.CreateEnvRequest{Alias: alias})
	if err != nil {
		e.T.Fatal(err)
	}
	e.WaitEnvReady(out.EnvId)
	return out.EnvId
}

// WaitEnvReady moves the clock past the emulator's latency when envID is
// still INITIALIZING and fails unless it is then NORMAL.
func (e *Emulator) WaitEnvReady(envID string) *cloudapi.EnvInfo {
	e.T.Helper()
	info, err := e.Client.DescribeEnv(e.Ctx, envID)
	if err != nil {
		e.T.Fatal(err)
	}
	if info.Status != "NORMAL" {
		e.Clock.Advance(e.Latency)
		if info, err = e.Client.DescribeEnv(e.Ctx, envID); err != nil {
			e.T.Fatal(err)
		}
	}
	if info.Status != "NORMAL" {
		e.T.Fatalf("environment %s is %s after the latency", envID, info.Status)
	}
	return info
}

// Faults injects faults through /_emulator/faults.
func (e *Emulator) Faults(rules ...faults.Rule) {
	e.T.Helper()
	b, err := json.Marshal(rules)
	if err != nil {
		e.T.Fatal(err)
	}
	e.post("/_emulator/faults", b)
}

// PendingFaults are the injected fault rules the emulator has not used up
// (t: the test or subtest that asks).
func (e *Emulator) PendingFaults(t testing.TB) []faults.Rule {
	t.Helper()
	resp, err := http.Get(e.Endpoint() + "/_emulator/faults")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Faults []faults.Rule }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body.Faults
}

// ClearFaults removes every injected fault rule (t: the test or subtest
// that asks).
func (e *Emulator) ClearFaults(t testing.TB) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodDelete, e.Endpoint()+"/_emulator/faults", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// Reset wipes the emulator's state through /_emulator/reset.
func (e *Emulator) Reset() {
	e.T.Helper()
	e.post("/_emulator/reset", nil)
}

func (e *Emulator) post(path string, body []byte) {
	e.T.Helper()
	resp, err := http.Post(e.Endpoint()+path, "application/json", bytes.NewReader(body))
	if err != nil {
		e.T.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		e.T.Fatalf("POST %s: HTTP %d: %s", path, resp.StatusCode, b)
	}
}

// State decodes /_emulator/state into v.
func (e *Emulator) State(v any) {
	e.T.Helper()
	resp, err := http.Get(e.Endpoint() + "/_emulator/state")
	if err != nil {
		e.T.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		e.T.Fatal(err)
	}
}

// EventuallyTimeout is how long Eventually waits.
const EventuallyTimeout = 20 * time.Second

// Eventually fails the test unless cond becomes true within
// EventuallyTimeout; it checks every few milliseconds. The format and args
// say what is waited for.
func Eventually(t testing.TB, cond func() bool, format string, args ...any) {
	t.Helper()
	EventuallyWithin(t, EventuallyTimeout, cond, format, args...)
}

// EventuallyWithin is Eventually with a timeout.
func EventuallyWithin(t testing.TB, timeout time.Duration, cond func() bool, format string, args ...any) {
	t.Helper()
	if !Wait(timeout, cond) {
		t.Fatalf("%s: still not so after %s", fmt.Sprintf(format, args...), timeout)
	}
}

// Wait reports whether cond became true within timeout, checking every few
// milliseconds (for helpers that fail in their own words).
func Wait(timeout time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if cond() {
			return true
		}
		select {
		case <-deadline.C:
			return cond()
		case <-tick.C:
		}
	}
}
