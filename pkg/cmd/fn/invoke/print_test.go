package invoke

import (
	"errors"
	"strings"
	"testing"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/iostreams"
)

const stack = "Error: kaboom\n    at exports.main (/var/user/index.js:3:27)\n    at new Promise (<anonymous>)"

func failed(log string) *cloudapi.Result {
	return &cloudapi.Result{FunctionRequestId: "r-1", InvokeResult: -1, Log: log,
		ErrMsg: `{"errorCode":-1,"errorMessage":"kaboom","requestId":"r-1","stackTrace":"Error: kaboom\n    at exports.main (/var/user/index.js:3:27)\n    at new Promise (<anonymous>)","statusCode":430}`}
}

func printFailure(t *testing.T, r *cloudapi.Result, o PrintOptions) string {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := cmdutil.New("test", ios)
	f.Getenv = func(string) string { return "" }
	err := PrintResult(f, "boom", r, o)
	var ce *cmdutil.Error
	if !errors.As(err, &ce) || ce.Code != cmdutil.ExitError || err.Error() != "function boom failed: kaboom (user code exception, status 430)" {
		t.Fatalf("error %v", err)
	}
	if out.Len() != 0 {
		t.Fatalf("stdout %q", out.String())
	}
	return errOut.String()
}

// A failing function's stack is shown once: after the figures when the log
// does not hold it, not again when it does.
func TestFailureStackShownOnce(t *testing.T) {
	for _, tt := range []struct {
		name string
		r    *cloudapi.Result
		o    PrintOptions
		log  bool // the log block is printed
	}{
		{"stack only in ErrMsg", failed("starting\n"), PrintOptions{}, true},
		{"uncaught: the runtime logged it", failed("starting\nuncaughtException: Error: kaboom\n    at exports.main (/var/user/index.js:3:27)\n    at bootstrap (/rt/bootstrap.js:1:1)\n"), PrintOptions{}, true},
		{"the function logged it", failed("Error: kaboom\n    at exports.main (/var/user/index.js:3:27)\n"), PrintOptions{}, true},
		{"fn run: log streamed without the stack", failed("starting\n"), PrintOptions{LogStreamed: true}, false},
		{"fn run: log streamed with the stack", failed("uncaughtException: " + stack + "\n"), PrintOptions{LogStreamed: true}, false},
	} {
		got := printFailure(t, tt.r, tt.o)
		if n := strings.Count(got, "at exports.main (/var/user/index.js:3:27)"); n != 1 && !tt.o.LogStreamed {
			t.Errorf("%s: stack frame shown %d times:\n%s", tt.name, n, got)
		}
		if tt.o.LogStreamed {
			want := 1
			if StackInLog(stack, tt.r.Log) {
				want = 0 // it went by on stderr as the function ran
			}
			if n := strings.Count(got, "at exports.main"); n != want {
				t.Errorf("%s: stack shown %d times, want %d:\n%s", tt.name, n, want, got)
			}
		}
		if strings.Contains(got, "--- log ---") != tt.log {
			t.Errorf("%s: log block shown=%v:\n%s", tt.name, !tt.log, got)
		}
		if !strings.Contains(got, "RequestId r-1 · ") {
			t.Errorf("%s: no figures:\n%s", tt.name, got)
		}
	}
}

func TestFailureSummary(t *testing.T) {
	for _, tt := range []struct{ errMsg, want string }{
		{`{"errorMessage":"kaboom\nline two","statusCode":430}`, "kaboom line two (user code exception, status 430)"},
		{`{"errorMessage":"Task timed out after 3.00 seconds","statusCode":433}`, "Task timed out after 3.00 seconds (timed out, status 433)"},
		{`{"errorMessage":"odd","statusCode":499}`, "odd (status 499)"},
		{`not json`, "not json"},
		{``, "unknown error"},
	} {
		if got, _ := describeFailure(tt.errMsg); got != tt.want {
			t.Errorf("describeFailure(%q) = %q, want %q", tt.errMsg, got, tt.want)
		}
	}
}
