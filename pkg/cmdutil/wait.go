package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/iostreams"
)

// WaitFor polls check with cloudapi.Poll, showing a spinner labelled with
// the latest status on a terminal; running out of time is exit 5 with a
// hint.
func WaitFor(ctx context.Context, ios *iostreams.IOStreams, what string, timeout time.Duration,
	check func(ctx context.Context) (done bool, status string, err error)) error {
	defer ios.StopProgressIndicator()
	err := cloudapi.Poll(ctx, cloudapi.PollOptions{What: what, Timeout: timeout}, func(ctx context.Context) (bool, string, error) {
		done, status, err := check(ctx)
		if err == nil && !done {
			ios.StartProgressIndicator(fmt.Sprintf("Waiting for %s (%s)", what, status))
		}
		return done, status, err
	})
	var te *cloudapi.WaitTimeoutError
	if errors.As(err, &te) {
		return APIErrorf("%s", te.Error()).WithHint("raise --timeout, or check the resource's state later")
	}
	return err
}
