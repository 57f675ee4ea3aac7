package gateway

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// The parsers of outside input in the HTTP access service, fuzzed for
// their properties (not only for not panicking): an access path that is
// accepted is canonical and cannot be resolved differently by a client; a
// request path is cleaned into one a route can be matched against; an
// integration response never yields a header that could split the
// response; an integration request carries the body back exactly.

func FuzzValidatePath(f *testing.F) {
	for _, s := range []string{"/", "/api", "/api/", "/a/b/c", "//", "/a//b", "/a/../b", "/./a", "/a/..", "a", "",
		"/a b", "/%2e%2e", "/a/.../b", "/~x/-_.", "/" + strings.Repeat("a", MaxPathLen), "/a/\x00", "/é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		out, err := ValidatePath(p)
		if err != nil {
			if out != "" {
				t.Fatalf("ValidatePath(%q) failed (%v) but returned %q", p, err, out)
			}
			return
		}
		if !strings.HasPrefix(out, "/") {
			t.Fatalf("ValidatePath(%q) = %q: not absolute", p, out)
		}
		if len(out) > MaxPathLen {
			t.Fatalf("ValidatePath(%q) = %q: over %d bytes", p, out, MaxPathLen)
		}
		if strings.Contains(out, "//") {
			t.Fatalf("ValidatePath(%q) = %q: holds //", p, out)
		}
		if out != "/" && strings.HasSuffix(out, "/") {
			t.Fatalf("ValidatePath(%q) = %q: trailing slash", p, out)
		}
		for _, seg := range strings.Split(out, "/")[1:] {
			if seg == "." || seg == ".." {
				t.Fatalf("ValidatePath(%q) = %q: a %q segment", p, out, seg)
			}
		}
		for i := 0; i < len(out); i++ {
			c := out[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.~/", c) >= 0) {
				t.Fatalf("ValidatePath(%q) = %q: byte %q", p, out, c)
			}
		}
		// Canonical: what a client's path resolution makes of it, and a
		// fixed point.
		if path.Clean(out) != out {
			t.Fatalf("ValidatePath(%q) = %q, which path.Clean makes %q", p, out, path.Clean(out))
		}
		if again, err := ValidatePath(out); err != nil || again != out {
			t.Fatalf("ValidatePath(%q) = %q, but ValidatePath(%q) = %q, %v", p, out, out, again, err)
		}
		// Only a trailing slash is dropped.
		if out != p && out+"/" != p {
			t.Fatalf("ValidatePath(%q) = %q: changed more than a trailing slash", p, out)
		}
		// A route at out serves the request path out (as a client sends it).
		if c, ok := cleanPath(out); !ok || c != out {
			t.Fatalf("cleanPath(%q) = %q, %v", out, c, ok)
		}
	})
}

func FuzzCleanPath(f *testing.F) {
	for _, s := range []string{"/", "", "a", "/a/../../b", "//a//b/", "/a/./b/.", "/..", "/a\x00b", "/a\r\nb", "/%2e%2e/x", "/a/b/../"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		c, ok := cleanPath(p)
		if !ok {
			if !strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				t.Fatalf("cleanPath(%q) refused a path without control bytes", p)
			}
			return
		}
		if !strings.HasPrefix(c, "/") || strings.Contains(c, "//") {
			t.Fatalf("cleanPath(%q) = %q", p, c)
		}
		for _, seg := range strings.Split(c, "/")[1:] {
			if seg == "." || seg == ".." {
				t.Fatalf("cleanPath(%q) = %q: a %q segment", p, c, seg)
			}
		}
		if strings.ContainsFunc(c, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			t.Fatalf("cleanPath(%q) = %q: a control byte", p, c)
		}
		if again, ok := cleanPath(c); !ok || again != c {
			t.Fatalf("cleanPath is not idempotent: %q -> %q -> %q", p, c, again)
		}
		// The route lookup (without the trailing slash) never climbs out of
		// the service's root.
		if trimmed := strings.TrimSuffix(c, "/"); trimmed != "" && path.Clean(trimmed) != trimmed {
			t.Fatalf("cleanPath(%q) = %q: not clean", p, c)
		}
	})
}

func FuzzParseResult(f *testing.F) {
	for _, s := range []string{
		`"hello"`, `42`, `true`, `null`, `{"a":1}`, `[1,2]`,
		`{"statusCode":200,"headers":{"content-type":"text/html"},"body":"<p>x</p>"}`,
		`{"statusCode":201,"headers":{"x":["a","b"]},"body":"aGk=","isBase64Encoded":true}`,
		`{"statusCode":302,"headers":{"Location":"/x\r\nSet-Cookie: a=b"}}`,
		`{"statusCode":200,"headers":{"X-A":"1\u0000"}}`,
		`{"statusCode":200,"headers":{"Bad Name":"v"}}`,
		`{"statusCode":200,"headers":{"Content-Length":"5","Transfer-Encoding":"chunked"},"body":"abc"}`,
		`{"statusCode":99}`, `{"statusCode":"200"}`, `{"statusCode":200.5}`, `{"statusCode":200,"body":{"k":[1]}}`,
		`{"statusCode":200,"isBase64Encoded":"true","body":"!!"}`, `not json`, ``,
		` { "a" : [ {"statusCode":1} , "x\"}" ] , "b":{"c":{}}, "d" : -1.5e3 ,"e":null } `, `{"status\u0043ode":201}`,
		`{"x":1,"statusCode":204}`, `[{"statusCode":200}]`, `{}`, ` [] `, `{"a":1} trailing`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, ret []byte) {
		resp, err := ParseResult(ret)
		// The shortcut for plain JSON answers what decoding answers.
		if want, werr := parseResultValue(ret); (err == nil) != (werr == nil) ||
			err == nil && (resp.Status != want.Status || !reflect.DeepEqual(resp.Header, want.Header) || !bytes.Equal(resp.Body, want.Body)) {
			t.Fatalf("ParseResult(%q) = %+v, %v; decoding gives %+v, %v", ret, resp, err, want, werr)
		}
		if err != nil {
			if resp != nil {
				t.Fatalf("ParseResult(%q) failed (%v) with a response", ret, err)
			}
			return
		}
		if resp.Status < 100 || resp.Status > 599 {
			t.Fatalf("ParseResult(%q): status %d", ret, resp.Status)
		}
		for k, vs := range resp.Header {
			if !validHeaderName(k) || k != http.CanonicalHeaderKey(k) {
				t.Fatalf("ParseResult(%q): header name %q", ret, k)
			}
			if ignoredHeaders[k] {
				t.Fatalf("ParseResult(%q): the function set %s, which the gateway owns", ret, k)
			}
			for _, v := range vs {
				if strings.ContainsAny(v, "\r\n\x00") {
					t.Fatalf("ParseResult(%q): header %s = %q holds CR, LF or NUL", ret, k, v)
				}
			}
		}
		// Whatever was accepted can be written as a response and read back
		// as the same response: no header splits, no body smuggled.
		rec := httptest.NewRecorder()
		for k, vs := range resp.Header {
			rec.Header()[k] = vs
		}
		rec.WriteHeader(resp.Status)
		rec.Write(resp.Body)
		if rec.Code != resp.Status || !bytes.Equal(rec.Body.Bytes(), resp.Body) {
			t.Fatalf("ParseResult(%q): written as %d %q", ret, rec.Code, rec.Body.Bytes())
		}
		// An integration response's body is its body field, decoded when
		// isBase64Encoded says so.
		// (Keys are matched exactly, as ParseResult does: no
		// case-insensitive struct decoding here.)
		var ir map[string]json.RawMessage
		if json.Unmarshal(ret, &ir) != nil {
			return
		}
		var sc json.Number
		if json.Unmarshal(ir["statusCode"], &sc) != nil {
			return
		}
		var isB64 any
		json.Unmarshal(ir["isBase64Encoded"], &isB64)
		var body string
		if json.Unmarshal(ir["body"], &body) != nil {
			return // a non-string body is sent as its JSON
		}
		want := []byte(body)
		if isB64 == true || isB64 == "true" {
			dec, err := base64.StdEncoding.DecodeString(body)
			if err != nil {
				t.Fatalf("ParseResult(%q) accepted a body that is not base64", ret)
			}
			want = dec
		}
		if !bytes.Equal(resp.Body, want) {
			t.Fatalf("ParseResult(%q): body %q, want %q", ret, resp.Body, want)
		}
	})
}

func FuzzBuildEvent(f *testing.F) {
	f.Add("POST", "/api/x", "a=1&a=2&b=%E4%BD%A0", "application/json", "X-Custom", "v", []byte(`{"k":1}`))
	f.Add("PUT", "/", "", "application/octet-stream", "Cookie", "a=b", []byte{0, 1, 2, 0xff})
	f.Add("GET", "/a/b", "%zz=%", "text/plain; charset=utf-8", "X-A", "", []byte("caf\xe9"))
	f.Add("PATCH", "/a", "k", "", "User-Agent", "curl/8", []byte(""))
	f.Add("DELETE", "/a", "=v&&x=", "application/x-www-form-urlencoded", "Accept", "*/*", []byte("a=1&b=2"))
	f.Fuzz(func(t *testing.T, method, p, rawQuery, ctype, hname, hval string, body []byte) {
		r := &http.Request{Method: method, URL: &url.URL{Path: p, RawQuery: rawQuery}, Header: http.Header{},
			Host: "env-1.service.localhost:9800", RemoteAddr: "127.0.0.1:5000"}
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		if validHeaderName(hname) {
			r.Header.Add(hname, hval)
		}
		raw, err := BuildEvent(r, "env-1", p, body, "req-1")
		if err != nil {
			t.Fatalf("BuildEvent: %v", err)
		}
		if !json.Valid(raw) {
			t.Fatalf("BuildEvent made invalid JSON: %q", raw)
		}
		if want := buildEventMarshal(t, r, "env-1", p, body, "req-1"); !bytes.Equal(raw, want) {
			t.Fatalf("BuildEvent wrote\n%s\nwhere json.Marshal writes\n%s", raw, want)
		}
		var ev integrationRequest
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		// The body round-trips: as text, or base64 when isBase64Encoded.
		got := []byte(ev.Body)
		if ev.IsBase64Encoded {
			if got, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
				t.Fatalf("isBase64Encoded but the body is not base64: %v", err)
			}
		} else if len(body) > 0 && (!utf8.Valid(body) || !textual(ctype)) {
			t.Fatalf("a binary body (%q, %q) was passed as text", ctype, body)
		}
		if !bytes.Equal(got, body) {
			t.Fatalf("body %q came back as %q (isBase64Encoded %v)", body, got, ev.IsBase64Encoded)
		}
		if ev.Path != p && utf8.ValidString(p) {
			t.Fatalf("path %q came back as %q", p, ev.Path)
		}
		if ev.HTTPMethod != method && utf8.ValidString(method) {
			t.Fatalf("method %q came back as %q", method, ev.HTTPMethod)
		}
		if ev.RequestContext.EnvID != "env-1" || ev.RequestContext.RequestID != "req-1" || ev.Headers["host"] != r.Host {
			t.Fatalf("requestContext %+v, headers %v", ev.RequestContext, ev.Headers)
		}
		for k := range ev.Headers {
			if k != strings.ToLower(k) {
				t.Fatalf("header name %q is not lower case", k)
			}
		}
		if validHeaderName(hname) && utf8.ValidString(hval) && !strings.EqualFold(hname, "host") &&
			!(ctype != "" && strings.EqualFold(hname, "content-type")) {
			if v := ev.Headers[strings.ToLower(hname)]; v != hval {
				t.Fatalf("header %s = %q came back as %q", hname, hval, v)
			}
		}
		// Every query parameter sent reaches the function.
		for _, kv := range strings.Split(rawQuery, "&") {
			if kv == "" {
				continue
			}
			k, _, _ := strings.Cut(kv, "=")
			if uk, err := url.QueryUnescape(k); err == nil {
				k = uk
			}
			if _, ok := ev.QueryStringParameters[k]; !ok && utf8.ValidString(k) {
				t.Fatalf("query parameter %q missing from %v", k, ev.QueryStringParameters)
			}
		}
	})
}

// buildEventMarshal is the integration request as json.Marshal writes
// integrationRequest: what BuildEvent writes by hand.
func buildEventMarshal(t *testing.T, r *http.Request, env, p string, body []byte, requestID string) []byte {
	ev := integrationRequest{Path: p, HTTPMethod: r.Method, Headers: map[string]string{}, QueryStringParameters: map[string]string{},
		RequestContext: requestContext{RequestID: requestID, EnvID: env, AppID: emulatorAppID, Uin: emulatorUin}}
	for k, vs := range r.Header {
		ev.Headers[strings.ToLower(k)] = strings.Join(vs, ",")
	}
	if r.Host != "" {
		ev.Headers["host"] = r.Host
	}
	if ip, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		ev.RequestContext.SourceIP = ip
	}
	q, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range q {
		ev.QueryStringParameters[k] = strings.Join(vs, ",")
	}
	if len(body) > 0 {
		if textual(r.Header.Get("Content-Type")) && utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	b, err := json.Marshal(&ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
