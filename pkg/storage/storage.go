// Package storage is tcb's client side of CloudBase cloud storage and static
// hosting: a COS client (github.com/tencentyun/cos-go-sdk-v5, which signs,
// retries and checks CRC64s) for one bucket, the tcb actions that name the
// buckets (DescribeEnvs' Storages[0], DescribeStaticStore) and set the
// storage ACL, and the transfers built on them: parallel uploads of trees
// that skip unchanged files by checksum, multipart uploads of large files
// that resume after an interruption, streamed downloads written to a
// temporary file and renamed into place, listings, deletes and presigned
// URLs. It never prints and never prompts: progress goes to callbacks.
//
// The endpoint is overridable like the Cloud API's: with Options.Endpoint
// ("http://127.0.0.1:9800", the emulator) the client dials that address and
// names the bucket in the Host header, <bucket>.cos.<region>.localhost:PORT
// (virtual-hosted addressing, which the emulator serves); presigned URLs
// then use path-style addressing (http://HOST:PORT/<bucket>/<key>), which
// any HTTP client can fetch.
package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	cos "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/tcb-go/tcb/pkg/errkind"
)

// Credentials are the Tencent Cloud keys COS requests are signed with.
type Credentials struct {
	SecretID     string
	SecretKey    string
	SessionToken string
}

// Options configure a Client.
type Options struct {
	Credentials Credentials
	Bucket      string
	Region      string
	// Endpoint "" is COS itself (https://<bucket>.cos.<region>.myqcloud.com);
	// "http://host:port" is a COS-compatible server addressed
	// virtual-hosted through that address (the emulator).
	Endpoint string
	// Parallel bounds concurrent requests of one transfer (default 16).
	Parallel int
	// Transport is the base HTTP transport (default: a tuned clone of
	// http.DefaultTransport).
	Transport http.RoundTripper
	// Trace, when set, gets one line per request (no secrets).
	Trace io.Writer
	// SumCacheDir holds the checksum caches of uploaded trees (see
	// SumCache); "" hashes every file each time.
	SumCacheDir string
	// LockDir holds one lock file per key a multipart upload is sending
	// (see uploadLock); "" takes no locks.
	LockDir string
}

// DefaultParallel is the default number of concurrent transfers.
const DefaultParallel = 16

// Client works on one bucket.
type Client struct {
	opts     Options
	cos      *cos.Client
	endpoint *url.URL // nil: COS itself
	host     string   // the Host the bucket is addressed by
}

// New returns a client for the bucket.
func New(o Options) (*Client, error) {
	if o.Bucket == "" {
		return nil, errors.New("storage: no bucket")
	}
	if o.Region == "" {
		o.Region = "ap-shanghai"
	}
	if o.Credentials.SecretID == "" || o.Credentials.SecretKey == "" {
		return nil, errkind.New(errkind.Auth, "no Tencent Cloud API keys to sign storage requests with")
	}
	if o.Parallel <= 0 {
		o.Parallel = DefaultParallel
	}
	base := o.Transport
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 4 * o.Parallel
		t.MaxIdleConns = 4 * o.Parallel
		base = t
	}
	if o.Trace != nil {
		base = &tracer{next: base, w: o.Trace}
	}
	c := &Client{opts: o}
	bucketURL, endpoint, host, err := bucketAddress(o.Bucket, o.Region, o.Endpoint)
	if err != nil {
		return nil, err
	}
	c.endpoint, c.host = endpoint, host
	auth := &cos.AuthorizationTransport{SecretID: o.Credentials.SecretID, SecretKey: o.Credentials.SecretKey,
		SessionToken: o.Credentials.SessionToken, Transport: base}
	c.cos = cos.NewClient(&cos.BaseURL{BucketURL: bucketURL}, &http.Client{Transport: auth})
	if c.endpoint != nil {
		c.cos.Host = c.host
	}
	c.cos.UserAgent = "tcb-go " + cos.UserAgent
	return c, nil
}

// bucketAddress is where a bucket's requests go: the bucket URL the SDK
// sends to, the endpoint override (nil: COS itself) and the Host the bucket
// is named by.
func bucketAddress(bucket, region, endpoint string) (bucketURL, ep *url.URL, host string, err error) {
	if endpoint == "" {
		u, err := cos.NewBucketURL(bucket, region, true)
		if err != nil {
			return nil, nil, "", errkind.Errorf(errkind.Input, "storage: %v", err)
		}
		return u, nil, u.Host, nil
	}
	s := endpoint
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return nil, nil, "", errkind.Errorf(errkind.Input, "storage endpoint %q is not a URL", endpoint)
	}
	ep = &url.URL{Scheme: u.Scheme, Host: u.Host}
	host = bucket + ".cos." + region + ".localhost"
	if port := u.Port(); port != "" {
		host = net.JoinHostPort(host, port)
	}
	return ep, ep, host, nil
}

// Bucket is the bucket's name.
func (c *Client) Bucket() string { return c.opts.Bucket }

// Region is the bucket's region.
func (c *Client) Region() string { return c.opts.Region }

// Parallel is the configured concurrency.
func (c *Client) Parallel() int { return c.opts.Parallel }

// Error is a failed storage request: COS's code and message, the HTTP
// status and the request id.
type Error struct {
	Op        string // "upload a/b.png", ...
	Status    int
	Code      string
	Message   string
	RequestId string
	Err       error
}

func (e *Error) Error() string {
	switch {
	case e.Code != "":
		return fmt.Sprintf("%s: %s (%s)", e.Op, strings.TrimSuffix(e.Message, "."), e.Code)
	case e.Err != nil:
		return fmt.Sprintf("%s: %v", e.Op, e.Err)
	}
	return fmt.Sprintf("%s: HTTP %d", e.Op, e.Status)
}

func (e *Error) Unwrap() error { return e.Err }

// RequestID is COS's x-cos-request-id.
func (e *Error) RequestID() string { return e.RequestId }

// ErrorKind: missing objects are not found, refused signatures auth
// failures, invalid requests input errors, the rest remote failures.
func (e *Error) ErrorKind() errkind.Kind {
	switch {
	case e.Status == http.StatusNotFound || e.Code == "NoSuchKey" || e.Code == "NoSuchBucket":
		return errkind.NotFound
	case e.Code == "SignatureDoesNotMatch" || e.Code == "InvalidAccessKeyId" || e.Code == "AccessDenied" || e.Status == http.StatusForbidden:
		return errkind.Auth
	case e.Code == "InvalidURI" || e.Code == "KeyTooLong" || e.Code == "InvalidArgument" || e.Code == "EntityTooLarge":
		return errkind.Input
	}
	var k errkind.Kinder
	if errors.As(e.Err, &k) {
		return k.ErrorKind()
	}
	return errkind.Remote
}

// Hint suggests what to do about well-known failures.
func (e *Error) Hint() string {
	switch e.Code {
	case "SignatureDoesNotMatch", "InvalidAccessKeyId":
		return "the keys were refused: run `tcb login` again (or check TENCENTCLOUD_SECRETID/SECRETKEY)"
	case "RequestTimeTooSkewed":
		return "the local clock is off: fix the system time"
	}
	return ""
}

// wrap turns an SDK error into an *Error (nil stays nil; cancellation
// stays itself).
func wrap(op string, resp *cos.Response, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	e := &Error{Op: op, Err: err}
	var ce *cos.ErrorResponse
	if errors.As(err, &ce) {
		e.Code, e.Message, e.RequestId = ce.Code, ce.Message, ce.RequestID
		if ce.Response != nil {
			e.Status = ce.Response.StatusCode
			if e.RequestId == "" {
				e.RequestId = ce.Response.Header.Get("x-cos-request-id")
			}
		}
		e.Err = nil
	} else if resp != nil && resp.Response != nil {
		e.Status = resp.StatusCode
		e.RequestId = resp.Header.Get("x-cos-request-id")
	}
	if e.Code == "" && e.Status == 0 {
		// No answer: a network failure.
		e.Err = errkind.Wrap(errkind.Remote, err)
	}
	return e
}

// IsNotFound reports whether err says the object does not exist.
func IsNotFound(err error) bool {
	k, ok := errkind.Of(err)
	return ok && k == errkind.NotFound
}

// tracer logs requests (method, URL without the query, status, time).
type tracer struct {
	next http.RoundTripper
	mu   sync.Mutex
	w    io.Writer
}

func (t *tracer) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(r)
	u := *r.URL
	u.RawQuery = ""
	if r.URL.RawQuery != "" {
		u.RawQuery = "…"
	}
	status := "error: "
	if err != nil {
		status += err.Error()
	} else {
		status = resp.Status
	}
	t.mu.Lock()
	fmt.Fprintf(t.w, "* COS %s %s (Host %s) -> %s in %s\n", r.Method, u.String(), r.Host, status, time.Since(start).Round(time.Millisecond))
	t.mu.Unlock()
	return resp, err
}
