package cos

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// COS request signatures (q-sign-algorithm=sha1):
//
//	SignKey      = hex(HMAC-SHA1(SecretKey, q-key-time))
//	HttpString   = lower(method) \n path \n params \n headers \n
//	StringToSign = "sha1" \n q-sign-time \n hex(SHA1(HttpString)) \n
//	q-signature  = hex(HMAC-SHA1(SignKey, StringToSign))
//
// path is the request path as sent (decoded; it includes the bucket in
// path-style requests). params and headers are the entries named by
// q-url-param-list and q-header-list: names lower-cased and
// percent-encoded, values percent-encoded (every byte but A-Z a-z 0-9 - _ .
// ~), "name=value" joined by "&" in name order.

// MaxSkew is how far before its q-sign-time a signature is accepted (clock
// differences).
const MaxSkew = 15 * time.Minute

// MaxSignatureLife caps q-sign-time windows.
const MaxSignatureLife = 7 * 24 * time.Hour

// qsign is a parsed q-sign authorization.
type qsign struct {
	SecretID  string
	SignStart int64
	SignEnd   int64
	KeyTime   string
	SignTime  string
	Headers   []string
	Params    []string
	Signature string
	fromQuery bool
}

// parseQSign reads "q-sign-algorithm=sha1&q-ak=...&...".
func parseQSign(s string) (*qsign, error) {
	vals := map[string]string{}
	for _, part := range strings.Split(strings.TrimSpace(s), "&") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("the authorization has a malformed part %q", part)
		}
		if _, dup := vals[k]; dup {
			return nil, fmt.Errorf("the authorization repeats %s", k)
		}
		vals[k] = v
	}
	return qsignFrom(func(k string) (string, bool) { v, ok := vals[k]; return v, ok })
}

func qsignFrom(get func(string) (string, bool)) (*qsign, error) {
	if alg, _ := get("q-sign-algorithm"); alg != "sha1" {
		return nil, fmt.Errorf("q-sign-algorithm must be sha1, got %q", alg)
	}
	q := &qsign{}
	var ok bool
	for _, f := range []struct {
		name string
		dst  *string
	}{{"q-ak", &q.SecretID}, {"q-sign-time", &q.SignTime}, {"q-key-time", &q.KeyTime}, {"q-signature", &q.Signature}} {
		if *f.dst, ok = get(f.name); !ok || *f.dst == "" {
			return nil, fmt.Errorf("the authorization lacks %s", f.name)
		}
	}
	start, end, err := parseWindow(q.SignTime)
	if err != nil {
		return nil, fmt.Errorf("q-sign-time: %v", err)
	}
	if _, _, err := parseWindow(q.KeyTime); err != nil {
		return nil, fmt.Errorf("q-key-time: %v", err)
	}
	q.SignStart, q.SignEnd = start, end
	if len(q.Signature) != 40 || strings.Trim(q.Signature, "0123456789abcdef") != "" {
		return nil, fmt.Errorf("q-signature is not 40 hex digits")
	}
	hl, _ := get("q-header-list")
	pl, _ := get("q-url-param-list")
	q.Headers = splitList(hl)
	q.Params = splitList(pl)
	return q, nil
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.ToLower(s), ";")
}

func parseWindow(s string) (int64, int64, error) {
	a, b, ok := strings.Cut(s, ";")
	if !ok {
		return 0, 0, fmt.Errorf("%q is not START;END", s)
	}
	start, err1 := strconv.ParseInt(a, 10, 64)
	end, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || start < 0 || end < start {
		return 0, 0, fmt.Errorf("%q is not START;END in Unix seconds", s)
	}
	return start, end, nil
}

// signErr is a signature failure with its COS code.
type signErr struct {
	Code string
	Msg  string
}

func (e *signErr) Error() string { return e.Code + ": " + e.Msg }

// checkTime verifies the signature's validity window at now.
func (q *qsign) checkTime(now time.Time) *signErr {
	t := now.Unix()
	if t > q.SignEnd {
		return &signErr{"AccessDenied", fmt.Sprintf("Request has expired (the signature was valid until %s)", time.Unix(q.SignEnd, 0).UTC().Format(time.RFC3339))}
	}
	if time.Duration(q.SignStart-t)*time.Second > MaxSkew {
		return &signErr{"RequestTimeTooSkewed", "The difference between the request time and the server's time is too large (q-sign-time starts in the future)."}
	}
	if time.Duration(q.SignEnd-q.SignStart)*time.Second > MaxSignatureLife {
		return &signErr{"AccessDenied", fmt.Sprintf("q-sign-time spans more than %s", MaxSignatureLife)}
	}
	return nil
}

// cosEscape percent-encodes every byte but the unreserved ones, upper-case
// hex, as encodeURIComponent plus !'()* does.
func cosEscape(s string) string {
	const hexd = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', hexd[c>>4], hexd[c&15])
		}
	}
	return string(b)
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
}

// formatPairs renders the signed name=value list: names (already
// lower-case, encoded) in order, each name's values sorted.
func formatPairs(names []string, values func(name string) []string) string {
	uniq := append([]string(nil), names...)
	sort.Strings(uniq)
	var out []string
	prev := ""
	for i, n := range uniq {
		if i > 0 && n == prev {
			continue
		}
		prev = n
		vs := append([]string(nil), values(n)...)
		if len(vs) == 0 {
			vs = []string{""}
		}
		for j := range vs {
			vs[j] = cosEscape(vs[j])
		}
		sort.Strings(vs)
		for _, v := range vs {
			out = append(out, n+"="+v)
		}
	}
	return strings.Join(out, "&")
}

// signature computes q-signature.
func signature(secretKey, keyTime, signTime, httpString string) string {
	m := hmac.New(sha1.New, []byte(secretKey))
	m.Write([]byte(keyTime))
	signKey := hex.EncodeToString(m.Sum(nil))
	h := sha1.Sum([]byte(httpString))
	sts := "sha1\n" + signTime + "\n" + hex.EncodeToString(h[:]) + "\n"
	m = hmac.New(sha1.New, []byte(signKey))
	m.Write([]byte(sts))
	return hex.EncodeToString(m.Sum(nil))
}

// sigParams are the query parameters of a presigned URL that carry the
// signature itself.
var sigParams = map[string]bool{
	"q-sign-algorithm": true, "q-ak": true, "q-sign-time": true, "q-key-time": true,
	"q-header-list": true, "q-url-param-list": true, "q-signature": true, "sign": true,
}

// queryValues maps the encoded lower-case names of r's query to values.
func queryValues(q url.Values) map[string][]string {
	out := make(map[string][]string, len(q))
	for k, vs := range q {
		n := strings.ToLower(cosEscape(k))
		out[n] = append(out[n], vs...)
	}
	return out
}

// httpString is the canonical request of r for q.
func (q *qsign) httpString(r *http.Request, path string) string {
	params := queryValues(r.URL.Query())
	header := func(name string) []string {
		switch name {
		case "host":
			return []string{r.Host}
		case "content-length":
			if vs := r.Header.Values("Content-Length"); len(vs) > 0 {
				return vs
			}
			if r.ContentLength >= 0 {
				return []string{strconv.FormatInt(r.ContentLength, 10)}
			}
		case "transfer-encoding":
			if vs := r.Header.Values("Transfer-Encoding"); len(vs) > 0 {
				return vs
			}
			if len(r.TransferEncoding) > 0 {
				return []string{strings.Join(r.TransferEncoding, ",")}
			}
		}
		var vs []string
		for k, v := range r.Header {
			if strings.ToLower(cosEscape(k)) == name {
				vs = append(vs, v...)
			}
		}
		return vs
	}
	return strings.ToLower(r.Method) + "\n" + path + "\n" +
		formatPairs(q.Params, func(n string) []string { return params[n] }) + "\n" +
		formatPairs(q.Headers, header) + "\n"
}

// verify checks q's signature over r with secretKey.
func (q *qsign) verify(r *http.Request, secretKey string) bool {
	want := signature(secretKey, q.KeyTime, q.SignTime, q.httpString(r, r.URL.Path))
	return hmac.Equal([]byte(want), []byte(q.Signature))
}

// unsignedParams lists the query parameters a presigned URL carries beyond
// its signature that the signature does not cover.
func (q *qsign) unsignedParams(query url.Values) []string {
	signed := map[string]bool{}
	for _, p := range q.Params {
		signed[p] = true
	}
	var out []string
	for k := range query {
		n := strings.ToLower(cosEscape(k))
		if sigParams[n] || n == "x-cos-security-token" || signed[n] {
			continue
		}
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// authString renders a q-sign authorization.
func authString(secretID, window string, headers, params []string, sig string) string {
	return "q-sign-algorithm=sha1&q-ak=" + secretID + "&q-sign-time=" + window + "&q-key-time=" + window +
		"&q-header-list=" + strings.Join(headers, ";") + "&q-url-param-list=" + strings.Join(params, ";") +
		"&q-signature=" + sig
}

// mint signs method and path (no headers, no parameters) for the window
// [from, until], as the platform does for the upload and download
// credentials it hands to clients.
func mint(secretID, secretKey, method, path string, from, until time.Time) string {
	window := fmt.Sprintf("%d;%d", from.Unix(), until.Unix())
	sig := signature(secretKey, window, window, strings.ToLower(method)+"\n"+path+"\n\n\n")
	return authString(secretID, window, nil, nil, sig)
}
