package events

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"
)

// MaxBody is how much of a request or response body a Request keeps.
const MaxBody = 16 << 10

// Kinds of requests.
const (
	KindAPI  = "api"  // Tencent Cloud API 3.0 (POST /)
	KindSDK  = "sdk"  // the server SDKs' POST /admin
	KindHTTP = "http" // any other path outside /_emulator/ (WeChat, ...)
)

// Request is one call a front door answered. Body, Query and Response are
// what went over the wire, secrets included: readers show Redacted().
type Request struct {
	Kind string `json:"kind"`
	// Name is "scf.Invoke", "database.getDocument" or "POST /tcb/databasequery".
	Name      string `json:"name"`
	RequestID string `json:"request_id,omitempty"`
	// Caller is the masked SecretId that signed the call, if any.
	Caller    string `json:"caller,omitempty"`
	UserAgent string `json:"user_agent,omitempty"`
	// Status is the HTTP status; Code the error code ("" on success: the
	// Cloud API's Error.Code, the SDK's code, WeChat's non-zero errcode).
	Status   int           `json:"status"`
	Code     string        `json:"code,omitempty"`
	Message  string        `json:"message,omitempty"`
	Duration time.Duration `json:"-"`

	Method string `json:"method"`
	Path   string `json:"path"`
	Query  string `json:"-"`
	// Body and Response are at most MaxBody bytes; the sizes are the
	// whole lengths (-1 when unknown).
	Body         []byte `json:"-"`
	BodySize     int64  `json:"-"`
	ContentType  string `json:"-"`
	Response     []byte `json:"-"`
	ResponseSize int64  `json:"-"`
	ResponseType string `json:"-"`
}

// Size implements Sizer.
func (r *Request) Size() int {
	return 256 + len(r.Name) + len(r.UserAgent) + len(r.Query) + len(r.Body) + len(r.Response) + len(r.Message)
}

// Capped returns a copy of at most MaxBody bytes of b (nil for none).
func Capped(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return bytes.Clone(b[:min(len(b), MaxBody)])
}

// MaskID masks a SecretId or an appid for display: "AKID****abcd".
func MaskID(id string) string {
	if id == "" {
		return ""
	}
	if len(id) <= 8 {
		return id[:min(2, len(id))] + "****"
	}
	return id[:4] + "****" + id[len(id)-4:]
}

// ShortToken shortens a token for display: the first and last 4
// characters, never enough to use it.
func ShortToken(tok string) string {
	if len(tok) <= 12 {
		return "****"
	}
	return tok[:4] + "…" + tok[len(tok)-4:]
}

// Redacted is a Request made safe to show: bodies decoded where they are
// JSON, every secret masked and every token shortened.
type Redacted struct {
	Query    map[string]string `json:"query,omitempty"`
	Body     any               `json:"body,omitempty"`
	Response any               `json:"response,omitempty"`
}

// Redacted masks the request's query and bodies.
func (r *Request) Redacted() Redacted {
	out := Redacted{}
	if r.Query != "" {
		if q, err := url.ParseQuery(r.Query); err == nil && len(q) > 0 {
			out.Query = map[string]string{}
			keys := make([]string, 0, len(q))
			for k := range q {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				out.Query[k] = maskValue(k, q.Get(k))
			}
		}
	}
	out.Body = redactBody(r.Body, r.BodySize, r.ContentType)
	out.Response = redactBody(r.Response, r.ResponseSize, r.ResponseType)
	return out
}

func redactBody(b []byte, size int64, ctype string) any {
	if len(b) == 0 {
		return nil
	}
	truncated := size > int64(len(b))
	if !truncated {
		var v any
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if dec.Decode(&v) == nil && !dec.More() {
			return redactJSON("", v)
		}
	}
	if ctype == "" || strings.Contains(ctype, "json") || strings.HasPrefix(ctype, "text/") {
		s := strings.ToValidUTF8(string(b), "�")
		if truncated {
			s += fmt.Sprintf("… (%d bytes in all)", size)
		}
		return maskText(s)
	}
	return fmt.Sprintf("(%d bytes of %s)", max(size, int64(len(b))), ctype)
}

// secretKey reports whether a field name holds a secret; tokenKey whether
// it holds a token (shortened rather than hidden).
func secretKey(k string) bool {
	k = strings.ToLower(k)
	for _, s := range []string{"secret", "password", "passwd", "credential", "authorization", "session_key", "sessionkey", "private"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

func tokenKey(k string) bool {
	k = strings.ToLower(k)
	return strings.Contains(k, "token") || k == "sig" || k == "signature" || strings.HasSuffix(k, "_key") || strings.HasSuffix(k, "apikey")
}

func maskValue(k, v string) string {
	switch {
	case secretKey(k):
		if v == "" {
			return ""
		}
		return "****"
	case tokenKey(k):
		return ShortToken(v)
	}
	return shorten(v)
}

func shorten(s string) string {
	if len(s) > 2000 {
		return s[:2000] + fmt.Sprintf("… (%d characters in all)", len(s))
	}
	return s
}

func redactJSON(key string, v any) any {
	switch x := v.(type) {
	case map[string]any:
		// {"Key": "DB_PASSWORD", "Value": "..."}: environment variables.
		name, _ := x["Key"].(string)
		if name == "" {
			name, _ = x["key"].(string)
		}
		for k, val := range x {
			vk := k
			if name != "" && (k == "Value" || k == "value") {
				vk = name
			}
			x[k] = redactJSON(vk, val)
		}
		return x
	case []any:
		for i, val := range x {
			x[i] = redactJSON(key, val)
		}
		return x
	case string:
		if key != "" {
			return maskValue(key, x)
		}
		return shorten(x)
	}
	if key != "" && secretKey(key) {
		return "****"
	}
	return v
}

// maskText hides what looks like a secret in text that is not JSON:
// key=value pairs whose key names a secret or token.
func maskText(s string) string {
	var b strings.Builder
	for i, part := range strings.Split(s, "&") {
		if i > 0 {
			b.WriteByte('&')
		}
		k, v, ok := strings.Cut(part, "=")
		if ok && (secretKey(k) || tokenKey(k)) {
			b.WriteString(k + "=" + maskValue(k, v))
			continue
		}
		b.WriteString(part)
	}
	return shorten(b.String())
}

// Log is one function invocation's log.
type Log struct {
	Env       string    `json:"env"`
	Function  string    `json:"function"`
	RequestID string    `json:"request_id"`
	Start     time.Time `json:"start"`
	// Level is INFO for a successful invocation, ERROR otherwise.
	Level    string  `json:"level"`
	Status   int     `json:"status"`
	Source   string  `json:"source,omitempty"`
	Duration float64 `json:"duration_ms"`
	MemUsage int64   `json:"mem_usage,omitempty"`
	Text     string  `json:"text"`
	RetMsg   string  `json:"ret_msg,omitempty"`
}

// Size implements Sizer.
func (l *Log) Size() int { return 256 + len(l.Text) + len(l.RetMsg) }
