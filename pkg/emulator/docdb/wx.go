package docdb

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/tcb-go/tcb/pkg/emulator/envs"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// wxError is a WeChat answer with a non-zero errcode.
type wxError struct {
	code int
	msg  string
}

func (e *wxError) Error() string { return fmt.Sprintf("errcode %d: %s", e.code, e.msg) }

func wxErr(code int, format string, a ...any) *wxError {
	return &wxError{code: code, msg: fmt.Sprintf(format, a...)}
}

// okEnvelope is the envelope of every successful answer.
var okEnvelope = wechat.Envelope{ErrCode: 0, ErrMsg: "ok"}

// wxRequest is a /tcb/* request that passed the common checks.
type wxRequest struct {
	r     *http.Request
	body  []byte
	appid string
}

// decode parses the JSON body into v (47001 when it is not the expected
// JSON object).
func (q *wxRequest) decode(v any) error {
	dec := json.NewDecoder(bytes.NewReader(q.body))
	if err := dec.Decode(v); err != nil {
		return wxErr(wechat.CodeBadBody, "data format error hint: %s", jsonProblem(err))
	}
	if dec.More() {
		return wxErr(wechat.CodeBadBody, "data format error hint: trailing data after the JSON object")
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

type wxHandler func(ctx context.Context, q *wxRequest) (any, error)

// wx wraps a /tcb/* handler with the checks every endpoint makes, in this
// order: POST (43002), injected faults, access_token (41001, then the
// TokenChecker's 40001/42001/40014), body present (44002) and within
// MaxBodyBytes (40097). JSON decoding (47001), parameters (40101/40097) and
// the env (-501000) are checked by the handler through wxRequest.
func (m *Module) wx(path string, fn wxHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		resp, err := m.serveWX(path, w, r, fn)
		code := 0
		if err != nil {
			resp, code = m.errorBody(path, err)
		}
		writeWX(w, resp)
		m.log().Info("wechat", "path", path, "errcode", code, "ms", time.Since(start).Milliseconds())
	}
}

func (m *Module) serveWX(path string, w http.ResponseWriter, r *http.Request, fn wxHandler) (resp any, err error) {
	defer func() {
		if p := recover(); p != nil {
			m.log().Error("handler panic", "path", path, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			resp, err = nil, wxErr(wechat.CodeSystemBusy, "system error")
		}
	}()
	if r.Method != http.MethodPost {
		return nil, wxErr(wechat.CodeMethodNotAllowed, "require POST method")
	}
	if rule := m.h.Faults.Take(path); rule != nil {
		if rule.Latency > 0 {
			select {
			case <-time.After(time.Duration(rule.Latency)):
			case <-r.Context().Done():
				return nil, wxErr(wechat.CodeSystemBusy, "system error: request canceled")
			}
		}
		if rule.Errcode != 0 {
			msg := rule.Message
			if msg == "" {
				msg = "injected fault"
			}
			return nil, wxErr(rule.Errcode, "%s", msg)
		}
	}
	token := r.URL.Query().Get("access_token")
	if token == "" {
		return nil, wxErr(wechat.CodeMissingToken, "access_token missing")
	}
	appid, code := m.checkToken(token)
	if code != 0 {
		return nil, wxErr(code, "%s", tokenMessage(code))
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, m.opts.MaxBodyBytes+1))
	if err != nil {
		return nil, wxErr(wechat.CodeSystemBusy, "system error: reading the body failed")
	}
	if int64(len(body)) > m.opts.MaxBodyBytes {
		return nil, wxErr(wechat.CodeInvalidArgs, "invalid args: the body exceeds %d bytes", m.opts.MaxBodyBytes)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, wxErr(wechat.CodeEmptyBody, "empty post data")
	}
	ctx, cancel := context.WithTimeout(r.Context(), m.opts.RequestTimeout)
	defer cancel()
	return fn(ctx, &wxRequest{r: r, body: body, appid: appid})
}

func (m *Module) checkToken(token string) (string, int) {
	if m.opts.Tokens == nil {
		return "", wechat.CodeInvalidToken
	}
	return m.opts.Tokens.CheckToken(token)
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
func (m *Module) errorBody(path string, err error) (any, int) {
	var we *wxError
	var de *dbError
	code, msg := wechat.CodeSystemBusy, "system error"
	switch {
	case errors.As(err, &we):
		code, msg = we.code, we.msg
	case errors.As(err, &de):
		code, msg = de.wxCode, de.wxMsg
	case errors.Is(err, context.DeadlineExceeded):
		code, msg = wechat.CodeDatabaseFailed, "database request fail. [FailedOperation] "+errDeadline.Error()
	default:
		m.log().Error("wechat handler error", "path", path, "err", err)
	}
	return wechat.Envelope{ErrCode: code, ErrMsg: msg + " rid: " + newRID()}, code
}

func writeWX(w http.ResponseWriter, v any) {
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

// checkEnv answers -501000 for an unknown environment and -501001 for one
// still initializing.
func (m *Module) checkEnv(env string) error {
	if env == "" {
		return wxErr(wechat.CodeMissingParam, "missing required parameter: env")
	}
	rec, err := m.h.Envs.Get(env)
	if errors.Is(err, envs.ErrNotFound) {
		return wxErr(wechat.CodeCloudParamInvalid, "[100003] Param Invalid: env check invalid")
	}
	if err != nil {
		return errSystem(err)
	}
	if rec.Status(m.now()) != "NORMAL" {
		return wxErr(wechat.CodeCloudResource, "resource system error. [ResourceUnavailable] environment %s is still initializing", env)
	}
	return nil
}
