package sdkapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tcb-go/tcb/pkg/emulator/tc3"
)

// The server SDKs sign /admin requests with @cloudbase/signature-nodejs: the
// TC3-HMAC-SHA256 key derivation of the Cloud API (service "tcb"), over a
// canonical request of their own:
//
//	post                                   the method as sent by the SDK, lower case
//	//host[:port]/admin                    the URL without scheme and query
//	env=...&seqId=...                      the raw query
//	name:value\n ...                       every signed header, value lower-cased
//	                                       (content-type as is), then an empty line
//	name;name;...                          the signed header names
//	sha256(&key=value\r\n ...)             over the signed body parameters
//
// The payload hash covers the body's top-level keys (lower-cased) in the
// order the Authorization header lists as SignedParams: a string value as
// the string, trimmed; any other value as its JSON text, exactly as sent.
// Keys whose value is the empty string are not signed; every other key of
// the body must be.

// MaxSkew bounds how far X-Timestamp may be in the future; how far in the
// past is X-Signature-Expires, at most MaxExpires.
const (
	MaxSkew    = 5 * time.Minute
	MaxExpires = 10 * time.Minute
)

type authorization struct {
	secretID      string
	date          string
	service       string
	signedParams  []string
	signedHeaders []string
	signature     string
}

// parseAuthorization reads
// "TC3-HMAC-SHA256 Credential=ID/DATE/tcb/tc3_request, SignedParams=a;b,
// SignedHeaders=h;i, Signature=HEX" (SignedParams optional).
func parseAuthorization(v string) (*authorization, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(v), tc3.Algorithm+" ")
	if !ok {
		if strings.HasPrefix(v, "Bearer ") {
			return nil, fmt.Errorf("API key (Bearer) authentication is not supported by the emulator: sign with the key pair the function gets (TENCENTCLOUD_SECRETID/SECRETKEY)")
		}
		return nil, fmt.Errorf("the Authorization header is not a %s signature", tc3.Algorithm)
	}
	a := &authorization{}
	seen := map[string]bool{}
	for _, part := range strings.Split(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || seen[k] {
			return nil, fmt.Errorf("the Authorization header has a malformed or repeated part %q", part)
		}
		seen[k] = true
		switch k {
		case "Credential":
			f := strings.Split(val, "/")
			if len(f) != 4 || f[0] == "" || f[3] != "tc3_request" || !isDate(f[1]) {
				return nil, fmt.Errorf("the Authorization Credential %q is not ID/YYYY-MM-DD/service/tc3_request", val)
			}
			a.secretID, a.date, a.service = f[0], f[1], f[2]
		case "SignedParams":
			if val != "" {
				a.signedParams = strings.Split(val, ";")
			}
		case "SignedHeaders":
			a.signedHeaders = strings.Split(val, ";")
		case "Signature":
			if len(val) != 64 || strings.Trim(val, "0123456789abcdef") != "" {
				return nil, fmt.Errorf("the Authorization Signature is not 64 hex digits")
			}
			a.signature = val
		default:
			return nil, fmt.Errorf("the Authorization header has an unknown part %q", k)
		}
	}
	if a.secretID == "" || a.signature == "" || len(a.signedHeaders) == 0 {
		return nil, fmt.Errorf("the Authorization header lacks Credential, SignedHeaders or Signature")
	}
	has := map[string]bool{}
	for _, h := range a.signedHeaders {
		has[h] = true
	}
	if !has["host"] || !has["content-type"] {
		return nil, fmt.Errorf("SignedHeaders must include content-type and host")
	}
	return a, nil
}

func isDate(s string) bool {
	_, err := time.Parse("2006-01-02", s)
	return err == nil && len(s) == 10
}

// signedParamValues returns each body key's signing value, by lower-cased
// key: strings decoded and trimmed, other values as their raw JSON.
func signedParamValues(body map[string]json.RawMessage) (map[string]string, error) {
	out := make(map[string]string, len(body))
	for k, raw := range body {
		var v string
		if len(raw) > 0 && raw[0] == '"' {
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, err
			}
		} else {
			v = string(raw)
		}
		key := strings.ToLower(strings.TrimSpace(k))
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("the body has two keys named %q (ignoring case)", key)
		}
		out[key] = strings.TrimSpace(v)
	}
	return out, nil
}

// payloadHash hashes the signed parameters in the order given and checks
// that no non-empty parameter is left unsigned.
func payloadHash(values map[string]string, order []string) (string, error) {
	signed := map[string]bool{}
	h := sha256.New()
	for _, k := range order {
		if signed[k] {
			return "", fmt.Errorf("SignedParams names %q twice", k)
		}
		signed[k] = true
		v, ok := values[k]
		if !ok || v == "" {
			continue
		}
		h.Write([]byte("&" + k + "="))
		h.Write([]byte(v))
		h.Write([]byte("\r\n"))
	}
	var unsigned []string
	for k, v := range values {
		if v != "" && !signed[k] {
			unsigned = append(unsigned, k)
		}
	}
	if len(unsigned) > 0 {
		sort.Strings(unsigned)
		return "", fmt.Errorf("body parameters %s are not signed (SignedParams)", strings.Join(unsigned, ", "))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// canonicalRequest builds the SDK's canonical request for r.
func canonicalRequest(r *http.Request, a *authorization, hashedPayload string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(r.Method))
	b.WriteString("\n//")
	b.WriteString(r.Host)
	b.WriteString(r.URL.EscapedPath())
	b.WriteByte('\n')
	b.WriteString(r.URL.RawQuery)
	b.WriteByte('\n')
	for _, name := range a.signedHeaders {
		var v string
		if name == "host" {
			v = r.Host
		} else {
			v = r.Header.Get(name)
		}
		if name != "content-type" {
			v = strings.ToLower(strings.TrimSpace(v))
		} else if strings.HasPrefix(v, "multipart/form-data") {
			v = "multipart/form-data"
		}
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(v)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(a.signedHeaders, ";"))
	b.WriteByte('\n')
	b.WriteString(hashedPayload)
	return b.String()
}

// signatureTimestamp reads X-Timestamp and X-Signature-Expires and checks
// the request is neither from the future nor past its expiry.
func signatureTimestamp(r *http.Request, now time.Time) (int64, error) {
	ts, err := strconv.ParseInt(r.Header.Get("X-Timestamp"), 10, 64)
	if err != nil || ts <= 0 {
		return 0, fmt.Errorf("the X-Timestamp header is missing or not a Unix time")
	}
	expires := MaxExpires
	if v := r.Header.Get("X-Signature-Expires"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("X-Signature-Expires %q is not a positive number of seconds", v)
		}
		expires = min(time.Duration(n)*time.Second, MaxExpires)
	}
	t := time.Unix(ts, 0)
	if t.After(now.Add(MaxSkew)) {
		return 0, fmt.Errorf("the signature's timestamp %d is in the future", ts)
	}
	if now.Sub(t) > expires {
		return 0, fmt.Errorf("the signature expired: signed at %d, valid for %s", ts, expires)
	}
	return ts, nil
}

// verifySignature checks the signature with secretKey.
func verifySignature(r *http.Request, a *authorization, ts int64, secretKey, hashedPayload string) bool {
	if want := time.Unix(ts, 0).UTC().Format("2006-01-02"); a.date != want {
		return false
	}
	sig := tc3.Signature(secretKey, a.service, ts, canonicalRequest(r, a, hashedPayload))
	return hmac.Equal([]byte(sig), []byte(a.signature))
}

// Sign signs r and returns the body to send, as @cloudbase/signature-nodejs
// does for the server SDKs: every header already set on r (and host) is
// signed, so is every body parameter that is not the empty string. It
// exists for tests and benchmarks that need a signed /admin request
// without Node.
func Sign(r *http.Request, body map[string]any, secretID, secretKey string, ts int64) []byte {
	raw, _ := json.Marshal(body)
	var params map[string]json.RawMessage
	json.Unmarshal(raw, &params)
	values, _ := signedParamValues(params)
	var keys []string
	for k, v := range values {
		if v != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	hash, _ := payloadHash(values, keys)
	headers := []string{"host"}
	for name := range r.Header {
		headers = append(headers, strings.ToLower(name))
	}
	sort.Strings(headers)
	a := &authorization{signedParams: keys, signedHeaders: headers}
	sig := tc3.Signature(secretKey, "tcb", ts, canonicalRequest(r, a, hash))
	date := time.Unix(ts, 0).UTC().Format("2006-01-02")
	r.Header.Set("Authorization", fmt.Sprintf("%s Credential=%s/%s/tcb/tc3_request, SignedParams=%s, SignedHeaders=%s, Signature=%s",
		tc3.Algorithm, secretID, date, strings.Join(keys, ";"), strings.Join(headers, ";"), sig))
	r.Header.Set("X-Timestamp", strconv.FormatInt(ts, 10))
	r.Header.Set("X-Signature-Expires", "600")
	return raw
}
