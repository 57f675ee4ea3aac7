// Package wxhttp is what every emulator module serving a WeChat CloudBase
// HTTP API (/tcb/*) does the same way: the checks each request passes
// before its handler runs, and the platform's answers ({"errcode","errmsg"}
// with a rid, HTTP 200). Each module registers its own paths with a Server
// (docdb the database paths, functions invokecloudfunction); the WeChat
// module (pkg/emulator/wxapi) provides the TokenChecker.
package wxhttp

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/tcb-go/tcb/pkg/emulator/envs"
	"github.com/tcb-go/tcb/pkg/emulator/faults"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// TokenChecker validates WeChat access_tokens. It returns the token's appid
// and 0, or the errcode to answer: 40001 (not the latest), 42001 (expired)
// or 40014 (invalid). The WeChat token module (pkg/emulator/wxapi)
// provides it.
type TokenChecker interface {
	CheckToken(token string) (appid string, errcode int)
}

// TokenCheckerFunc adapts a function to TokenChecker.
type TokenCheckerFunc func(token string) (string, int)

// CheckToken calls f.
func (f TokenCheckerFunc) CheckToken(token string) (string, int) { return f(token) }

// Error is an answer with a non-zero errcode.
type Error struct {
	Code int
	Msg  string // without the rid
}

func (e *Error) Error() string { return fmt.Sprintf("errcode %d: %s", e.Code, e.Msg) }

// Errorf returns an *Error.
func Errorf(code int, format string, a ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, a...)}
}

// OK is the envelope of every successful answer.
var OK = wechat.Envelope{ErrCode: 0, ErrMsg: "ok"}

// Request is a request that passed the common checks.
type Request struct {
	HTTP *http.Request
	Body []byte
	// AppID is the app of the access_token.
	AppID string
}

// Decode parses the JSON body into v (47001 when it is not the expected
// JSON object).
func (q *Request) Decode(v any) error {
	dec := json.NewDecoder(bytes.NewReader(q.Body))
	if err := dec.Decode(v); err != nil {
		return Errorf(wechat.CodeBadBody, "data format error hint: %s", jsonProblem(err))
	}
	if dec.More() {
		return Errorf(wechat.CodeBadBody, "data format error hint: trailing data after the JSON object")
	}
	return nil
}

func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field != "" {
			return fmt.Sprintf("field %s must be %s, got %s", te.Field, te.Type, te.Value)
		}
		return fmt.Sprintf("the body must be a JSON object, got %s", te.Value)
	}
	return err.Error()
}

// Handler serves one path; its answer is encoded as JSON, its error as
// {"errcode","errmsg"}.
type Handler func(ctx context.Context, q *Request) (any, error)

// Server holds a module's settings for its /tcb/* paths.
type Server struct {
	// Tokens checks access_tokens; nil rejects every token with 40014.
	Tokens TokenChecker
	// Faults are the host's injected faults (nil: none).
	Faults *faults.Registry
	// MaxBodyBytes caps a request body; RequestTimeout bounds a handler.
	MaxBodyBytes   int64
	RequestTimeout time.Duration
	// Logger returns the module's logger.
	Logger func() *slog.Logger
	// ErrorOf renders the module's own errors (ok=false for others). An
	// *Error renders itself; anything else is -1 "system error", logged.
	ErrorOf func(err error) (code int, msg string, ok bool)
}

// Handle wraps fn with the checks every endpoint makes, in this order:
// POST (43002), injected faults, access_token (41001, then the
// TokenChecker's 40001/42001/40014), body present (44002) and within
// MaxBodyBytes (40097). JSON decoding (47001), parameters (40101/40097) and
// the env (-501000, CheckEnv) are the handler's.
func (s *Server) Handle(path string, fn Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		resp, err := s.serve(path, r, fn)
		code := 0
		if err != nil {
			resp, code = s.errorBody(path, err)
		}
		write(w, resp)
		s.log().Info("wechat", "path", path, "errcode", code, "ms", time.Since(start).Milliseconds())
	}
}

func (s *Server) log() *slog.Logger {
	if s.Logger != nil {
		if l := s.Logger(); l != nil {
			return l
		}
	}
	return slog.New(slog.DiscardHandler)
}

func (s *Server) serve(path string, r *http.Request, fn Handler) (resp any, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log().Error("handler panic", "path", path, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			resp, err = nil, Errorf(wechat.CodeSystemBusy, "system error")
		}
	}()
	if r.Method != http.MethodPost {
		return nil, Errorf(wechat.CodeMethodNotAllowed, "require POST method")
	}
	if s.Faults != nil {
		if rule := s.Faults.Take(path); rule != nil {
			if rule.Latency > 0 {
				t := time.NewTimer(time.Duration(rule.Latency))
				select {
				case <-t.C:
				case <-r.Context().Done():
					t.Stop()
					return nil, Errorf(wechat.CodeSystemBusy, "system error: request canceled")
				}
			}
			if rule.Errcode != 0 {
				msg := rule.Message
				if msg == "" {
					msg = "injected fault"
				}
				return nil, Errorf(rule.Errcode, "%s", msg)
			}
		}
	}
	token := r.URL.Query().Get("access_token")
	if token == "" {
		return nil, Errorf(wechat.CodeMissingToken, "access_token missing")
	}
	appid, code := s.checkToken(token)
	if code != 0 {
		return nil, Errorf(code, "%s", tokenMessage(code))
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, s.MaxBodyBytes+1))
	if err != nil {
		return nil, Errorf(wechat.CodeSystemBusy, "system error: reading the body failed")
	}
	if int64(len(body)) > s.MaxBodyBytes {
		return nil, Errorf(wechat.CodeInvalidArgs, "invalid args: the body exceeds %d bytes", s.MaxBodyBytes)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, Errorf(wechat.CodeEmptyBody, "empty post data")
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.RequestTimeout)
	defer cancel()
	return fn(ctx, &Request{HTTP: r, Body: body, AppID: appid})
}

func (s *Server) checkToken(token string) (string, int) {
	if s.Tokens == nil {
		return "", wechat.CodeInvalidToken
	}
	return s.Tokens.CheckToken(token)
}

func tokenMessage(code int) string {
	switch code {
	case wechat.CodeInvalidCredential:
		return "invalid credential, access_token is invalid or not latest"
	case wechat.CodeTokenExpired:
		return "access_token expired"
	case wechat.CodeInvalidToken:
		return "invalid access_token"
	case wechat.CodeMissingToken:
		return "access_token missing"
	}
	return "access_token rejected"
}

// errorBody renders err as {"errcode","errmsg"} with a request id.
func (s *Server) errorBody(path string, err error) (any, int) {
	code, msg := wechat.CodeSystemBusy, "system error"
	var we *Error
	if errors.As(err, &we) {
		code, msg = we.Code, we.Msg
	} else if c, m, ok := s.errorOf(err); ok {
		code, msg = c, m
	} else {
		s.log().Error("wechat handler error", "path", path, "err", err)
	}
	return wechat.Envelope{ErrCode: code, ErrMsg: msg + " rid: " + newRID()}, code
}

func (s *Server) errorOf(err error) (int, string, bool) {
	if s.ErrorOf == nil {
		return 0, "", false
	}
	return s.ErrorOf(err)
}

func write(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{"errcode":-1,"errmsg":"system error: encoding the answer failed"}`)
	}
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// newRID returns a request id like WeChat's ("rid: 6553a6f0-1a2b3c4d-5e6f7a8b").
func newRID() string {
	var b [8]byte
	rand.Read(b[:])
	return fmt.Sprintf("%08x-%08x-%08x", uint32(time.Now().Unix()), binary.BigEndian.Uint32(b[:4]), binary.BigEndian.Uint32(b[4:]))
}

// CheckEnv answers 40101 for a missing env, -501000 for an unknown one and
// -501001 for one still initializing (at now); other failures are returned
// as they are.
func CheckEnv(es *envs.Service, now time.Time, env string) error {
	if env == "" {
		return Errorf(wechat.CodeMissingParam, "missing required parameter: env")
	}
	rec, err := es.Get(env)
	if errors.Is(err, envs.ErrNotFound) {
		return Errorf(wechat.CodeCloudParamInvalid, "[100003] Param Invalid: env check invalid")
	}
	if err != nil {
		return err
	}
	if rec.Status(now) != "NORMAL" {
		return Errorf(wechat.CodeCloudResource, "resource system error. [ResourceUnavailable] environment %s is still initializing", env)
	}
	return nil
}
