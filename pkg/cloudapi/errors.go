package cloudapi

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"

	"github.com/tcb-go/tcb/pkg/errkind"
)

// APIError is an error answer from the API. RequestId is always kept.
type APIError struct {
	Service   string
	Action    string
	Code      string
	Message   string
	RequestId string
}

func (e *APIError) Error() string {
	msg := strings.TrimSpace(e.Message)
	if msg == "" {
		msg = "request failed"
	}
	return fmt.Sprintf("%s: %s (%s)", e.Action, msg, e.Code)
}

// RequestID returns the Tencent Cloud request id.
func (e *APIError) RequestID() string { return e.RequestId }

// ErrorKind is KindOf(e.Code).
func (e *APIError) ErrorKind() errkind.Kind { return KindOf(e.Code) }

// KindOf says what kind of failure an API error code is: AuthFailure* and
// UnauthorizedOperation* are auth, InvalidParameter*, MissingParameter*
// and UnknownParameter* invalid input (as are InvalidAction, NoSuchVersion
// and NoSuchProduct: the caller named an action, version or product that
// does not exist), ResourceNotFound* not found, and everything else an API
// error.
func KindOf(code string) errkind.Kind {
	switch {
	case strings.HasPrefix(code, "AuthFailure"), code == "UnauthorizedOperation", strings.HasPrefix(code, "UnauthorizedOperation."):
		return errkind.Auth
	case strings.HasPrefix(code, "InvalidParameter"), strings.HasPrefix(code, "MissingParameter"),
		code == "UnknownParameter", strings.HasPrefix(code, "UnknownParameter."),
		code == "InvalidAction", code == "NoSuchVersion", code == "NoSuchProduct":
		return errkind.Input
	case strings.HasPrefix(code, "ResourceNotFound"):
		return errkind.NotFound
	}
	return errkind.Remote
}

// Hint suggests a next step for well-known codes.
func (e *APIError) Hint() string {
	switch {
	case e.Code == "AuthFailure.SecretIdNotFound" || e.Code == "AuthFailure.InvalidSecretId":
		return "the SecretId is unknown: check it (watch for spaces) or run `tcb login` again"
	case e.Code == "AuthFailure.SignatureFailure":
		return "the SecretKey does not match the SecretId: run `tcb login` again"
	case e.Code == "AuthFailure.SignatureExpire":
		return "the local clock is more than 5 minutes off: fix the system time"
	case strings.HasPrefix(e.Code, "AuthFailure"):
		return "run `tcb login` to set valid credentials"
	case strings.HasPrefix(e.Code, "RequestLimitExceeded"):
		return "the API is rate limited: wait a moment and retry"
	}
	return ""
}

// IsCode reports whether err is an APIError whose code is code or starts
// with code + ".".
func IsCode(err error, code string) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	return ae.Code == code || strings.HasPrefix(ae.Code, code+".")
}

// NetworkError means the API could not be reached or did not answer.
type NetworkError struct {
	Endpoint string
	Action   string
	Err      error
}

func (e *NetworkError) Error() string {
	why := "no answer"
	if e.Err != nil {
		why = describeNetErr(e.Err)
	}
	return fmt.Sprintf("%s: cannot reach %s: %s", e.Action, e.Endpoint, why)
}

func (e *NetworkError) Unwrap() error { return e.Err }

// ErrorKind is errkind.Remote.
func (e *NetworkError) ErrorKind() errkind.Kind { return errkind.Remote }

// Hint points at the emulator for local endpoints.
func (e *NetworkError) Hint() string {
	if strings.Contains(e.Endpoint, "127.0.0.1") || strings.Contains(e.Endpoint, "localhost") || strings.Contains(e.Endpoint, "[::1]") {
		return "is the emulator running? start it with `tcb emulator start`, or unset TCB_EMULATOR_HOST"
	}
	return "check the network connection and proxy settings"
}

func describeNetErr(err error) string {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return "cannot resolve host " + dns.Name
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timed out"
	}
	return err.Error()
}
