package fnrun

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// Errors returned by Invoke and RunOnce. Outcomes of user code (throws,
// timeouts, crashes) are not errors: they are a Result with a failure
// StatusCode.
var (
	// ErrUnsupportedRuntime: the function's runtime is not Node.js (the
	// emulator answers UnsupportedOperation). Returned as *UnsupportedRuntimeError.
	ErrUnsupportedRuntime = errors.New("unsupported runtime")
	// ErrConcurrencyLimit: the function is at MaxInstancesPerFunction (or
	// the pool at MaxInstances) and no instance became free (status 432).
	ErrConcurrencyLimit = errors.New("function concurrency limit reached")
	// ErrInvalidEvent: the event is not valid JSON (InvalidParameterValue).
	ErrInvalidEvent = errors.New("event is not valid JSON")
	// ErrEventTooLarge: the event is over MaxEventBytes (status 406).
	ErrEventTooLarge = errors.New("event is too large")
	// ErrPoolClosed: Invoke after (or during) Close.
	ErrPoolClosed = errors.New("function pool is closed")
	// ErrNodeNotFound: no node binary at NodePath / on PATH.
	ErrNodeNotFound = errors.New("node executable not found")
	// ErrStart: the node process could not be started or did not become
	// ready (wrapped with the reason and its output).
	ErrStart = errors.New("cannot start function instance")
)

// UnsupportedRuntimeError is returned for functions whose Runtime is not
// Node.js. It matches ErrUnsupportedRuntime with errors.Is.
type UnsupportedRuntimeError struct {
	Runtime string
}

func (e *UnsupportedRuntimeError) Error() string {
	return fmt.Sprintf("unsupported runtime %q: only Nodejs runtimes run locally", e.Runtime)
}

// Is makes errors.Is(err, ErrUnsupportedRuntime) true.
func (e *UnsupportedRuntimeError) Is(target error) bool { return target == ErrUnsupportedRuntime }

// ErrorStatus maps an error from Invoke/RunOnce to the SCF status code the
// situation corresponds to (0 when there is none).
func ErrorStatus(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, ErrInvalidEvent):
		return StatusInvalidEvent
	case errors.Is(err, ErrEventTooLarge):
		return StatusRequestTooLarge
	case errors.Is(err, ErrConcurrencyLimit):
		return StatusConcurrencyLimit
	}
	return 0
}

// errorPayload is SCF's failure JSON (ErrMsg).
type errorPayload struct {
	ErrorCode    int    `json:"errorCode"`
	ErrorMessage string `json:"errorMessage"`
	RequestID    string `json:"requestId"`
	StackTrace   string `json:"stackTrace"`
	StatusCode   int    `json:"statusCode"`
}

// fail turns r into a failure with the given status, message and stack.
func (r *Result) fail(status int, message, stack string) {
	b, _ := json.Marshal(errorPayload{
		ErrorCode:    -1,
		ErrorMessage: message,
		RequestID:    r.RequestID,
		StackTrace:   stack,
		StatusCode:   status,
	})
	r.StatusCode = status
	r.InvokeResult = -1
	r.RetMsg = ""
	r.ErrMsg = string(b)
}

// setDuration sets Duration and BillDuration (ceil, min 1 ms).
func (r *Result) setDuration(ms float64) {
	if ms < 0 {
		ms = 0
	}
	r.Duration = math.Round(ms*1000) / 1000
	bill := int64(math.Ceil(r.Duration))
	if bill < 1 {
		bill = 1
	}
	r.BillDuration = bill
}
