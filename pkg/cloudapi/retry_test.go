package cloudapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// The retry rule (doc.go, DESIGN §2): idempotent reads (Describe*, List*,
// Get*, Check*, Search*) are tried again after network errors,
// RequestLimitExceeded*, InternalError*, ServiceUnavailable and
// ResourceUnavailable.ServiceBusy, with a growing jittered backoff; writes
// are sent once; other errors are not retried; a cancelled context stops
// the attempts.

// flakyAPI counts the requests of each action and answers the first
// `failures` of them with fail, the rest with an empty success.
type flakyAPI struct {
	mu       sync.Mutex
	times    map[string][]time.Time
	failures int
	fail     func(w http.ResponseWriter)
	onCall   func(n int) // called with the attempt number, before answering
}

func (a *flakyAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	action := r.Header.Get("X-TC-Action")
	a.mu.Lock()
	a.times[action] = append(a.times[action], time.Now())
	n := len(a.times[action])
	a.mu.Unlock()
	if a.onCall != nil {
		a.onCall(n)
	}
	if n <= a.failures {
		a.fail(w)
		return
	}
	fmt.Fprint(w, `{"Response":{"RequestId":"req-ok"}}`)
}

func (a *flakyAPI) attempts(action string) []time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.times[action]
}

func apiError(code string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		fmt.Fprintf(w, `{"Response":{"Error":{"Code":%q,"Message":"simulated"},"RequestId":"req-%s"}}`, code, code)
	}
}

// dropConnection fails the exchange below HTTP: the client sees a network
// error.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	conn.Close()
}

func retryClient(t *testing.T, api *flakyAPI, maxAttempts int) *Client {
	t.Helper()
	api.times = map[string][]time.Time{}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	c, err := New(Options{Credential: Credential{SecretID: "AKIDtest", SecretKey: "secret"}, Region: "ap-shanghai",
		Endpoint: srv.URL, MaxAttempts: maxAttempts, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var transientFailures = []struct {
	name string
	fail func(http.ResponseWriter)
}{
	{"network error", dropConnection},
	{"RequestLimitExceeded", apiError("RequestLimitExceeded")},
	{"RequestLimitExceeded.UinLimitExceeded", apiError("RequestLimitExceeded.UinLimitExceeded")},
	{"InternalError", apiError("InternalError")},
	{"InternalError.DbError", apiError("InternalError.DbError")},
	{"ServiceUnavailable", apiError("ServiceUnavailable")},
	{"ResourceUnavailable.ServiceBusy", apiError("ResourceUnavailable.ServiceBusy")},
}

func TestReadsRetryTransientFailuresWithBackoff(t *testing.T) {
	for _, tf := range transientFailures {
		t.Run(tf.name, func(t *testing.T) {
			t.Parallel()
			api := &flakyAPI{failures: 2, fail: tf.fail}
			c := retryClient(t, api, 3)
			if err := c.Call(context.Background(), "tcb", "DescribeEnvs", nil, nil); err != nil {
				t.Fatalf("third attempt should succeed: %v", err)
			}
			at := api.attempts("DescribeEnvs")
			if len(at) != 3 {
				t.Fatalf("%d attempts, want 3", len(at))
			}
			// The backoff before attempt n is at least half of 200ms<<(n-2).
			for n, min := range map[int]time.Duration{2: 100 * time.Millisecond, 3: 200 * time.Millisecond} {
				if gap := at[n-1].Sub(at[n-2]); gap < min {
					t.Errorf("attempt %d came %v after the previous one, want a backoff of at least %v", n, gap, min)
				}
			}
		})
	}
}

func TestEveryReadPrefixIsRetried(t *testing.T) {
	for _, action := range []string{"DescribeEnvs", "ListFunctions", "GetFunction", "CheckTcbService", "SearchLogs"} {
		t.Run(action, func(t *testing.T) {
			t.Parallel()
			api := &flakyAPI{failures: 1, fail: apiError("InternalError")}
			c := retryClient(t, api, 2)
			service := "scf"
			if action == "DescribeEnvs" || action == "CheckTcbService" {
				service = "tcb"
			}
			if err := c.Call(context.Background(), service, action, nil, nil); err != nil {
				t.Fatal(err)
			}
			if n := len(api.attempts(action)); n != 2 {
				t.Fatalf("%d attempts, want 2", n)
			}
		})
	}
}

func TestReadGivesUpAfterMaxAttempts(t *testing.T) {
	api := &flakyAPI{failures: 100, fail: apiError("InternalError")}
	c := retryClient(t, api, 3)
	err := c.Call(context.Background(), "tcb", "DescribeEnvs", nil, nil)
	if !IsCode(err, "InternalError") {
		t.Fatalf("err %v, want the last InternalError", err)
	}
	if n := len(api.attempts("DescribeEnvs")); n != 3 {
		t.Fatalf("%d attempts, want 3", n)
	}
}

func TestWritesAreSentOnce(t *testing.T) {
	for _, tf := range transientFailures {
		for _, call := range []struct{ service, action string }{
			{"tcb", "CreateEnv"}, {"tcb", "DestroyEnv"}, {"scf", "CreateFunction"}, {"scf", "UpdateFunctionCode"},
			{"scf", "DeleteFunction"}, {"scf", "Invoke"}, {"flexdb", "CreateTable"},
		} {
			t.Run(tf.name+"/"+call.action, func(t *testing.T) {
				api := &flakyAPI{failures: 1, fail: tf.fail}
				c := retryClient(t, api, 3)
				if err := c.Call(context.Background(), call.service, call.action, nil, nil); err == nil {
					t.Fatal("the failure was hidden by a second attempt")
				}
				if n := len(api.attempts(call.action)); n != 1 {
					t.Fatalf("%d attempts, want 1", n)
				}
			})
		}
	}
}

func TestRunCommandsIsNeverRetried(t *testing.T) {
	// RunCommands carries reads and writes alike.
	api := &flakyAPI{failures: 1, fail: apiError("InternalError")}
	c := retryClient(t, api, 3)
	_, err := c.RunCommands(context.Background(), &RunCommandsRequest{})
	if !IsCode(err, "InternalError") {
		t.Fatalf("err %v", err)
	}
	if n := len(api.attempts("RunCommands")); n != 1 {
		t.Fatalf("%d attempts, want 1", n)
	}
}

func TestIdempotentOptionOverridesTheName(t *testing.T) {
	yes, no := true, false
	for _, tt := range []struct {
		action string
		opt    *bool
		want   int
	}{
		{"DescribeEnvs", &no, 1},
		{"ModifyEnv", &yes, 2},
	} {
		api := &flakyAPI{failures: 1, fail: apiError("InternalError")}
		c := retryClient(t, api, 2)
		_ = c.Call(context.Background(), "tcb", tt.action, nil, nil, CallOptions{Idempotent: tt.opt})
		if n := len(api.attempts(tt.action)); n != tt.want {
			t.Errorf("%s with Idempotent=%v: %d attempts, want %d", tt.action, *tt.opt, n, tt.want)
		}
	}
}

func TestNonRetryableErrorsAreNotRetried(t *testing.T) {
	for _, code := range []string{
		"AuthFailure.SignatureFailure", "AuthFailure.SecretIdNotFound", "UnauthorizedOperation",
		"InvalidParameter", "InvalidParameterValue.FunctionName", "MissingParameter", "ResourceNotFound.Function",
		"ResourceInUse", "LimitExceeded", "FailedOperation", "UnsupportedOperation",
	} {
		t.Run(code, func(t *testing.T) {
			api := &flakyAPI{failures: 100, fail: apiError(code)}
			c := retryClient(t, api, 3)
			if err := c.Call(context.Background(), "scf", "GetFunction", nil, nil); !IsCode(err, code) {
				t.Fatalf("err %v, want %s", err, code)
			}
			if n := len(api.attempts("GetFunction")); n != 1 {
				t.Fatalf("%d attempts, want 1", n)
			}
		})
	}
}

func TestCancellationStopsRetries(t *testing.T) {
	t.Run("cancelled during an attempt", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		api := &flakyAPI{failures: 100, fail: apiError("InternalError"), onCall: func(int) { cancel() }}
		c := retryClient(t, api, 5)
		if err := c.Call(ctx, "tcb", "DescribeEnvs", nil, nil); !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v, want context.Canceled", err)
		}
		if n := len(api.attempts("DescribeEnvs")); n != 1 {
			t.Fatalf("%d attempts, want 1", n)
		}
	})
	t.Run("cancelled during the backoff", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		api := &flakyAPI{failures: 100, fail: apiError("InternalError")}
		api.onCall = func(n int) {
			if n == 2 {
				// Cancel once the second attempt is answered: Call is
				// then between attempts 2 and 3, or about to be.
				time.AfterFunc(20*time.Millisecond, cancel)
			}
		}
		c := retryClient(t, api, 10)
		start := time.Now()
		err := c.Call(ctx, "tcb", "DescribeEnvs", nil, nil)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v, want context.Canceled", err)
		}
		if n := len(api.attempts("DescribeEnvs")); n != 2 {
			t.Fatalf("%d attempts, want 2", n)
		}
		// Attempt 3's backoff alone would be at least 200ms, the
		// rest up to attempt 10 much longer.
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("Call returned %v after start: the backoff ignored the cancellation", d)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
		defer cancel()
		api := &flakyAPI{failures: 100, fail: apiError("InternalError")}
		c := retryClient(t, api, 10)
		if err := c.Call(ctx, "tcb", "DescribeEnvs", nil, nil); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err %v, want context.DeadlineExceeded", err)
		}
		if n := len(api.attempts("DescribeEnvs")); n > 2 {
			t.Fatalf("%d attempts within 150ms, want at most 2", n)
		}
	})
}
