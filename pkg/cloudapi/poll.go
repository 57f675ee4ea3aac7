package cloudapi

import (
	"context"
	"fmt"
	"time"
)

// Poll defaults.
const (
	DefaultPollTimeout  = 5 * time.Minute
	DefaultPollInterval = 200 * time.Millisecond
	// MaxPollInterval is where the delay between checks stops growing.
	MaxPollInterval = 2 * time.Second
)

// PollOptions configure Poll.
type PollOptions struct {
	// What is waited for, as the timeout error says it: "environment
	// env-1", "hello to become Active".
	What string
	// Timeout bounds the whole wait (DefaultPollTimeout when 0).
	Timeout time.Duration
	// Interval is the first delay between checks (DefaultPollInterval when
	// 0); each delay is half as long again as the previous one until it
	// reaches MaxPollInterval.
	Interval time.Duration
}

// WaitTimeoutError is a Poll that ran out of time.
type WaitTimeoutError struct {
	What    string
	Timeout time.Duration
	// Status is the last status check reported.
	Status string
}

func (e *WaitTimeoutError) Error() string {
	return fmt.Sprintf("timed out after %s waiting for %s (still %s)", e.Timeout, e.What, e.Status)
}

// Poll waits for an asynchronous cloud state (an environment becoming
// NORMAL, a function becoming Active or going away): it calls check until
// check reports done or fails, backing off between calls. It stops with
// check's error, ctx's error, or a *WaitTimeoutError when the next check
// would come after the timeout.
func Poll(ctx context.Context, o PollOptions, check func(ctx context.Context) (done bool, status string, err error)) error {
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultPollTimeout
	}
	delay := o.Interval
	if delay <= 0 {
		delay = DefaultPollInterval
	}
	deadline := time.Now().Add(timeout)
	for {
		done, status, err := check(ctx)
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		if time.Now().Add(delay).After(deadline) {
			return &WaitTimeoutError{What: o.What, Timeout: timeout, Status: status}
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		if delay < MaxPollInterval {
			delay = delay * 3 / 2
		}
	}
}
