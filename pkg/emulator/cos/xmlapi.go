package cos

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/tcb-go/tcb/pkg/emulator/creds"
	"github.com/tcb-go/tcb/pkg/emulator/unimpl"
)

// reqCtx is one COS request being served.
type reqCtx struct {
	m         *Module
	t         *target
	key       string
	pathStyle bool
	w         http.ResponseWriter
	r         *http.Request
	q         url.Values
	p         *creds.Principal // nil: anonymous
	// urlAuth: a download URL (sign=&t=) authorised this read.
	urlAuth bool
}

func (c *reqCtx) resource() string {
	return c.t.Bucket + ".cos." + c.t.Region() + ".myqcloud.com/" + c.key
}

func (c *reqCtx) fail(e *cosError) {
	c.m.log.Info("cos", "method", c.r.Method, "bucket", c.t.Bucket, "key", c.key, "status", e.Status, "code", e.Code)
	writeError(c.w, c.r, c.resource(), e)
}

// cosHandler serves the XML API of one bucket.
func (m *Module) cosHandler(t *target, key string, pathStyle bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rid := newRequestID()
		w.Header().Set("x-cos-request-id", rid)
		w.Header().Set("Server", "tencent-cos")
		c := &reqCtx{m: m, t: t, key: key, pathStyle: pathStyle, w: w, r: r, q: r.URL.Query()}
		if origin := r.Header.Get("Origin"); origin != "" {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Set("Access-Control-Expose-Headers", "ETag, Content-Length, x-cos-request-id, x-cos-hash-crc64ecma, x-cos-version-id")
			w.Header().Add("Vary", "Origin")
		}
		if r.Method == http.MethodOptions {
			c.preflight()
			return
		}
		if key != "" {
			if e := checkKey(key); e != nil {
				discardN(r.Body, 64<<10)
				c.fail(e)
				return
			}
		}
		// A POST form carries its own signature.
		if r.Method == http.MethodPost && !c.has("uploads") && !c.has("uploadId") && !c.has("delete") {
			m.postObject(c)
			return
		}
		if isTempURL(c.q) {
			if (r.Method != http.MethodGet && r.Method != http.MethodHead) || key == "" {
				discardN(r.Body, 64<<10)
				c.fail(errAccessDenied("A download URL only reads its file."))
				return
			}
			if e := m.checkTempURL(c.q, t.Bucket, key); e != nil {
				c.fail(e)
				return
			}
			c.urlAuth = true
		} else {
			p, e := m.authenticate(r, t)
			if e != nil {
				discardN(r.Body, 64<<10)
				c.fail(e)
				return
			}
			c.p = p
		}
		c.dispatch()
		m.log.Debug("cos", "method", r.Method, "bucket", t.Bucket, "key", key, "ms", time.Since(start).Milliseconds())
	})
}

func (c *reqCtx) has(name string) bool { _, ok := c.q[name]; return ok }

func (c *reqCtx) preflight() {
	h := c.w.Header()
	if c.r.Header.Get("Origin") == "" {
		c.fail(errf(http.StatusForbidden, "AccessForbidden", "CORS preflight without Origin."))
		return
	}
	h.Set("Access-Control-Allow-Methods", "GET, PUT, POST, DELETE, HEAD")
	if hs := c.r.Header.Get("Access-Control-Request-Headers"); hs != "" {
		h.Set("Access-Control-Allow-Headers", hs)
	}
	h.Set("Access-Control-Max-Age", "600")
	c.w.WriteHeader(http.StatusOK)
}

// dispatch picks the operation from the method, key and subresources.
func (c *reqCtx) dispatch() {
	r := c.r
	if c.p == nil && !((r.Method == http.MethodGet || r.Method == http.MethodHead) && c.key != "" && !c.has("acl") && !c.has("uploadId")) {
		discardN(r.Body, 64<<10)
		c.fail(errAccessDenied("Access Denied."))
		return
	}
	if c.key == "" {
		switch {
		case r.Method == http.MethodGet && c.has("uploads"):
			c.listUploads()
		case r.Method == http.MethodGet && c.has("acl"):
			c.getACL(nil)
		case r.Method == http.MethodGet && c.has("location"):
			writeXML(c.w, struct {
				XMLName xml.Name `xml:"LocationConstraint"`
				Region  string   `xml:",chardata"`
			}{Region: c.t.Region()})
		case r.Method == http.MethodGet && onlySubresources(c.q, listParams):
			c.listObjects()
		case r.Method == http.MethodHead && len(c.q) == 0:
			c.w.Header().Set("x-cos-bucket-region", c.t.Region())
			c.w.WriteHeader(http.StatusOK)
		case r.Method == http.MethodPost && c.has("delete"):
			c.deleteMulti()
		case r.Method == http.MethodPut && len(c.q) == 0:
			c.fail(errf(http.StatusConflict, "BucketAlreadyOwnedByYou", "The bucket %s exists: CloudBase creates an environment's buckets with it.", c.t.Bucket))
		case r.Method == http.MethodDelete && len(c.q) == 0:
			c.fail(errAccessDenied("The buckets of an environment are deleted with it (tcb env delete)."))
		default:
			c.unimplemented()
		}
		return
	}
	switch r.Method {
	case http.MethodPut:
		switch {
		case c.has("acl"):
			c.putACL()
		case c.has("partNumber") && c.has("uploadId"):
			if r.Header.Get("x-cos-copy-source") != "" {
				c.unimplemented()
				return
			}
			c.uploadPart()
		case len(c.q) == 0 && r.Header.Get("x-cos-copy-source") != "":
			c.copyObject()
		case len(c.q) == 0:
			c.putObject()
		default:
			c.unimplemented()
		}
	case http.MethodGet, http.MethodHead:
		switch {
		case c.has("acl") && r.Method == http.MethodGet:
			c.objectACL()
		case c.has("uploadId") && r.Method == http.MethodGet:
			c.listParts()
		case c.urlAuth || onlySubresources(c.q, getParams):
			c.getObject()
		default:
			c.unimplemented()
		}
	case http.MethodDelete:
		switch {
		case c.has("uploadId"):
			c.abortUpload()
		case len(c.q) == 0:
			c.deleteObject()
		default:
			c.unimplemented()
		}
	case http.MethodPost:
		switch {
		case c.has("uploads"):
			c.initiateUpload()
		case c.has("uploadId"):
			c.completeUpload()
		default:
			c.unimplemented()
		}
	default:
		c.fail(errf(http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource."))
	}
}

// listParams and getParams are the query parameters GET bucket and GET
// object take (besides signature parameters).
var (
	listParams = map[string]bool{"prefix": true, "delimiter": true, "marker": true, "max-keys": true, "encoding-type": true}
	getParams  = map[string]bool{"response-content-type": true, "response-content-language": true, "response-expires": true,
		"response-cache-control": true, "response-content-disposition": true, "response-content-encoding": true, "versionId": true}
)

func onlySubresources(q url.Values, allowed map[string]bool) bool {
	for k := range q {
		if !allowed[k] && !sigParams[strings.ToLower(k)] && strings.ToLower(k) != "x-cos-security-token" {
			return false
		}
	}
	return true
}

func (c *reqCtx) unimplemented() {
	var subs []string
	for k := range c.q {
		if !sigParams[strings.ToLower(k)] {
			subs = append(subs, k)
		}
	}
	name := c.r.Method + " COS"
	if c.key == "" {
		name += " bucket"
	} else {
		name += " object"
	}
	if len(subs) > 0 {
		name += " ?" + strings.Join(subs, "&")
	}
	if c.m.h.Unimplemented != nil {
		c.m.h.Unimplemented.Record(unimpl.KindPath, name, c.r.UserAgent())
	}
	discardN(c.r.Body, 64<<10)
	c.fail(errf(http.StatusNotImplemented, "NotImplemented", "The emulator does not implement %s.", name))
}

// authenticate checks the request's signature (header or query); it
// returns nil for an unsigned request.
func (m *Module) authenticate(r *http.Request, t *target) (*creds.Principal, *cosError) {
	var q *qsign
	var err error
	query := r.URL.Query()
	switch {
	case r.Header.Get("Authorization") != "":
		q, err = parseQSign(r.Header.Get("Authorization"))
	case query.Get("q-sign-algorithm") != "":
		q, err = qsignFrom(func(k string) (string, bool) {
			vs, ok := query[k]
			if !ok || len(vs) != 1 {
				return "", false
			}
			return vs[0], true
		})
		if q != nil {
			q.fromQuery = true
		}
	case query.Get("sign") != "":
		q, err = parseQSign(query.Get("sign"))
		if q != nil {
			q.fromQuery = true
		}
	default:
		return nil, nil
	}
	if err != nil {
		return nil, errAccessDenied("The authorization is malformed: %v.", err)
	}
	token := r.Header.Get("x-cos-security-token")
	if token == "" {
		token = query.Get("x-cos-security-token")
	}
	return m.checkSigned(q, token, t, func(secretKey string) bool { return q.verify(r, secretKey) }, query)
}

// checkSigned checks a parsed signature: time window, key, the signature
// itself (verify), unsigned query parameters of presigned URLs, and that
// temporary keys stay in their environment.
func (m *Module) checkSigned(q *qsign, token string, t *target, verify func(secretKey string) bool, query url.Values) (*creds.Principal, *cosError) {
	if e := q.checkTime(m.now()); e != nil {
		return nil, errf(http.StatusForbidden, e.Code, "%s", e.Msg)
	}
	if m.h.Credentials == nil {
		return nil, errAccessDenied("no credentials are configured")
	}
	p, cerr := m.h.Credentials.Lookup(q.SecretID, token)
	if cerr != nil {
		if cerr.Code == "AuthFailure.SecretIdNotFound" {
			return nil, errf(http.StatusForbidden, "InvalidAccessKeyId", "The Access Key Id you provided does not exist in our records.")
		}
		return nil, errf(http.StatusForbidden, "InvalidAccessKeyId", "%s", cerr.Message)
	}
	if !m.h.Options.Lenient && !verify(p.SecretKey) {
		return nil, errf(http.StatusForbidden, "SignatureDoesNotMatch", "The Signature you specified is invalid.")
	}
	if q.fromQuery {
		if extra := q.unsignedParams(query); len(extra) > 0 {
			return nil, errAccessDenied("The query parameters %s are not covered by the signature.", strings.Join(extra, ", "))
		}
	}
	if !p.Allows(t.Env.EnvID) {
		return nil, errAccessDenied("The temporary credentials of environment %s may not access bucket %s.", p.Env, t.Bucket)
	}
	return p, nil
}

// readableAnonymously reports whether an unsigned request may read o.
func (c *reqCtx) readableAnonymously(o *object) bool {
	if o != nil && o.ACL == "public-read" {
		return true
	}
	if o != nil && o.ACL == "private" {
		return false
	}
	if c.t.Hosting {
		return true
	}
	st, err := c.m.db.envState(c.t.Env.EnvID)
	return err == nil && aclTag(st.ACL) == "READONLY"
}

// keptHeaders are the request headers stored with an object.
var keptHeaders = []string{"Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires"}

// MaxUserMeta bounds the x-cos-meta-* headers of an object.
const MaxUserMeta = 2 << 10

func objectHeaders(h http.Header) (map[string]string, *cosError) {
	out := map[string]string{}
	for _, k := range keptHeaders {
		if v := h.Get(k); v != "" {
			out[k] = v
		}
	}
	meta := 0
	for k, vs := range h {
		if lk := strings.ToLower(k); strings.HasPrefix(lk, "x-cos-meta-") && len(vs) > 0 {
			out[http.CanonicalHeaderKey(k)] = vs[0]
			meta += len(k) + len(vs[0])
		}
	}
	if meta > MaxUserMeta {
		return nil, errf(http.StatusBadRequest, "MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size (%d bytes).", MaxUserMeta)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func cannedACL(h http.Header) (string, *cosError) {
	switch v := h.Get("x-cos-acl"); v {
	case "", "default":
		return "", nil
	case "private", "public-read":
		return v, nil
	default:
		return "", errf(http.StatusBadRequest, "InvalidArgument", "x-cos-acl %q is not supported (default, private, public-read).", v)
	}
}

// contentType is the given type, else one guessed from the key's
// extension.
func contentType(given, key string) string {
	if given != "" {
		return given
	}
	if t := mime.TypeByExtension(path.Ext(key)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// bodyReader extends the connection's read deadline while a body of
// unknown length (chunked) keeps arriving: 60 s for every MiB.
type bodyReader struct {
	r    io.Reader
	rc   *http.ResponseController
	read int64
	next int64
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read += int64(n)
	if b.rc != nil && b.read >= b.next {
		b.next = b.read + 1<<20
		_ = b.rc.SetReadDeadline(time.Now().Add(time.Minute))
	}
	return n, err
}

func (c *reqCtx) body() io.Reader {
	if c.r.ContentLength < 0 {
		return &bodyReader{r: c.r.Body, rc: http.NewResponseController(c.w), next: 1 << 20}
	}
	return c.r.Body
}

// checkMD5 compares a Content-MD5 header with the received bytes.
func checkMD5(h http.Header, sum []byte) *cosError {
	v := h.Get("Content-MD5")
	if v == "" {
		return nil
	}
	want, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(want) != md5.Size {
		return errf(http.StatusBadRequest, "InvalidDigest", "The Content-MD5 you specified is not valid.")
	}
	if string(want) != string(sum) {
		return errf(http.StatusBadRequest, "BadDigest", "The Content-MD5 you specified did not match what we received.")
	}
	return nil
}

// putObject stores the body under the key.
func (c *reqCtx) putObject() {
	r := c.r
	if r.ContentLength > c.t.maxPut() {
		c.fail(errf(http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size (%d bytes); use a multipart upload.", c.t.maxPut()))
		return
	}
	headers, e := objectHeaders(r.Header)
	if e != nil {
		c.fail(e)
		return
	}
	acl, e := cannedACL(r.Header)
	if e != nil {
		c.fail(e)
		return
	}
	// Announced: a commit under way waits briefly for this write, so
	// concurrent uploads share commits.
	c.m.db.group.begin()
	begun := true
	defer func() {
		if begun {
			c.m.db.group.end()
		}
	}()
	wr, err := c.m.blobs.write(c.body(), c.t.maxPut())
	if err != nil {
		c.failWrite(err)
		return
	}
	if e := checkMD5(r.Header, wr.MD5); e != nil {
		c.m.blobs.remove([]segment{{Blob: wr.Blob}})
		c.fail(e)
		return
	}
	if r.ContentLength >= 0 && wr.Size != r.ContentLength {
		c.m.blobs.remove([]segment{{Blob: wr.Blob}})
		c.fail(errf(http.StatusBadRequest, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header."))
		return
	}
	o := &object{Size: wr.Size, ETag: hex.EncodeToString(wr.MD5), CRC: wr.CRC, Modified: c.m.now().UnixNano(),
		Type: contentType(r.Header.Get("Content-Type"), c.key), Headers: headers, ACL: acl, Owner: c.creator(),
		Segs: []segment{{Blob: wr.Blob, Size: wr.Size}}}
	begun = false
	if err := c.m.commitAfter(true, c.t.Bucket, c.key, o); err != nil {
		c.fail(errInternal(err))
		return
	}
	c.m.puts.Add(1)
	c.m.bytesIn.Add(wr.Size)
	c.w.Header().Set("ETag", `"`+o.ETag+`"`)
	c.w.Header().Set("x-cos-hash-crc64ecma", strconv.FormatUint(o.CRC, 10))
	c.w.WriteHeader(http.StatusOK)
}

// commit stores o and removes what it replaced.
func (m *Module) commit(bucket, key string, o *object) error {
	return m.commitAfter(false, bucket, key, o)
}

// commitAfter is commit for a write announced with group.begin (begun).
func (m *Module) commitAfter(begun bool, bucket, key string, o *object) error {
	old, err := m.db.putObjectAfter(begun, bucket, key, o)
	if err != nil {
		m.blobs.remove(o.Segs)
		return err
	}
	m.blobs.remove(old)
	return nil
}

func (c *reqCtx) failWrite(err error) {
	if errors.Is(err, errTooLarge) {
		c.fail(errf(http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size."))
		return
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		c.fail(errf(http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size."))
		return
	}
	c.m.log.Info("cos: upload interrupted", "bucket", c.t.Bucket, "key", c.key, "err", err)
	c.fail(errf(http.StatusBadRequest, "RequestTimeout", "Your socket connection to the server was not read from or written to within the timeout period: %v", err))
}

// lookup reads the object, 404 when absent.
func (c *reqCtx) lookup() (*object, bool) {
	o, err := c.m.db.getObject(c.t.Bucket, c.key)
	if err != nil {
		c.fail(errInternal(err))
		return nil, false
	}
	if o == nil {
		c.fail(errNoSuchKey())
		return nil, false
	}
	return o, true
}

// open reads an object and opens its files; a concurrent replacement can
// remove the files between the two steps, so it tries again.
func (m *Module) open(bucket, key string) (*object, *objectReader, error) {
	for attempt := 0; ; attempt++ {
		o, err := m.db.getObject(bucket, key)
		if err != nil || o == nil {
			return o, nil, err
		}
		rd, err := m.blobs.openObject(o)
		if err == nil {
			return o, rd, nil
		}
		if attempt == 4 {
			return nil, nil, err
		}
	}
}

func setObjectHeaders(h http.Header, o *object) {
	h.Set("Content-Type", o.Type)
	h.Set("ETag", `"`+o.ETag+`"`)
	h.Set("Last-Modified", o.modTime().Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
	h.Set("x-cos-hash-crc64ecma", strconv.FormatUint(o.CRC, 10))
	h.Set("x-cos-storage-class", "STANDARD")
	for k, v := range o.Headers {
		h.Set(k, v)
	}
}

// getObject serves GET and HEAD of an object.
func (c *reqCtx) getObject() {
	o, rd, err := c.m.open(c.t.Bucket, c.key)
	if err != nil {
		c.fail(errInternal(err))
		return
	}
	if o == nil {
		if c.p == nil && !c.urlAuth && !c.readableAnonymously(nil) {
			c.fail(errAccessDenied("Access Denied."))
			return
		}
		c.fail(errNoSuchKey())
		return
	}
	defer rd.Close()
	if c.p == nil && !c.urlAuth && !c.readableAnonymously(o) {
		c.fail(errAccessDenied("Access Denied."))
		return
	}
	h := c.w.Header()
	setObjectHeaders(h, o)
	if c.p != nil {
		for k, hdr := range map[string]string{"response-content-type": "Content-Type", "response-content-language": "Content-Language",
			"response-expires": "Expires", "response-cache-control": "Cache-Control", "response-content-disposition": "Content-Disposition",
			"response-content-encoding": "Content-Encoding"} {
			if v := c.q.Get(k); v != "" {
				h.Set(hdr, v)
			}
		}
	}
	if status := checkConditions(c.r, o); status != 0 {
		if status == http.StatusPreconditionFailed {
			c.fail(errf(status, "PreconditionFailed", "At least one of the preconditions you specified did not hold."))
			return
		}
		h.Del("Content-Type")
		c.w.WriteHeader(status)
		return
	}
	start, n, status, e := parseRange(c.r.Header.Get("Range"), o.Size)
	if e != nil {
		h.Set("Content-Range", fmt.Sprintf("bytes */%d", o.Size))
		c.fail(e)
		return
	}
	if status == http.StatusPartialContent {
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, start+n-1, o.Size))
	}
	h.Set("Content-Length", strconv.FormatInt(n, 10))
	c.w.WriteHeader(status)
	if c.r.Method == http.MethodHead {
		return
	}
	c.m.gets.Add(1)
	sent, _ := rd.copyRange(c.w, start, n)
	c.m.bytesOut.Add(sent)
}

// checkConditions evaluates If-Match, If-Unmodified-Since, If-None-Match
// and If-Modified-Since: 0 to go on, else 304 or 412.
func checkConditions(r *http.Request, o *object) int {
	etag := `"` + o.ETag + `"`
	mod := o.modTime().Truncate(time.Second)
	if im := r.Header.Get("If-Match"); im != "" {
		if !etagListMatch(im, etag) {
			return http.StatusPreconditionFailed
		}
	} else if ius := r.Header.Get("If-Unmodified-Since"); ius != "" {
		if t, err := http.ParseTime(ius); err == nil && mod.After(t) {
			return http.StatusPreconditionFailed
		}
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		if etagListMatch(inm, etag) {
			return http.StatusNotModified
		}
	} else if ims := r.Header.Get("If-Modified-Since"); ims != "" {
		if t, err := http.ParseTime(ims); err == nil && !mod.After(t) {
			return http.StatusNotModified
		}
	}
	return 0
}

func etagListMatch(list, etag string) bool {
	for _, e := range strings.Split(list, ",") {
		e = strings.TrimPrefix(strings.TrimSpace(e), "W/")
		if e == "*" || e == etag || `"`+e+`"` == etag {
			return true
		}
	}
	return false
}

// parseRange reads one "bytes=" range of an object of size bytes: the
// start, the length and 206, or 0, size and 200 when there is no (usable)
// range. A range starting past the end is 416 InvalidRange.
func parseRange(h string, size int64) (int64, int64, int, *cosError) {
	spec, ok := strings.CutPrefix(strings.TrimSpace(h), "bytes=")
	if h == "" || !ok || strings.Contains(spec, ",") {
		return 0, size, http.StatusOK, nil
	}
	a, b, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return 0, size, http.StatusOK, nil
	}
	bad := errf(http.StatusRequestedRangeNotSatisfiable, "InvalidRange", "The requested range is not satisfiable (object size %d).", size)
	if a == "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n < 0 {
			return 0, size, http.StatusOK, nil
		}
		if n == 0 || size == 0 {
			return 0, 0, 0, bad
		}
		n = min(n, size)
		return size - n, n, http.StatusPartialContent, nil
	}
	start, err := strconv.ParseInt(a, 10, 64)
	if err != nil || start < 0 {
		return 0, size, http.StatusOK, nil
	}
	end := size - 1
	if b != "" {
		e, err := strconv.ParseInt(b, 10, 64)
		if err != nil || e < start {
			return 0, size, http.StatusOK, nil
		}
		end = min(e, size-1)
	}
	if start >= size {
		return 0, 0, 0, bad
	}
	return start, end - start + 1, http.StatusPartialContent, nil
}

// deleteObject removes the key (204 whether or not it existed).
func (c *reqCtx) deleteObject() {
	segs, _, err := c.m.db.deleteObjects(c.t.Bucket, []string{c.key})
	if err != nil {
		c.fail(errInternal(err))
		return
	}
	c.m.blobs.remove(segs)
	c.w.WriteHeader(http.StatusNoContent)
}

// copyObject copies x-cos-copy-source (a key of a bucket of the same
// environment) to the key, sharing the bytes.
func (c *reqCtx) copyObject() {
	src := c.r.Header.Get("x-cos-copy-source")
	srcBucket, srcKey, e := c.m.parseCopySource(src)
	if e != nil {
		c.fail(e)
		return
	}
	st, ok := c.m.resolve(srcBucket)
	if !ok || st.Env.EnvID != c.t.Env.EnvID {
		c.fail(errf(http.StatusBadRequest, "InvalidArgument", "x-cos-copy-source %q is not a bucket of this environment.", src))
		return
	}
	headers, e := objectHeaders(c.r.Header)
	if e != nil {
		c.fail(e)
		return
	}
	acl, e := cannedACL(c.r.Header)
	if e != nil {
		c.fail(e)
		return
	}
	replace := strings.EqualFold(c.r.Header.Get("x-cos-metadata-directive"), "Replaced")
	o, err := c.m.copyObject(srcBucket, srcKey, c.t.Bucket, c.key, func(n *object) {
		if replace {
			n.Headers = headers
			n.Type = contentType(c.r.Header.Get("Content-Type"), c.key)
		}
		if acl != "" {
			n.ACL = acl
		}
	})
	if errors.Is(err, errMissing) {
		c.fail(errNoSuchKey())
		return
	}
	if err != nil {
		c.fail(errInternal(err))
		return
	}
	writeXML(c.w, struct {
		XMLName      xml.Name `xml:"CopyObjectResult"`
		ETag         string   `xml:"ETag"`
		LastModified string   `xml:"LastModified"`
		CRC64        string   `xml:"CRC64"`
	}{ETag: `"` + o.ETag + `"`, LastModified: o.modTime().Format(isoTime), CRC64: strconv.FormatUint(o.CRC, 10)})
}

var errMissing = errors.New("no such object")

// copyObject copies an object (hard links of its files); edit adjusts the
// copy's metadata.
func (m *Module) copyObject(srcBucket, srcKey, dstBucket, dstKey string, edit func(*object)) (*object, error) {
	for attempt := 0; ; attempt++ {
		o, err := m.db.getObject(srcBucket, srcKey)
		if err != nil {
			return nil, err
		}
		if o == nil {
			return nil, errMissing
		}
		n := *o
		n.Segs = nil
		n.Modified = m.now().UnixNano()
		var linkErr error
		for _, s := range o.Segs {
			id, err := m.blobs.link(s.Blob)
			if err != nil {
				linkErr = err
				break
			}
			n.Segs = append(n.Segs, segment{Blob: id, Size: s.Size})
		}
		if linkErr != nil {
			m.blobs.remove(n.Segs)
			if attempt < 4 {
				continue // replaced meanwhile
			}
			return nil, linkErr
		}
		if edit != nil {
			edit(&n)
		}
		if err := m.commit(dstBucket, dstKey, &n); err != nil {
			return nil, err
		}
		return &n, nil
	}
}

// parseCopySource reads <bucket>.cos.<region>.myqcloud.com/<key> (or
// /<bucket>/<key>).
func (m *Module) parseCopySource(src string) (string, string, *cosError) {
	s, err := url.PathUnescape(src)
	if err != nil {
		s = src
	}
	s = strings.TrimPrefix(s, "/")
	host, key, ok := strings.Cut(s, "/")
	if !ok || key == "" {
		return "", "", errf(http.StatusBadRequest, "InvalidArgument", "x-cos-copy-source %q is not <bucket>.cos.<region>.myqcloud.com/<key>.", src)
	}
	bucket, _, _ := strings.Cut(host, ".")
	if e := checkKey(key); e != nil {
		return "", "", e
	}
	return bucket, key, nil
}

const isoTime = "2006-01-02T15:04:05.000Z"

// ListBucketResult

type xmlOwner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName"`
}

type xmlContents struct {
	Key          string    `xml:"Key"`
	LastModified string    `xml:"LastModified"`
	ETag         string    `xml:"ETag"`
	Size         int64     `xml:"Size"`
	Owner        *xmlOwner `xml:"Owner"`
	StorageClass string    `xml:"StorageClass"`
}

type xmlListBucket struct {
	XMLName        xml.Name      `xml:"ListBucketResult"`
	Name           string        `xml:"Name"`
	EncodingType   string        `xml:"EncodingType,omitempty"`
	Prefix         string        `xml:"Prefix"`
	Marker         string        `xml:"Marker"`
	MaxKeys        int           `xml:"MaxKeys"`
	Delimiter      string        `xml:"Delimiter,omitempty"`
	IsTruncated    bool          `xml:"IsTruncated"`
	NextMarker     string        `xml:"NextMarker,omitempty"`
	Contents       []xmlContents `xml:"Contents"`
	CommonPrefixes []string      `xml:"CommonPrefixes>Prefix"`
}

// creator is the WeChat user a temporary key acts for ("" otherwise).
func (c *reqCtx) creator() string {
	if c.p != nil && c.p.Temporary {
		if c.p.Caller.OpenID != "" {
			return c.p.Caller.OpenID
		}
	}
	return ""
}

func (c *reqCtx) owner() *xmlOwner {
	id := "qcs::cam::uin/100000000001:uin/100000000001"
	return &xmlOwner{ID: id, DisplayName: "100000000001"}
}

// encoder returns the key encoding of encoding-type (url or none).
func (c *reqCtx) encoder() (func(string) string, string, *cosError) {
	switch et := c.q.Get("encoding-type"); et {
	case "":
		return func(s string) string { return s }, "", nil
	case "url":
		return cosEscape, "url", nil
	default:
		return nil, "", errf(http.StatusBadRequest, "InvalidArgument", "encoding-type %q is not url.", et)
	}
}

func (c *reqCtx) listObjects() {
	enc, et, e := c.encoder()
	if e != nil {
		c.fail(e)
		return
	}
	max := 1000
	if v := c.q.Get("max-keys"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			c.fail(errf(http.StatusBadRequest, "InvalidArgument", "max-keys %q is not a number from 0 to 1000.", v))
			return
		}
		max = min(n, 1000)
	}
	prefix, delim, marker := c.q.Get("prefix"), c.q.Get("delimiter"), c.q.Get("marker")
	l, err := c.m.db.list(c.t.Bucket, prefix, delim, marker, max)
	if err != nil {
		c.fail(errInternal(err))
		return
	}
	res := xmlListBucket{Name: c.t.Bucket, EncodingType: et, Prefix: enc(prefix), Marker: enc(marker), MaxKeys: max,
		Delimiter: enc(delim), IsTruncated: l.Truncated, NextMarker: enc(l.NextMarker)}
	for _, it := range l.Objects {
		res.Contents = append(res.Contents, xmlContents{Key: enc(it.Key), LastModified: it.Obj.modTime().Format(isoTime),
			ETag: `"` + it.Obj.ETag + `"`, Size: it.Obj.Size, Owner: c.owner(), StorageClass: "STANDARD"})
	}
	for _, p := range l.Prefixes {
		res.CommonPrefixes = append(res.CommonPrefixes, enc(p))
	}
	writeXML(c.w, res)
}

// deleteMulti serves POST /?delete.
func (c *reqCtx) deleteMulti() {
	var req struct {
		Quiet   bool `xml:"Quiet"`
		Objects []struct {
			Key string `xml:"Key"`
		} `xml:"Object"`
	}
	if e := c.readXML(&req); e != nil {
		c.fail(e)
		return
	}
	if len(req.Objects) == 0 || len(req.Objects) > 1000 {
		c.fail(errf(http.StatusBadRequest, "MalformedXML", "A multi-delete names from 1 to 1000 objects, not %d.", len(req.Objects)))
		return
	}
	type deleted struct {
		Key string `xml:"Key"`
	}
	type failed struct {
		Key     string `xml:"Key"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	res := struct {
		XMLName xml.Name  `xml:"DeleteResult"`
		Deleted []deleted `xml:"Deleted"`
		Errors  []failed  `xml:"Error"`
	}{}
	var keys []string
	for _, o := range req.Objects {
		if e := checkKey(o.Key); e != nil {
			res.Errors = append(res.Errors, failed{Key: o.Key, Code: e.Code, Message: e.Message})
			continue
		}
		keys = append(keys, o.Key)
	}
	segs, _, err := c.m.db.deleteObjects(c.t.Bucket, keys)
	if err != nil {
		c.fail(errInternal(err))
		return
	}
	c.m.blobs.remove(segs)
	if !req.Quiet {
		for _, k := range keys {
			res.Deleted = append(res.Deleted, deleted{Key: k})
		}
	}
	writeXML(c.w, res)
}

// readXML decodes a bounded XML body.
func (c *reqCtx) readXML(v any) *cosError {
	if c.r.ContentLength > MaxXMLBody {
		return errf(http.StatusBadRequest, "EntityTooLarge", "The XML body is over %d bytes.", MaxXMLBody)
	}
	body, err := io.ReadAll(io.LimitReader(c.r.Body, MaxXMLBody+1))
	if err != nil {
		return errf(http.StatusBadRequest, "IncompleteBody", "Reading the body failed: %v", err)
	}
	if len(body) > MaxXMLBody {
		return errf(http.StatusBadRequest, "EntityTooLarge", "The XML body is over %d bytes.", MaxXMLBody)
	}
	if e := checkMD5(c.r.Header, md5sum(body)); e != nil {
		return e
	}
	if err := xml.Unmarshal(body, v); err != nil {
		return errf(http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema: %v", err)
	}
	return nil
}

func md5sum(b []byte) []byte { s := md5.Sum(b); return s[:] }

// ACLs

type xmlGrant struct {
	Grantee struct {
		XMLNSXSI    string `xml:"xmlns:xsi,attr"`
		Type        string `xml:"xsi:type,attr"`
		ID          string `xml:"ID,omitempty"`
		URI         string `xml:"URI,omitempty"`
		DisplayName string `xml:"DisplayName,omitempty"`
	} `xml:"Grantee"`
	Permission string `xml:"Permission"`
}

func (c *reqCtx) getACL(o *object) {
	acl := "private"
	if o != nil && o.ACL != "" {
		acl = o.ACL
	}
	res := struct {
		XMLName xml.Name   `xml:"AccessControlPolicy"`
		Owner   *xmlOwner  `xml:"Owner"`
		Grants  []xmlGrant `xml:"AccessControlList>Grant"`
	}{Owner: c.owner()}
	var g xmlGrant
	g.Grantee.XMLNSXSI, g.Grantee.Type = "http://www.w3.org/2001/XMLSchema-instance", "CanonicalUser"
	g.Grantee.ID, g.Grantee.DisplayName = c.owner().ID, c.owner().DisplayName
	g.Permission = "FULL_CONTROL"
	res.Grants = append(res.Grants, g)
	if acl == "public-read" {
		var pub xmlGrant
		pub.Grantee.XMLNSXSI, pub.Grantee.Type = "http://www.w3.org/2001/XMLSchema-instance", "Group"
		pub.Grantee.URI = "http://cam.qcloud.com/groups/global/AllUsers"
		pub.Permission = "READ"
		res.Grants = append(res.Grants, pub)
	}
	if o != nil {
		canned := o.ACL
		if canned == "" {
			canned = "default"
		}
		c.w.Header().Set("x-cos-acl", canned)
	}
	writeXML(c.w, res)
}

func (c *reqCtx) objectACL() {
	o, ok := c.lookup()
	if !ok {
		return
	}
	c.getACL(o)
}

// putACL takes x-cos-acl (default, private, public-read) or an
// AccessControlPolicy body granting AllUsers READ (public-read) or not.
func (c *reqCtx) putACL() {
	acl, e := cannedACL(c.r.Header)
	if e != nil {
		c.fail(e)
		return
	}
	if c.r.Header.Get("x-cos-acl") == "" && c.r.ContentLength != 0 {
		var req struct {
			Grants []struct {
				Grantee struct {
					URI string `xml:"URI"`
				} `xml:"Grantee"`
				Permission string `xml:"Permission"`
			} `xml:"AccessControlList>Grant"`
		}
		if e := c.readXML(&req); e != nil {
			c.fail(e)
			return
		}
		acl = "private"
		for _, g := range req.Grants {
			if strings.HasSuffix(g.Grantee.URI, "/AllUsers") && (g.Permission == "READ" || g.Permission == "FULL_CONTROL") {
				acl = "public-read"
			}
		}
	}
	found, err := c.m.db.updateObject(c.t.Bucket, c.key, func(o *object) { o.ACL = acl })
	if err != nil {
		c.fail(errInternal(err))
		return
	}
	if !found {
		c.fail(errNoSuchKey())
		return
	}
	c.w.WriteHeader(http.StatusOK)
}
