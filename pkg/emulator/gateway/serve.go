package gateway

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tcb-go/tcb/internal/jsonstr"
	"github.com/tcb-go/tcb/pkg/emulator/creds"
	"github.com/tcb-go/tcb/pkg/emulator/functions"
	"github.com/tcb-go/tcb/pkg/fnrun"
)

// Limits of a request.
const (
	// MaxEventBytes is SCF's limit on a synchronous event: the integration
	// request (a base64 body included) must fit.
	MaxEventBytes = fnrun.MaxEventBytes
	// MaxBodyBytes bounds what is read of a request body for an event
	// function.
	MaxBodyBytes = MaxEventBytes
)

// Error codes of the service (see the package documentation).
const (
	codeInvalidEnv     = "INVALID_ENV"
	codeNotActivated   = "HTTPSERVICE_NONACTIVATED"
	codeInvalidPath    = "INVALID_PATH"
	codeNoFunction     = "ENV_FEATURE_NOT_CONFIGURED"
	codeInvalidRequest = "INVALID_REQUEST"
	codeTooLarge       = "EXCEED_MAX_PAYLOAD_SIZE"
	codeExecuteFail    = "FUNCTIONS_EXECUTE_FAIL"
	codeResponseTooBig = "EXCEED_MAX_RESPONSE_SIZE"
	codeBadGateway     = "BAD_GATEWAY"
	codeTimeout        = "FUNCTIONS_TIME_LIMIT_EXCEEDED"
	codeServiceUnavail = "SERVICE_UNAVAILABLE"
)

type errorBody struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"requestId"`
}

func (m *Module) fail(w http.ResponseWriter, status int, code, requestID, format string, a ...any) {
	m.errors.Add(1)
	if requestID == "" {
		requestID = fnrun.NewRequestID()
	}
	b, _ := json.Marshal(errorBody{Code: code, Message: fmt.Sprintf(format, a...), RequestID: requestID})
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Request-Id", requestID)
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// handler serves env's service for a request whose path on the service is
// p (raw the escaped form, when known).
func (m *Module) handler(env, p, raw string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.requests.Add(1)
		m.serve(w, r, env, p)
	})
}

// cleanPath resolves ".", ".." and repeated slashes as a browser would;
// false for paths no client sends (NUL and other control bytes).
func cleanPath(p string) (string, bool) {
	for i := 0; i < len(p); i++ {
		if p[i] < 0x20 || p[i] == 0x7f {
			return "", false
		}
	}
	if p == "" || p[0] != '/' {
		p = "/" + p
	}
	c := path.Clean(p)
	if c != "/" && strings.HasSuffix(p, "/") {
		c += "/"
	}
	return c, true
}

func (m *Module) serve(w http.ResponseWriter, r *http.Request, env, p string) {
	reqID := fnrun.NewRequestID()
	t, err := m.tableFor(env)
	if err != nil {
		m.fail(w, http.StatusInternalServerError, codeServiceUnavail, reqID, "reading the routes of %s: %v", env, err)
		return
	}
	if t == nil {
		m.fail(w, http.StatusNotFound, codeInvalidEnv, reqID, "no CloudBase environment %q runs in this emulator", env)
		return
	}
	if t.disabled {
		m.fail(w, http.StatusForbidden, codeNotActivated, reqID, "the HTTP access service of %s is switched off (tcb service switch)", env)
		return
	}
	clean, ok := cleanPath(p)
	if !ok {
		m.fail(w, http.StatusBadRequest, codeInvalidRequest, reqID, "the request path has control characters")
		return
	}
	rt, ok := t.match(strings.TrimSuffix(clean, "/"))
	if !ok && clean == "/" {
		rt, ok = t.match("/")
	}
	if !ok {
		m.fail(w, http.StatusNotFound, codeInvalidPath, reqID, "no access path of %s matches %s (tcb service list)", env, clean)
		return
	}
	fns := m.opts.Functions
	if fns == nil {
		m.fail(w, http.StatusNotFound, codeNoFunction, reqID, "the emulator runs no functions")
		return
	}
	web, err := fns.Web(env, rt.api.Name)
	if err != nil {
		m.fail(w, http.StatusNotFound, codeNoFunction, reqID, "the function %s that %s is bound to does not exist", rt.api.Name, rt.path)
		return
	}
	if web {
		m.proxy(w, r, env, rt, clean, reqID)
		return
	}
	m.invokeEvent(w, r, env, rt, clean, reqID)
}

// textual reports whether a body of content type ct is passed as text.
func textual(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
	}
	switch {
	case strings.HasPrefix(mt, "text/"), mt == "application/json", strings.HasSuffix(mt, "+json"),
		mt == "application/xml", strings.HasSuffix(mt, "+xml"), mt == "application/x-www-form-urlencoded",
		mt == "application/javascript", mt == "application/graphql", mt == "application/x-ndjson":
		return true
	}
	return false
}

// integrationRequest is the event of an event function.
type integrationRequest struct {
	Path                  string            `json:"path"`
	HTTPMethod            string            `json:"httpMethod"`
	Headers               map[string]string `json:"headers"`
	QueryStringParameters map[string]string `json:"queryStringParameters"`
	Body                  string            `json:"body"`
	IsBase64Encoded       bool              `json:"isBase64Encoded"`
	RequestContext        requestContext    `json:"requestContext"`
}

type requestContext struct {
	RequestID string `json:"requestId"`
	EnvID     string `json:"envId"`
	AppID     int64  `json:"appId"`
	Uin       int64  `json:"uin"`
	SourceIP  string `json:"sourceIp,omitempty"`
}

// Identity reported in requestContext (the emulator's account).
const (
	emulatorAppID = 1250000000
	emulatorUin   = 100000000001
)

// BuildEvent turns a request (its body already read) into the integration
// request. It writes the JSON json.Marshal writes for integrationRequest
// (fields in order, object keys sorted, the same escaping), without
// reflection and with a base64 body encoded straight into the event.
func BuildEvent(r *http.Request, env, p string, body []byte, requestID string) ([]byte, error) {
	headers := make([]kv, 0, len(r.Header)+1)
	for k, vs := range r.Header {
		lk := strings.ToLower(k)
		if lk == "host" && r.Host != "" {
			continue
		}
		headers = append(headers, kv{lk, strings.Join(vs, ",")})
	}
	if r.Host != "" {
		headers = append(headers, kv{"host", r.Host})
	}
	q, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, err
	}
	query := make([]kv, 0, len(q))
	for k, vs := range q {
		query = append(query, kv{k, strings.Join(vs, ",")})
	}
	sourceIP := ""
	if ip, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		sourceIP = ip
	}
	b64 := len(body) > 0 && !(textual(r.Header.Get("Content-Type")) && utf8.Valid(body))

	n := 192 + len(p) + len(r.Method) + len(env) + len(requestID) + len(sourceIP)
	for _, h := range headers {
		n += len(h.k) + len(h.v) + 6
	}
	for _, h := range query {
		n += len(h.k) + len(h.v) + 6
	}
	if b64 {
		n += base64.StdEncoding.EncodedLen(len(body))
	} else {
		n += len(body) + len(body)/8
	}
	b := make([]byte, 0, n)
	b = append(b, `{"path":`...)
	b = jsonstr.Append(b, p)
	b = append(b, `,"httpMethod":`...)
	b = jsonstr.Append(b, r.Method)
	b = append(b, `,"headers":`...)
	b = appendObject(b, headers)
	b = append(b, `,"queryStringParameters":`...)
	b = appendObject(b, query)
	b = append(b, `,"body":`...)
	switch {
	case b64:
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, body)
		b = append(b, `","isBase64Encoded":true`...)
	default:
		b = jsonstr.AppendBytes(b, body)
		b = append(b, `,"isBase64Encoded":false`...)
	}
	b = append(b, `,"requestContext":{"requestId":`...)
	b = jsonstr.Append(b, requestID)
	b = append(b, `,"envId":`...)
	b = jsonstr.Append(b, env)
	b = append(b, `,"appId":`...)
	b = strconv.AppendInt(b, emulatorAppID, 10)
	b = append(b, `,"uin":`...)
	b = strconv.AppendInt(b, emulatorUin, 10)
	if sourceIP != "" {
		b = append(b, `,"sourceIp":`...)
		b = jsonstr.Append(b, sourceIP)
	}
	return append(b, "}}"...), nil
}

type kv struct{ k, v string }

// appendObject appends a JSON object of string values with its keys sorted
// (as json.Marshal writes a map); of equal keys the first is kept.
func appendObject(b []byte, pairs []kv) []byte {
	slices.SortStableFunc(pairs, func(x, y kv) int { return strings.Compare(x.k, y.k) })
	b = append(b, '{')
	for i, h := range pairs {
		if i > 0 && h.k == pairs[i-1].k {
			continue
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonstr.Append(b, h.k)
		b = append(b, ':')
		b = jsonstr.Append(b, h.v)
	}
	return append(b, '}')
}

// parseQuery parses a query string, keeping keys that are not valid
// escapes as they are (as url.ParseQuery would not).
func parseQuery(raw string) (map[string][]string, error) {
	out := map[string][]string{}
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		if uv, err := url.QueryUnescape(v); err == nil {
			v = uv
		}
		out[k] = append(out[k], v)
	}
	return out, nil
}

func (m *Module) invokeEvent(w http.ResponseWriter, r *http.Request, env string, rt *route, p, reqID string) {
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		if r.ContentLength > MaxBodyBytes {
			m.fail(w, http.StatusRequestEntityTooLarge, codeTooLarge, reqID, "the request body is %d bytes; a function's event is at most %d bytes", r.ContentLength, MaxEventBytes)
			return
		}
		b, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
		if err != nil {
			m.fail(w, http.StatusBadRequest, codeInvalidRequest, reqID, "reading the request body: %v", err)
			return
		}
		if len(b) > MaxBodyBytes {
			m.fail(w, http.StatusRequestEntityTooLarge, codeTooLarge, reqID, "the request body is over %d bytes, a function's event limit", MaxEventBytes)
			return
		}
		body = b
	}
	event, err := BuildEvent(r, env, p, body, reqID)
	if err != nil {
		m.fail(w, http.StatusBadRequest, codeInvalidRequest, reqID, "%v", err)
		return
	}
	if len(event) > MaxEventBytes {
		m.fail(w, http.StatusRequestEntityTooLarge, codeTooLarge, reqID,
			"the integration request is %d bytes (a binary body grows by a third in base64); a function's event is at most %d bytes", len(event), MaxEventBytes)
		return
	}
	res, err := m.opts.Functions.Run(r.Context(), functions.RunRequest{
		Env: env, Name: rt.api.Name, Headers: r.Header, Event: event, Host: m.selfHost(r), Caller: creds.Caller{ClientIP: clientIP(r)}})
	switch {
	case err == nil:
	case r.Context().Err() != nil:
		return // the client went away; the invocation was cancelled
	case errors.Is(err, functions.ErrNoSuchFunction):
		m.fail(w, http.StatusNotFound, codeNoFunction, reqID, "%v (the function %s is bound to)", err, rt.path)
		return
	case errors.Is(err, functions.ErrNotInvocable):
		m.fail(w, http.StatusBadGateway, codeExecuteFail, reqID, "%v", err)
		return
	case errors.Is(err, fnrun.ErrEventTooLarge):
		m.fail(w, http.StatusRequestEntityTooLarge, codeTooLarge, reqID, "%v", err)
		return
	default:
		m.fail(w, http.StatusBadGateway, codeExecuteFail, reqID, "invoking %s failed: %v", rt.api.Name, err)
		return
	}
	if res.RequestID != "" {
		reqID = res.RequestID
	}
	switch res.StatusCode {
	case fnrun.StatusOK:
	case fnrun.StatusTimeLimitReached:
		m.fail(w, http.StatusGatewayTimeout, codeTimeout, reqID, "Invoking task timed out after %d seconds", int(res.Timeout.Seconds()))
		return
	case fnrun.StatusResponseTooLarge:
		m.fail(w, http.StatusBadGateway, codeResponseTooBig, reqID, "the function's return value is over the %d-byte limit", fnrun.MaxResponseBytes)
		return
	default:
		m.fail(w, http.StatusBadGateway, codeExecuteFail, reqID, "functions execute fail | errMsg: %s", errorMessage(res.ErrMsg))
		return
	}
	resp, err := ParseResult([]byte(res.RetMsg))
	if err != nil {
		m.fail(w, http.StatusBadGateway, codeBadGateway, reqID, "invalid integration response from %s: %v", rt.api.Name, err)
		return
	}
	h := w.Header()
	for k, vs := range resp.Header {
		h[k] = vs
	}
	h.Set("X-Request-Id", reqID)
	h.Set("Content-Length", strconv.Itoa(len(resp.Body)))
	w.WriteHeader(resp.Status)
	if r.Method != http.MethodHead {
		w.Write(resp.Body)
	}
}

// errorMessage is the errorMessage of SCF's failure JSON.
func errorMessage(errMsg string) string {
	var e struct {
		ErrorMessage string `json:"errorMessage"`
	}
	if json.Unmarshal([]byte(errMsg), &e) == nil && e.ErrorMessage != "" {
		return e.ErrorMessage
	}
	return errMsg
}

func clientIP(r *http.Request) string {
	ip, _, _ := net.SplitHostPort(r.RemoteAddr)
	return ip
}

// selfHost is the Host a function should use to reach the emulator: the
// emulator's own address (the request's Host is the service's origin).
func (m *Module) selfHost(r *http.Request) string {
	if _, port, err := net.SplitHostPort(r.Host); err == nil {
		return "127.0.0.1:" + port
	}
	return ""
}

// Response is a mapped integration response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// ignoredHeaders are response headers the gateway sets itself.
var ignoredHeaders = map[string]bool{"Content-Length": true, "Transfer-Encoding": true, "Connection": true,
	"Keep-Alive": true, "Upgrade": true, "Trailer": true, "Te": true, "Proxy-Connection": true}

// ParseResult maps the JSON of a function's return value to the HTTP
// response (see the package documentation).
func ParseResult(ret []byte) (*Response, error) {
	if plainJSON(ret) {
		// What parseResultValue answers for it, without decoding it.
		return &Response{Status: http.StatusOK, Header: http.Header{"Content-Type": {"application/json; charset=utf-8"}}, Body: ret}, nil
	}
	return parseResultValue(ret)
}

// plainJSON reports whether ret is valid JSON whose value is an array or an
// object without a top-level "statusCode" key (an object with an escaped
// key is left to parseResultValue): the response is ret itself.
func plainJSON(ret []byte) bool {
	if !json.Valid(ret) {
		return false
	}
	i := skipSpace(ret, 0)
	switch ret[i] {
	case '[':
		return true
	case '{':
	default:
		return false
	}
	i = skipSpace(ret, i+1)
	for ret[i] != '}' {
		j := i + 1 // ret[i] is the quote opening a key
		for ret[j] != '"' {
			if ret[j] == '\\' {
				return false
			}
			j++
		}
		if string(ret[i+1:j]) == "statusCode" {
			return false
		}
		i = skipSpace(ret, j+1) // the colon
		i = skipSpace(ret, skipValue(ret, skipSpace(ret, i+1)))
		if ret[i] == ',' {
			i = skipSpace(ret, i+1)
		}
	}
	return true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the index just past the value starting at b[i], in
// valid JSON.
func skipValue(b []byte, i int) int {
	depth := 0
	for ; i < len(b); i++ {
		switch b[i] {
		case '"':
			for i++; b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
			if depth == 0 {
				return i + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
			if depth < 0 {
				return i
			}
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i
			}
		}
	}
	return i
}

// parseResultValue is ParseResult by decoding the value.
func parseResultValue(ret []byte) (*Response, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(ret))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("the return value is not JSON: %v", err)
	}
	out := &Response{Status: http.StatusOK, Header: http.Header{}}
	switch x := v.(type) {
	case nil:
		out.Header.Set("Content-Type", "text/plain; charset=utf-8")
		return out, nil
	case string:
		out.Header.Set("Content-Type", "text/plain; charset=utf-8")
		out.Body = []byte(x)
		return out, nil
	case json.Number, bool:
		out.Header.Set("Content-Type", "text/plain; charset=utf-8")
		out.Body = []byte(fmt.Sprint(x))
		return out, nil
	case map[string]any:
		if sc, ok := x["statusCode"]; ok {
			return integrationResponse(x, sc)
		}
	}
	out.Header.Set("Content-Type", "application/json; charset=utf-8")
	out.Body = ret
	return out, nil
}

func integrationResponse(x map[string]any, sc any) (*Response, error) {
	out := &Response{Header: http.Header{}}
	n, ok := sc.(json.Number)
	if !ok {
		return nil, fmt.Errorf("statusCode must be a number, got %T", sc)
	}
	code, err := strconv.Atoi(n.String())
	if err != nil || code < 100 || code > 599 {
		return nil, fmt.Errorf("statusCode %s is not an HTTP status (100-599)", n)
	}
	out.Status = code
	if hv, ok := x["headers"]; ok && hv != nil {
		hm, ok := hv.(map[string]any)
		if !ok {
			return nil, errors.New("headers must be an object")
		}
		for k, v := range hm {
			var vals []string
			switch y := v.(type) {
			case string:
				vals = []string{y}
			case json.Number, bool:
				vals = []string{fmt.Sprint(y)}
			case []any:
				for _, e := range y {
					s, ok := e.(string)
					if !ok {
						return nil, fmt.Errorf("header %q: array values must be strings", k)
					}
					vals = append(vals, s)
				}
			default:
				return nil, fmt.Errorf("header %q must be a string", k)
			}
			if !validHeaderName(k) {
				return nil, fmt.Errorf("%q is not a valid header name", k)
			}
			for _, s := range vals {
				if !validHeaderValue(s) {
					return nil, fmt.Errorf("the value of header %q holds a control character (CR, LF or NUL): refused", k)
				}
			}
			ck := http.CanonicalHeaderKey(k)
			if ignoredHeaders[ck] {
				continue
			}
			out.Header[ck] = append(out.Header[ck], vals...)
		}
	}
	var body string
	switch b := x["body"].(type) {
	case nil:
	case string:
		body = b
	default:
		raw, _ := json.Marshal(b)
		body = string(raw)
	}
	isB64 := false
	switch b := x["isBase64Encoded"].(type) {
	case nil:
	case bool:
		isB64 = b
	case string:
		isB64 = b == "true"
	default:
		return nil, errors.New("isBase64Encoded must be a boolean")
	}
	if isB64 {
		dec, err := base64.StdEncoding.DecodeString(body)
		if err != nil {
			return nil, fmt.Errorf("body is not valid base64: %v", err)
		}
		out.Body = dec
	} else {
		out.Body = []byte(body)
	}
	if out.Header.Get("Content-Type") == "" && len(out.Body) > 0 {
		out.Header.Set("Content-Type", http.DetectContentType(out.Body))
	}
	return out, nil
}

// proxy forwards the request to a web function's own server: the version
// $DEFAULT routes the request to (as for event functions), logged in the
// function's logs when it is over.
func (m *Module) proxy(w http.ResponseWriter, r *http.Request, env string, rt *route, p, reqID string) {
	ctx := r.Context()
	be, err := m.opts.Functions.WebFunction(ctx, functions.WebRequest{Env: env, Name: rt.api.Name, Headers: r.Header,
		Host: m.selfHost(r), RequestID: reqID, Method: r.Method, Path: p})
	if err != nil {
		switch {
		case ctx.Err() != nil:
		case errors.Is(err, functions.ErrNoSuchFunction):
			m.fail(w, http.StatusNotFound, codeNoFunction, reqID, "the function %s that %s is bound to does not exist", rt.api.Name, rt.path)
		case errors.Is(err, context.DeadlineExceeded):
			m.fail(w, http.StatusGatewayTimeout, codeTimeout, reqID, "%v", err)
		default:
			m.fail(w, http.StatusBadGateway, codeExecuteFail, reqID, "%v", err)
		}
		return
	}
	out := functions.WebOutcome{RequestID: reqID, Method: r.Method, Path: p}
	timeout := be.Timeout
	defer func() {
		// A response cut short by the time limit (once streaming) is a
		// timeout too; the server keeps serving the others.
		if out.Status != 0 && !out.TimedOut && r.Context().Err() == nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			out.TimedOut, out.Err = true, ctx.Err()
		}
		be.Finish(out)
	}()
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme = "http"
			pr.Out.URL.Host = be.Addr
			pr.Out.URL.Path = p
			pr.Out.URL.RawPath = ""
			pr.Out.Host = r.Host
			pr.SetXForwarded()
			pr.Out.Header.Set("X-Request-Id", reqID)
			pr.Out.Header.Set("X-Cloudbase-Envid", env)
		},
		Transport: be.Transport,
		ModifyResponse: func(resp *http.Response) error {
			resp.Header.Set("X-Request-Id", reqID)
			out.Status = resp.StatusCode
			return nil
		},
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			out.Err = err
			switch {
			case r.Context().Err() != nil:
				out.Status = 0 // the client went away
			case errors.Is(err, context.DeadlineExceeded):
				out.TimedOut, out.Abandon, out.Status = true, true, http.StatusGatewayTimeout
				m.fail(w, http.StatusGatewayTimeout, codeTimeout, reqID, "Invoking task timed out after %d seconds", int(timeout.Seconds()))
			default:
				out.Failed, out.Abandon, out.Status = true, true, http.StatusBadGateway
				m.fail(w, http.StatusBadGateway, codeExecuteFail, reqID, "the web function %s did not answer: %v", rt.api.Name, err)
			}
		},
	}
	rp.ServeHTTP(w, r.WithContext(ctx))
}
