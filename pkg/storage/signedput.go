package storage

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"

	cos "github.com/tencentyun/cos-go-sdk-v5"
)

// SignedPut is one upload authorised by a signature someone else made (scf
// GetTempCosInfo's Sign for function code): the request carries that
// Authorization as it is and no keys of ours.
type SignedPut struct {
	Bucket, Region string
	// Endpoint as in Options ("" is COS itself).
	Endpoint string
	Key      string
	// Authorization is the Authorization header value.
	Authorization string
	Body          []byte
	ContentType   string
	// Progress gets the bytes sent so far and the total (from the
	// uploading goroutine).
	Progress func(done, total int64)
	// Transport is the base HTTP transport (default http.DefaultTransport).
	Transport http.RoundTripper
}

// PutSigned uploads p.Body in one PUT with Content-MD5, so a body damaged on
// the way is refused, and checks the answer: the ETag must be the body's
// MD5 and the CRC-64 the SDK compares must match. It returns the MD5 (hex).
// Failures are *Error values like the Client's.
func PutSigned(ctx context.Context, p SignedPut) (string, error) {
	if p.Bucket == "" || p.Key == "" || p.Authorization == "" {
		return "", errors.New("storage: a signed upload needs a bucket, a key and an authorization")
	}
	bucketURL, endpoint, host, err := bucketAddress(p.Bucket, p.Region, p.Endpoint)
	if err != nil {
		return "", err
	}
	base := p.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c := cos.NewClient(&cos.BaseURL{BucketURL: bucketURL}, &http.Client{Transport: &fixedAuth{auth: p.Authorization, next: base}})
	if endpoint != nil {
		c.Host = host
	}
	c.UserAgent = "tcb-go " + cos.UserAgent
	// The signature is good for one request: a retry would be refused as a
	// replay anyway on the platform, and says nothing new here.
	c.Conf.RetryOpt.Count = 1
	sum := md5.Sum(p.Body)
	hdr := &cos.ObjectPutHeaderOptions{
		ContentType:   p.ContentType,
		ContentMD5:    base64.StdEncoding.EncodeToString(sum[:]),
		ContentLength: int64(len(p.Body)),
	}
	if p.Progress != nil {
		hdr.Listener = &putListener{fn: p.Progress}
	}
	resp, err := c.Object.Put(ctx, p.Key, bytes.NewReader(p.Body), &cos.ObjectPutOptions{ObjectPutHeaderOptions: hdr})
	if err != nil {
		if ctx.Err() != nil {
			return "", context.Cause(ctx)
		}
		return "", wrap("upload "+p.Key, resp, err)
	}
	want := hex.EncodeToString(sum[:])
	if got := strings.Trim(resp.Header.Get("ETag"), `"`); !strings.EqualFold(got, want) {
		return "", &Error{Op: "upload " + p.Key, Status: resp.StatusCode, Code: "BadDigest", RequestId: resp.Header.Get("x-cos-request-id"),
			Message: "the bucket stored different bytes (ETag " + got + ", sent MD5 " + want + ")"}
	}
	return want, nil
}

// fixedAuth sets one Authorization value on every request.
type fixedAuth struct {
	auth string
	next http.RoundTripper
}

func (t *fixedAuth) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", t.auth)
	return t.next.RoundTrip(r)
}

type putListener struct {
	fn func(done, total int64)
}

func (l *putListener) ProgressChangedCallback(e *cos.ProgressEvent) {
	if e.EventType == cos.ProgressDataEvent || e.EventType == cos.ProgressCompletedEvent {
		l.fn(e.ConsumedBytes, e.TotalBytes)
	}
}
