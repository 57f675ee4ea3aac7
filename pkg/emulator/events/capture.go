package events

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

type claimKey struct{}

// Claim marks a request whose front door published its own Request (the
// Cloud API dispatcher, the SDK router), so the host's catch-all recorder
// does not publish it twice.
type Claim struct{ done atomic.Bool }

// WithClaim returns a context carrying a new Claim.
func WithClaim(ctx context.Context) (context.Context, *Claim) {
	c := &Claim{}
	return context.WithValue(ctx, claimKey{}, c), c
}

// MarkPublished records that the request of ctx was published.
func MarkPublished(ctx context.Context) {
	if c, ok := ctx.Value(claimKey{}).(*Claim); ok {
		c.done.Store(true)
	}
}

// Claimed reports whether MarkPublished was called.
func (c *Claim) Claimed() bool { return c.done.Load() }

// Recorder wraps a response writer and a request body to keep what a
// Request shows: the status, the first MaxBody bytes of both bodies and
// their sizes. It supports http.ResponseController through Unwrap.
type Recorder struct {
	w       http.ResponseWriter
	status  int
	resp    []byte
	respN   int64
	keep    bool
	body    *bodyTap
	started time.Time
}

// NewRecorder starts recording r's exchange through w; use the Recorder as
// the response writer and Body as the request body.
func NewRecorder(w http.ResponseWriter, r *http.Request) *Recorder {
	rec := &Recorder{w: w, started: time.Now()}
	if r.Body != nil && r.Body != http.NoBody {
		rec.body = &bodyTap{ReadCloser: r.Body}
	}
	return rec
}

// Body is the request body to hand on.
func (rec *Recorder) Body(orig io.ReadCloser) io.ReadCloser {
	if rec.body == nil {
		return orig
	}
	return rec.body
}

func (rec *Recorder) Header() http.Header { return rec.w.Header() }

func (rec *Recorder) WriteHeader(code int) {
	if rec.status == 0 {
		rec.status = code
		ct := rec.w.Header().Get("Content-Type")
		rec.keep = ct == "" || strings.Contains(ct, "json") || strings.HasPrefix(ct, "text/")
	}
	rec.w.WriteHeader(code)
}

func (rec *Recorder) Write(p []byte) (int, error) {
	if rec.status == 0 {
		rec.WriteHeader(http.StatusOK)
	}
	if rec.keep && len(rec.resp) < MaxBody {
		rec.resp = append(rec.resp, p[:min(len(p), MaxBody-len(rec.resp))]...)
	}
	rec.respN += int64(len(p))
	return rec.w.Write(p)
}

// ReadFrom keeps the underlying writer's fast path (sendfile for object
// downloads) when the answer is not one the Recorder keeps.
func (rec *Recorder) ReadFrom(src io.Reader) (int64, error) {
	if rec.status == 0 {
		rec.WriteHeader(http.StatusOK)
	}
	if rf, ok := rec.w.(io.ReaderFrom); ok && !rec.keep {
		n, err := rf.ReadFrom(src)
		rec.respN += n
		return n, err
	}
	return io.Copy(writerOnly{rec}, src)
}

// writerOnly hides ReadFrom from io.Copy.
type writerOnly struct{ io.Writer }

// Flush forwards to the underlying writer when it can.
func (rec *Recorder) Flush() {
	if f, ok := rec.w.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap is for http.ResponseController.
func (rec *Recorder) Unwrap() http.ResponseWriter { return rec.w }

// Request builds the Request of the recorded exchange (kind KindHTTP,
// named "METHOD /path"). The error code is a JSON answer's non-zero
// errcode (WeChat's convention) or, for HTTP errors, the status.
func (rec *Recorder) Request(r *http.Request) *Request {
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	req := &Request{
		Kind: KindHTTP, Name: r.Method + " " + r.URL.Path, Method: r.Method, Path: r.URL.Path,
		Query: r.URL.RawQuery, UserAgent: r.UserAgent(), Status: status, Duration: time.Since(rec.started),
		ContentType: r.Header.Get("Content-Type"), BodySize: -1,
		Response: rec.resp, ResponseSize: rec.respN, ResponseType: rec.w.Header().Get("Content-Type"),
	}
	if len(req.UserAgent) > 200 {
		req.UserAgent = req.UserAgent[:200]
	}
	if rec.body != nil {
		req.Body, req.BodySize = rec.body.buf, rec.body.n
	} else {
		req.BodySize = 0
	}
	var wx struct {
		ErrCode *int   `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if len(rec.resp) > 0 && rec.respN == int64(len(rec.resp)) && json.Unmarshal(rec.resp, &wx) == nil && wx.ErrCode != nil && *wx.ErrCode != 0 {
		req.Code, req.Message = strconv.Itoa(*wx.ErrCode), wx.ErrMsg
	} else if status >= 400 {
		req.Code = strconv.Itoa(status)
	}
	return req
}

// bodyTap keeps the first MaxBody bytes read through it.
type bodyTap struct {
	io.ReadCloser
	buf []byte
	n   int64
}

func (b *bodyTap) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		if len(b.buf) < MaxBody {
			b.buf = append(b.buf, p[:min(n, MaxBody-len(b.buf))]...)
		}
		b.n += int64(n)
	}
	return n, err
}
