// Package tc3 verifies Tencent Cloud API 3.0 request signatures
// (TC3-HMAC-SHA256) the way the real gateway does: the payload hash is taken
// over the raw body bytes, the timestamp may be at most five minutes off, the
// credential scope's date must be the timestamp's UTC date, and the
// signature is compared in constant time.
//
// The canonical host is the Host header as sent, or that header without its
// port: real endpoints never carry a port, so some correct clients
// (Tencent's Node SDK, @cloudbase/manager-node) sign the bare hostname while
// their Host header, pointed at the emulator, says host:port. Both forms
// name the same host the client connected to; nothing else is relaxed. It also signs, so tests can build
// requests without the SDK and check the two implementations against each
// other.
package tc3

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Algorithm is the only signing algorithm accepted.
const Algorithm = "TC3-HMAC-SHA256"

// MaxSkew is how far X-TC-Timestamp may be from the server clock.
const MaxSkew = 5 * time.Minute

// Error is a verification failure with the API error code to answer.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Authorization is a parsed Authorization header.
type Authorization struct {
	SecretID      string
	Date          string
	Service       string
	SignedHeaders []string
	Signature     string
}

// Scope returns "<date>/<service>/tc3_request".
func (a *Authorization) Scope() string { return a.Date + "/" + a.Service + "/tc3_request" }

// authPattern is compiled on first use, not when tcb starts.
var authPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^TC3-HMAC-SHA256 Credential=([^/\s,]*)/(\d{4}-\d{2}-\d{2})/([A-Za-z0-9_.:\[\]-]+)/tc3_request,\s*SignedHeaders=([a-z0-9;._-]+),\s*Signature=([0-9a-f]{64})$`)
})

// ParseAuthorization parses the header value.
func ParseAuthorization(v string) (*Authorization, *Error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, &Error{"AuthFailure.InvalidAuthorization", "The Authorization header is missing."}
	}
	m := authPattern().FindStringSubmatch(v)
	if m == nil {
		return nil, &Error{"AuthFailure.InvalidAuthorization", "The Authorization header does not follow the TC3-HMAC-SHA256 format."}
	}
	a := &Authorization{SecretID: m[1], Date: m[2], Service: m[3], SignedHeaders: strings.Split(m[4], ";"), Signature: m[5]}
	has := map[string]bool{}
	for _, h := range a.SignedHeaders {
		has[h] = true
	}
	if !has["content-type"] || !has["host"] {
		return nil, &Error{"AuthFailure.InvalidAuthorization", "SignedHeaders must include content-type and host."}
	}
	if a.SecretID == "" {
		return nil, &Error{"AuthFailure.InvalidSecretId", "The SecretId is empty."}
	}
	return a, nil
}

// KeyLookup returns the SecretKey of a SecretId.
type KeyLookup func(secretID string) (secretKey string, ok bool)

// Verified is what a successful verification learned.
type Verified struct {
	Auth      *Authorization
	Timestamp int64
}

// Verify checks r (whose raw body is body) against the keys. It checks, in
// order: the Authorization header's shape, the SecretId, the timestamp
// skew, the scope date (Precheck), and the signature itself.
func Verify(r *http.Request, body []byte, now time.Time, lookup KeyLookup) (*Verified, *Error) {
	auth, ts, key, perr := precheck(r, now, lookup)
	if perr != nil {
		return nil, perr
	}
	for _, host := range canonicalHosts(r.Host) {
		sig := Signature(key, auth.Service, ts, canonicalRequest(r, host, body, auth.SignedHeaders))
		if hmac.Equal([]byte(sig), []byte(auth.Signature)) {
			return &Verified{Auth: auth, Timestamp: ts}, nil
		}
	}
	return nil, &Error{"AuthFailure.SignatureFailure", "The provided credentials could not be validated. Please check your signature is correct."}
}

// Precheck does every check of Verify that needs no body: a server calls
// it before reading the body, so that requests with unknown keys or stale
// timestamps cost no memory.
func Precheck(r *http.Request, now time.Time, lookup KeyLookup) *Error {
	_, _, _, err := precheck(r, now, lookup)
	return err
}

func precheck(r *http.Request, now time.Time, lookup KeyLookup) (*Authorization, int64, string, *Error) {
	auth, perr := ParseAuthorization(r.Header.Get("Authorization"))
	if perr != nil {
		return nil, 0, "", perr
	}
	ts, terr := Timestamp(r)
	if terr != nil {
		return nil, 0, "", terr
	}
	key, ok := lookup(auth.SecretID)
	if !ok {
		return nil, 0, "", &Error{"AuthFailure.SecretIdNotFound", "The SecretId is not found, please ensure that your SecretId is correct."}
	}
	if d := now.Sub(time.Unix(ts, 0)); d > MaxSkew || d < -MaxSkew {
		return nil, 0, "", &Error{"AuthFailure.SignatureExpire", fmt.Sprintf("The request timestamp %d differs from the server time by more than five minutes.", ts)}
	}
	if want := time.Unix(ts, 0).UTC().Format("2006-01-02"); auth.Date != want {
		return nil, 0, "", &Error{"AuthFailure.SignatureFailure", fmt.Sprintf("The credential scope date %s is not the UTC date of the timestamp (%s).", auth.Date, want)}
	}
	return auth, ts, key, nil
}

// canonicalHosts are the host values a correct client may have signed: the
// Host header, and the same without its port when it has one.
func canonicalHosts(host string) []string {
	if h, port, err := net.SplitHostPort(host); err == nil && port != "" {
		if strings.Contains(h, ":") {
			h = "[" + h + "]" // an IPv6 literal keeps its brackets
		}
		return []string{host, h}
	}
	return []string{host}
}

// Timestamp reads X-TC-Timestamp.
func Timestamp(r *http.Request) (int64, *Error) {
	v := r.Header.Get("X-TC-Timestamp")
	if v == "" {
		return 0, &Error{"MissingParameter", "The request is missing the X-TC-Timestamp header."}
	}
	ts, err := strconv.ParseInt(v, 10, 64)
	if err != nil || ts <= 0 {
		return 0, &Error{"InvalidParameter", fmt.Sprintf("X-TC-Timestamp %q is not a Unix timestamp.", v)}
	}
	return ts, nil
}

// CanonicalRequest builds the canonical request of r for the given signed
// headers, hashing the raw body (or honouring X-TC-Content-SHA256:
// UNSIGNED-PAYLOAD).
func CanonicalRequest(r *http.Request, body []byte, signedHeaders []string) string {
	return canonicalRequest(r, r.Host, body, signedHeaders)
}

func canonicalRequest(r *http.Request, host string, body []byte, signedHeaders []string) string {
	query := ""
	if r.Method == http.MethodGet {
		query = r.URL.RawQuery
	}
	var hdrs strings.Builder
	for _, h := range signedHeaders {
		var v string
		if h == "host" {
			v = host
		} else {
			v = r.Header.Get(h)
		}
		hdrs.WriteString(h)
		hdrs.WriteByte(':')
		hdrs.WriteString(strings.ToLower(strings.TrimSpace(v)))
		hdrs.WriteByte('\n')
	}
	payload := body
	if r.Header.Get("X-TC-Content-SHA256") == "UNSIGNED-PAYLOAD" {
		payload = []byte("UNSIGNED-PAYLOAD")
	}
	return strings.Join([]string{
		r.Method, "/", query, hdrs.String(), strings.Join(signedHeaders, ";"), sha256Hex(payload),
	}, "\n")
}

// Signature computes the hex signature of a canonical request.
func Signature(secretKey, service string, ts int64, canonicalRequest string) string {
	date := time.Unix(ts, 0).UTC().Format("2006-01-02")
	scope := date + "/" + service + "/tc3_request"
	toSign := Algorithm + "\n" + strconv.FormatInt(ts, 10) + "\n" + scope + "\n" + sha256Hex([]byte(canonicalRequest))
	kDate := hmacSHA256([]byte("TC3"+secretKey), date)
	kService := hmacSHA256(kDate, service)
	kSigning := hmacSHA256(kService, "tc3_request")
	return hex.EncodeToString(hmacSHA256(kSigning, toSign))
}

// Sign adds X-TC-Timestamp and Authorization headers to r for body, signing
// content-type and host as the SDK does.
func Sign(r *http.Request, body []byte, secretID, secretKey, service string, ts int64) {
	r.Header.Set("X-TC-Timestamp", strconv.FormatInt(ts, 10))
	signed := []string{"content-type", "host"}
	sig := Signature(secretKey, service, ts, CanonicalRequest(r, body, signed))
	date := time.Unix(ts, 0).UTC().Format("2006-01-02")
	r.Header.Set("Authorization", fmt.Sprintf("%s Credential=%s/%s/%s/tc3_request, SignedHeaders=%s, Signature=%s",
		Algorithm, secretID, date, service, strings.Join(signed, ";"), sig))
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}
