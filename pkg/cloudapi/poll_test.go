package cloudapi

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestPoll(t *testing.T) {
	ctx := context.Background()
	calls := 0
	err := Poll(ctx, PollOptions{What: "x", Interval: time.Millisecond}, func(context.Context) (bool, string, error) {
		calls++
		return calls == 3, "Pending", nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("done on the third check: %v after %d", err, calls)
	}

	boom := errors.New("boom")
	if err := Poll(ctx, PollOptions{Interval: time.Millisecond}, func(context.Context) (bool, string, error) { return false, "", boom }); err != boom {
		t.Fatalf("check error: %v", err)
	}

	// The next check would come after the timeout: stop with the last status.
	err = Poll(ctx, PollOptions{What: "env-1 to be ready", Timeout: time.Millisecond, Interval: time.Hour},
		func(context.Context) (bool, string, error) { return false, "INITIALIZING", nil })
	var te *WaitTimeoutError
	if !errors.As(err, &te) || te.Status != "INITIALIZING" ||
		err.Error() != "timed out after 1ms waiting for env-1 to be ready (still INITIALIZING)" {
		t.Fatalf("timeout: %v", err)
	}

	cctx, cancel := context.WithCancel(ctx)
	err = Poll(cctx, PollOptions{Interval: time.Minute}, func(context.Context) (bool, string, error) {
		cancel()
		return false, "Creating", nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}
