package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/tcb-go/tcb/internal/ascii"
	"github.com/tcb-go/tcb/pkg/errkind"
)

// APIError is a WeChat answer with a non-zero errcode.
type APIError struct {
	Code int    // WeChat errcode
	Msg  string // errmsg as returned by WeChat (never contains our secrets)
	RID  string // request id parsed from "rid: xxx" in errmsg, if any
	Path string // API path, e.g. /cgi-bin/stable_token (no query string)
}

// Error returns "wechat <path>: errcode N <meaning>: <errmsg> (rid: R)".
func (e *APIError) Error() string {
	info := e.Info()
	var b strings.Builder
	b.WriteString("wechat ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString("errcode ")
	b.WriteString(strconv.Itoa(e.Code))
	b.WriteString(" ")
	b.WriteString(info.Meaning)
	if m := cleanMsg(e.Msg); m != "" && !strings.EqualFold(m, info.Meaning) {
		b.WriteString(": ")
		b.WriteString(m)
	}
	if e.RID != "" {
		b.WriteString(" (rid: ")
		b.WriteString(e.RID)
		b.WriteString(")")
	}
	return b.String()
}

// Info classifies the error, taking the path into account (40001 on the
// token endpoints means a wrong AppSecret, elsewhere a stale token).
func (e *APIError) Info() ErrorInfo { return classifyAt(e.Code, e.Path) }

// Kind is shorthand for e.Info().Kind.
func (e *APIError) Kind() Kind { return e.Info().Kind }

// ErrorKind is the kind of failure of e's Kind.
func (e *APIError) ErrorKind() errkind.Kind { return e.Kind().Failure() }

// Hint tells the user what to do; it may be empty.
func (e *APIError) Hint() string { return e.Info().Hint }

// parseRID finds the request id in an errmsg: the first "rid:" followed
// by optional spaces and a run of [0-9A-Za-z_-] (rid:\s*([0-9A-Za-z_-]+)).
func parseRID(msg string) string {
	for {
		i := strings.Index(msg, "rid:")
		if i < 0 {
			return ""
		}
		msg = msg[i+len("rid:"):]
		rest := strings.TrimLeft(msg, "\t\n\f\r ")
		n := 0
		for n < len(rest) && (ascii.Alnum(rest[n]) || rest[n] == '_' || rest[n] == '-') {
			n++
		}
		if n > 0 {
			return rest[:n]
		}
	}
}

// cleanMsg drops the rid suffix and keeps errmsg short.
func cleanMsg(msg string) string {
	if i := strings.Index(msg, "rid:"); i >= 0 {
		msg = msg[:i]
	}
	msg = strings.TrimRight(strings.TrimSpace(msg), ",;")
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	return msg
}

// newAPIError builds an APIError, scrubbing the message defensively.
func newAPIError(code int, msg, path string, secrets []string) *APIError {
	msg = scrub(msg, secrets)
	return &APIError{Code: code, Msg: msg, RID: parseRID(msg), Path: path}
}

// IsStaleToken reports whether err is a WeChat error meaning the access_token
// used for a business call is stale: 40001, 40014 or 42001.
func IsStaleToken(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) || isTokenPath(ae.Path) {
		return false
	}
	switch ae.Code {
	case CodeInvalidCredential, CodeInvalidToken, CodeTokenExpired:
		return true
	}
	return false
}

// ErrCode returns the WeChat errcode carried by err, and whether there was one.
func ErrCode(err error) (int, bool) {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Code, true
	}
	return 0, false
}

// TransportError is a failure to talk to WeChat at all (DNS, connect, TLS,
// timeout, broken response). Its message never contains the request URL's
// query string.
type TransportError struct {
	Method string
	Path   string
	err    error // already scrubbed
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("wechat %s %s: %v", e.Method, e.Path, e.err)
}

// Unwrap returns the scrubbed cause; errors.Is(err, context.DeadlineExceeded)
// and friends keep working.
func (e *TransportError) Unwrap() error { return e.err }

// ErrorKind is errkind.Remote.
func (e *TransportError) ErrorKind() errkind.Kind { return errkind.Remote }

// Timeout reports whether the failure was a timeout.
func (e *TransportError) Timeout() bool {
	var t interface{ Timeout() bool }
	if errors.As(e.err, &t) && t.Timeout() {
		return true
	}
	return errors.Is(e.err, context.DeadlineExceeded)
}

// StatusError is a non-200 HTTP answer without a WeChat errcode body
// (typically a proxy or gateway failure).
type StatusError struct {
	Method     string
	Path       string
	StatusCode int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("wechat %s %s: unexpected HTTP status %d", e.Method, e.Path, e.StatusCode)
}

// ErrorKind is errkind.Remote.
func (e *StatusError) ErrorKind() errkind.Kind { return errkind.Remote }

// Retryable reports whether the status is worth retrying (429 and 5xx).
func (e *StatusError) Retryable() bool {
	return e.StatusCode == 429 || e.StatusCode >= 500
}

// scrubbedError keeps an error's identity for errors.Is on context errors
// while replacing a message that contained a secret.
type scrubbedError struct {
	msg   string
	cause error // context.Canceled / context.DeadlineExceeded or nil
	tmo   bool
}

func (e *scrubbedError) Error() string   { return e.msg }
func (e *scrubbedError) Unwrap() error   { return e.cause }
func (e *scrubbedError) Timeout() bool   { return e.tmo }
func (e *scrubbedError) Temporary() bool { return e.tmo }

// sanitizeTransport strips a *url.Error (whose message holds the full URL,
// including ?secret= or ?access_token=) down to its cause and scrubs secrets.
func sanitizeTransport(err error, secrets []string) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		err = ue.Err
	}
	msg := err.Error()
	clean := scrub(msg, secrets)
	if clean == msg {
		return err
	}
	se := &scrubbedError{msg: clean}
	switch {
	case errors.Is(err, context.Canceled):
		se.cause = context.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		se.cause = context.DeadlineExceeded
		se.tmo = true
	}
	var t interface{ Timeout() bool }
	if errors.As(err, &t) && t.Timeout() {
		se.tmo = true
	}
	return se
}

// secretParamRe is compiled on first use, not at start-up.
var secretParamRe = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)((?:app)?secret|access_token|cloudbase_access_token)=[^&\s"']*`)
})

// scrub removes every known secret value and anything that looks like a
// secret-bearing query parameter from s.
func scrub(s string, secrets []string) string {
	for _, sec := range secrets {
		if len(sec) >= 4 && strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, "****")
		}
		if esc := url.QueryEscape(sec); esc != sec && len(esc) >= 4 && strings.Contains(s, esc) {
			s = strings.ReplaceAll(s, esc, "****")
		}
	}
	if strings.Contains(s, "=") {
		s = secretParamRe().ReplaceAllString(s, "$1=****")
	}
	return s
}
