package cos

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tcb-go/tcb/pkg/emulator/creds"
)

// POST Object: an HTML form (multipart/form-data) whose fields come before
// the file. The form signs itself in one of two ways:
//
//   - policy: fields policy (base64 JSON), q-sign-algorithm=sha1, q-ak,
//     q-key-time and q-signature = hex(HMAC-SHA1(hex(HMAC-SHA1(SecretKey,
//     q-key-time)), hex(SHA1(policy JSON)))); the policy's expiration and
//     conditions ({"field": value}, ["eq"|"starts-with", "$field", value],
//     ["content-length-range", min, max]) are enforced;
//   - Signature: a q-sign authorization of the POST request (method,
//     path), as /tcb/uploadfile hands it out.
//
// Temporary keys add x-cos-security-token. The key is the form's key field
// (${filename} is replaced by the file's name), or the path the form was
// posted to.

type postForm struct {
	fields map[string]string // lower-case names
	names  map[string]string // lower-case -> as sent
}

func (f *postForm) get(name string) string { return f.fields[strings.ToLower(name)] }

func (f *postForm) has(name string) bool { _, ok := f.fields[strings.ToLower(name)]; return ok }

func (m *Module) postObject(c *reqCtx) {
	r := c.r
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		discardN(r.Body, 64<<10)
		c.fail(errf(http.StatusBadRequest, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data."))
		return
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	form := &postForm{fields: map[string]string{}, names: map[string]string{}}
	budget := int64(MaxFormFields)
	var file *multipart.Part
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			c.fail(errf(http.StatusBadRequest, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data: %v", err))
			return
		}
		name := p.FormName()
		if strings.EqualFold(name, "file") {
			file = p
			break
		}
		v, err := io.ReadAll(io.LimitReader(p, budget+1))
		if err != nil {
			c.fail(errf(http.StatusBadRequest, "MalformedPOSTRequest", "Reading the form failed: %v", err))
			return
		}
		budget -= int64(len(v))
		if budget < 0 {
			c.fail(errf(http.StatusBadRequest, "MaxPostPreDataLengthExceeded", "Your POST request fields preceding the upload file were too large (over %d bytes).", MaxFormFields))
			return
		}
		form.fields[strings.ToLower(name)] = string(v)
		form.names[strings.ToLower(name)] = name
	}
	if file == nil {
		c.fail(errf(http.StatusBadRequest, "MalformedPOSTRequest", "POST requires exactly one file upload per request (a field named file, after the other fields)."))
		return
	}
	key := c.key
	if fk := form.get("key"); fk != "" {
		fk = strings.ReplaceAll(fk, "${filename}", file.FileName())
		fk = strings.TrimPrefix(fk, "/")
		if key != "" && fk != key {
			c.fail(errf(http.StatusBadRequest, "InvalidArgument", "The form's key %q differs from the path it was posted to (%q).", fk, key))
			return
		}
		key = fk
	}
	if key == "" {
		c.fail(errf(http.StatusBadRequest, "InvalidArgument", "Bucket POST must contain a field named 'key'."))
		return
	}
	if e := checkKey(key); e != nil {
		c.fail(e)
		return
	}
	c.key = key
	minLen, maxLen := int64(0), int64(MaxPutSize)
	p, e := m.postAuth(c, form, key, &minLen, &maxLen)
	if e != nil {
		c.fail(e)
		return
	}
	c.p = p
	headers := map[string]string{}
	for _, k := range keptHeaders {
		if v := form.get(k); v != "" {
			headers[k] = v
		}
	}
	for lk, v := range form.fields {
		if strings.HasPrefix(lk, "x-cos-meta-") {
			headers[http.CanonicalHeaderKey(form.names[lk])] = v
		}
	}
	if len(headers) == 0 {
		headers = nil
	}
	acl := ""
	switch v := form.get("x-cos-acl"); v {
	case "", "default":
	case "private", "public-read":
		acl = v
	default:
		c.fail(errf(http.StatusBadRequest, "InvalidArgument", "x-cos-acl %q is not supported.", v))
		return
	}
	ctype := form.get("Content-Type")
	if ft := file.Header.Get("Content-Type"); ctype == "" && ft != "" && ft != "application/octet-stream" {
		ctype = ft
	}
	wr, err := m.blobs.write(c.bodyOf(file), maxLen)
	if err != nil {
		c.failWrite(err)
		return
	}
	if wr.Size < minLen {
		m.blobs.remove([]segment{{Blob: wr.Blob}})
		c.fail(errf(http.StatusBadRequest, "EntityTooSmall", "Your proposed upload is smaller than the policy allows (%d bytes).", minLen))
		return
	}
	o := &object{Size: wr.Size, ETag: hex.EncodeToString(wr.MD5), CRC: wr.CRC, Modified: m.now().UnixNano(),
		Type: contentType(ctype, key), Headers: headers, ACL: acl, Owner: c.creator(), Segs: []segment{{Blob: wr.Blob, Size: wr.Size}}}
	if err := m.commit(c.t.Bucket, key, o); err != nil {
		c.fail(errInternal(err))
		return
	}
	m.puts.Add(1)
	m.bytesIn.Add(wr.Size)
	location := "http://" + r.Host + "/" + escapePath(key)
	if c.pathStyle {
		location = "http://" + r.Host + "/" + c.t.Bucket + "/" + escapePath(key)
	}
	h := c.w.Header()
	h.Set("ETag", `"`+o.ETag+`"`)
	h.Set("Location", location)
	h.Set("x-cos-hash-crc64ecma", strconv.FormatUint(o.CRC, 10))
	if redirect := form.get("success_action_redirect"); redirect != "" {
		if u, err := url.Parse(redirect); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
			q := u.Query()
			q.Set("bucket", c.t.Bucket)
			q.Set("key", key)
			q.Set("etag", `"`+o.ETag+`"`)
			u.RawQuery = q.Encode()
			http.Redirect(c.w, r, u.String(), http.StatusSeeOther)
			return
		}
	}
	switch form.get("success_action_status") {
	case "200":
		c.w.WriteHeader(http.StatusOK)
	case "201":
		writeXMLStatus(c.w, http.StatusCreated, struct {
			XMLName  xml.Name `xml:"PostResponse"`
			Location string   `xml:"Location"`
			Bucket   string   `xml:"Bucket"`
			Key      string   `xml:"Key"`
			ETag     string   `xml:"ETag"`
		}{Location: location, Bucket: c.t.Bucket, Key: key, ETag: `"` + o.ETag + `"`})
	default:
		c.w.WriteHeader(http.StatusNoContent)
	}
}

// bodyOf wraps a form's file part like c.body().
func (c *reqCtx) bodyOf(rd io.Reader) io.Reader {
	if c.r.ContentLength < 0 {
		return &bodyReader{r: rd, rc: http.NewResponseController(c.w), next: 1 << 20}
	}
	return rd
}

// postAuth checks the form's signature and policy.
func (m *Module) postAuth(c *reqCtx, form *postForm, key string, minLen, maxLen *int64) (*creds.Principal, *cosError) {
	token := form.get("x-cos-security-token")
	switch {
	case form.has("q-signature"):
		q, err := qsignFrom(func(k string) (string, bool) {
			if k == "q-sign-time" {
				k = "q-key-time"
			}
			v, ok := form.fields[k]
			return v, ok
		})
		if err != nil {
			return nil, errAccessDenied("The form's signature is malformed: %v.", err)
		}
		raw, err := base64.StdEncoding.DecodeString(form.get("policy"))
		if err != nil || len(raw) == 0 {
			return nil, errf(http.StatusBadRequest, "InvalidPolicyDocument", "The form's policy is missing or not base64.")
		}
		p, e := m.checkSigned(q, token, c.t, func(secretKey string) bool {
			mk := hmac.New(sha1.New, []byte(secretKey))
			mk.Write([]byte(q.KeyTime))
			signKey := hex.EncodeToString(mk.Sum(nil))
			sum := sha1.Sum(raw)
			ms := hmac.New(sha1.New, []byte(signKey))
			ms.Write([]byte(hex.EncodeToString(sum[:])))
			return hmac.Equal([]byte(hex.EncodeToString(ms.Sum(nil))), []byte(q.Signature))
		}, nil)
		if e != nil {
			return nil, e
		}
		if e := checkPolicy(raw, form, c.t.Bucket, key, m.now(), minLen, maxLen); e != nil {
			return nil, e
		}
		return p, nil
	case form.has("Signature"):
		q, err := parseQSign(form.get("Signature"))
		if err != nil {
			return nil, errAccessDenied("The form's Signature is malformed: %v.", err)
		}
		return m.checkSigned(q, token, c.t, func(secretKey string) bool { return q.verify(c.r, secretKey) }, nil)
	}
	return nil, errAccessDenied("Access Denied: the form carries no signature (policy and q-signature, or Signature).")
}

// checkPolicy enforces a POST policy document.
func checkPolicy(raw []byte, form *postForm, bucket, key string, now time.Time, minLen, maxLen *int64) *cosError {
	var pol struct {
		Expiration string            `json:"expiration"`
		Conditions []json.RawMessage `json:"conditions"`
	}
	bad := func(format string, a ...any) *cosError {
		return errf(http.StatusBadRequest, "InvalidPolicyDocument", "Invalid Policy: "+format, a...)
	}
	if err := json.Unmarshal(raw, &pol); err != nil {
		return bad("not a JSON object: %v", err)
	}
	exp, err := time.Parse(time.RFC3339, pol.Expiration)
	if err != nil {
		return bad("expiration %q is not an ISO 8601 time", pol.Expiration)
	}
	if now.After(exp) {
		return errAccessDenied("Invalid according to Policy: Policy expired.")
	}
	value := func(field string) string {
		switch strings.ToLower(strings.TrimPrefix(field, "$")) {
		case "bucket":
			return bucket
		case "key":
			return key
		}
		return form.get(strings.TrimPrefix(field, "$"))
	}
	for _, c := range pol.Conditions {
		var obj map[string]string
		if json.Unmarshal(c, &obj) == nil {
			for k, v := range obj {
				if value(k) != v {
					return errAccessDenied("Invalid according to Policy: Policy Condition failed: [\"eq\", \"$%s\", %q]", k, v)
				}
			}
			continue
		}
		var arr []json.RawMessage
		if json.Unmarshal(c, &arr) != nil || len(arr) != 3 {
			return bad("a condition is neither an object nor a 3-element array: %s", c)
		}
		var op string
		json.Unmarshal(arr[0], &op)
		switch strings.ToLower(op) {
		case "content-length-range":
			var lo, hi int64
			if json.Unmarshal(arr[1], &lo) != nil || json.Unmarshal(arr[2], &hi) != nil || lo < 0 || hi < lo {
				return bad("content-length-range needs two sizes")
			}
			*minLen, *maxLen = max(*minLen, lo), min(*maxLen, hi)
		case "eq", "starts-with":
			var field, want string
			if json.Unmarshal(arr[1], &field) != nil || json.Unmarshal(arr[2], &want) != nil {
				return bad("%s needs a field and a string", op)
			}
			got := value(field)
			if op == "eq" && got != want || op == "starts-with" && !strings.HasPrefix(got, want) {
				return errAccessDenied("Invalid according to Policy: Policy Condition failed: [%q, %q, %q]", op, field, want)
			}
		default:
			return bad("unsupported condition %q", op)
		}
	}
	return nil
}

func writeXMLStatus(w http.ResponseWriter, status int, v any) {
	b, _ := xml.Marshal(v)
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", fmt.Sprint(len(xml.Header)+len(b)))
	w.WriteHeader(status)
	w.Write([]byte(xml.Header))
	w.Write(b)
}

// escapePath percent-encodes a key for a URL path, keeping '/'.
func escapePath(key string) string {
	parts := strings.Split(key, "/")
	for i, p := range parts {
		parts[i] = cosEscape(p)
	}
	return strings.Join(parts, "/")
}
