package cmdutil

import (
	"context"
	"fmt"
	"time"

	"github.com/tcb-go/tcb/pkg/iostreams"
)

// WaitFor polls check until it reports done, showing a spinner labelled
// with the latest status on a terminal. It backs off from 200 ms to 2 s
// between polls and fails with exit 5 after timeout.
func WaitFor(ctx context.Context, ios *iostreams.IOStreams, what string, timeout time.Duration,
	check func(ctx context.Context) (done bool, status string, err error)) error {
	deadline := time.Now().Add(timeout)
	delay := 200 * time.Millisecond
	status := ""
	defer ios.StopProgressIndicator()
	for {
		done, st, err := check(ctx)
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		status = st
		ios.StartProgressIndicator(fmt.Sprintf("Waiting for %s (%s)", what, status))
		if time.Now().Add(delay).After(deadline) {
			return APIErrorf("timed out after %s waiting for %s (still %s)", timeout, what, status).
				WithHint("raise --timeout, or check the resource's state later")
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		if delay < 2*time.Second {
			delay = delay * 3 / 2
		}
	}
}
