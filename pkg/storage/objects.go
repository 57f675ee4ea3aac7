package storage

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	cos "github.com/tencentyun/cos-go-sdk-v5"
)

// Object is one listed object.
type Object struct {
	Key          string    `json:"key"`
	Size         int64     `json:"size"`
	ETag         string    `json:"etag"`
	LastModified time.Time `json:"lastModified"`
}

// Listing is what List found.
type Listing struct {
	Objects []Object `json:"objects"`
	// Dirs are the common prefixes (only when not recursive).
	Dirs []string `json:"dirs,omitempty"`
}

// List lists the objects whose keys start with prefix: all of them
// (recursive), or those directly under it plus its subdirectories.
func (c *Client) List(ctx context.Context, prefix string, recursive bool) (*Listing, error) {
	out := &Listing{}
	opt := &cos.BucketGetOptions{Prefix: prefix, MaxKeys: 1000, EncodingType: "url"}
	if !recursive {
		opt.Delimiter = "/"
	}
	for {
		res, resp, err := c.cos.Bucket.Get(ctx, opt)
		if err != nil {
			return nil, wrap("list "+showPrefix(prefix), resp, err)
		}
		for _, o := range res.Contents {
			key, err := url.QueryUnescape(o.Key)
			if err != nil {
				return nil, fmt.Errorf("list: the server sent an undecodable key %q", o.Key)
			}
			t, _ := time.Parse(time.RFC3339, o.LastModified)
			out.Objects = append(out.Objects, Object{Key: key, Size: o.Size, ETag: strings.Trim(o.ETag, `"`), LastModified: t})
		}
		for _, p := range res.CommonPrefixes {
			d, err := url.QueryUnescape(p)
			if err != nil {
				return nil, fmt.Errorf("list: the server sent an undecodable prefix %q", p)
			}
			out.Dirs = append(out.Dirs, d)
		}
		if !res.IsTruncated {
			break
		}
		next, err := url.QueryUnescape(res.NextMarker)
		if err != nil || next == "" || next == opt.Marker {
			if len(res.Contents) == 0 {
				return nil, fmt.Errorf("list: the server's listing does not advance")
			}
			last, _ := url.QueryUnescape(res.Contents[len(res.Contents)-1].Key)
			next = last
		}
		opt.Marker = next
	}
	sort.Slice(out.Objects, func(i, j int) bool { return out.Objects[i].Key < out.Objects[j].Key })
	return out, nil
}

func showPrefix(p string) string {
	if p == "" {
		return "the bucket"
	}
	return p
}

// Info is what HEAD tells about an object.
type Info struct {
	Key          string            `json:"key"`
	Size         int64             `json:"size"`
	ETag         string            `json:"etag"`
	ContentType  string            `json:"contentType"`
	CacheControl string            `json:"cacheControl,omitempty"`
	LastModified time.Time         `json:"lastModified"`
	CRC64        string            `json:"crc64,omitempty"`
	Meta         map[string]string `json:"meta,omitempty"`
}

// Stat reads an object's metadata; a missing object is a not-found error.
func (c *Client) Stat(ctx context.Context, key string) (*Info, error) {
	resp, err := c.cos.Object.Head(ctx, key, nil)
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			return nil, &Error{Op: "detail " + key, Status: 404, Code: "NoSuchKey", Message: "no such file",
				RequestId: resp.Header.Get("x-cos-request-id")}
		}
		return nil, wrap("detail "+key, resp, err)
	}
	h := resp.Header
	info := &Info{Key: key, ETag: strings.Trim(h.Get("ETag"), `"`), ContentType: h.Get("Content-Type"),
		CacheControl: h.Get("Cache-Control"), CRC64: h.Get("x-cos-hash-crc64ecma")}
	info.Size, _ = strconv.ParseInt(h.Get("Content-Length"), 10, 64)
	info.LastModified, _ = http.ParseTime(h.Get("Last-Modified"))
	for k, vs := range h {
		if m, ok := strings.CutPrefix(strings.ToLower(k), "x-cos-meta-"); ok && len(vs) > 0 {
			if info.Meta == nil {
				info.Meta = map[string]string{}
			}
			info.Meta[m] = vs[0]
		}
	}
	return info, nil
}

// DeleteFailure is one key a multi-delete could not remove.
type DeleteFailure struct {
	Key     string `json:"key"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// DeleteOne removes one object; deleting a missing key succeeds (as in
// COS).
func (c *Client) DeleteOne(ctx context.Context, key string) error {
	resp, err := c.cos.Object.Delete(ctx, key)
	return wrap("delete "+key, resp, err)
}

// Delete removes keys, 1000 per request; it reports the keys COS refused.
// done, when set, is called after each batch with how many keys it held.
func (c *Client) Delete(ctx context.Context, keys []string, done func(n int)) ([]DeleteFailure, error) {
	var failed []DeleteFailure
	for len(keys) > 0 {
		n := min(len(keys), 1000)
		opt := &cos.ObjectDeleteMultiOptions{Quiet: true}
		for _, k := range keys[:n] {
			opt.Objects = append(opt.Objects, cos.Object{Key: k})
		}
		res, resp, err := c.cos.Object.DeleteMulti(ctx, opt)
		if err != nil {
			return failed, wrap(fmt.Sprintf("delete %d files", n), resp, err)
		}
		for _, e := range res.Errors {
			failed = append(failed, DeleteFailure{Key: e.Key, Code: e.Code, Message: e.Message})
		}
		if done != nil {
			done(n)
		}
		keys = keys[n:]
	}
	return failed, nil
}

// MaxURLAge caps presigned URLs.
const MaxURLAge = 7 * 24 * time.Hour

// PresignGet returns a URL that downloads key until maxAge has passed.
func (c *Client) PresignGet(ctx context.Context, key string, maxAge time.Duration) (string, error) {
	if maxAge <= 0 || maxAge > MaxURLAge {
		return "", fmt.Errorf("the URL lifetime must be between 1s and %s", MaxURLAge)
	}
	cr := c.opts.Credentials
	if c.endpoint == nil {
		u, err := c.cos.Object.GetPresignedURL(ctx, http.MethodGet, key, cr.SecretID, cr.SecretKey, maxAge, tokenQuery(cr.SessionToken))
		if err != nil {
			return "", wrap("url "+key, nil, err)
		}
		return u.String(), nil
	}
	// Path-style through the endpoint, signed by the SDK's signer: the
	// signature covers the path (with the bucket) and the host.
	u := *c.endpoint
	u.Path = "/" + c.opts.Bucket + "/" + key
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", err
	}
	cos.AddAuthorizationHeader(cr.SecretID, cr.SecretKey, "", req, cos.NewAuthTime(maxAge))
	q := url.Values{}
	for _, kv := range strings.Split(req.Header.Get("Authorization"), "&") {
		k, v, _ := strings.Cut(kv, "=")
		q.Set(k, v)
	}
	if cr.SessionToken != "" {
		q.Set("x-cos-security-token", cr.SessionToken)
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func tokenQuery(token string) any {
	if token == "" {
		return nil
	}
	return &cos.PresignedURLOptions{Query: &url.Values{"x-cos-security-token": {token}}}
}
