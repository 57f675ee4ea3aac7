package cos

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	cossdk "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/emulator/creds"
)

// loopbackClient dials the emulator whatever the URL's host (*.localhost
// names, which Go does not resolve).
func (h *harness) loopbackClient() *http.Client {
	addr := h.Addr()
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}}
}

func (h *harness) fetch(c *http.Client, u string) (int, string) {
	h.T.Helper()
	resp, err := c.Get(u)
	if err != nil {
		h.T.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestSignatures(t *testing.T) {
	h := start(t).newEnv()
	c := h.sdk(h.bucket)
	h.put(c, "s.txt", []byte("secret"), &cossdk.ObjectPutOptions{ACLHeaderOptions: &cossdk.ACLHeaderOptions{XCosACL: "private"}})
	host := h.bucket + ".cos.ap-shanghai.localhost:" + h.port()
	signed := func(method, path string, at *cossdk.AuthTime, id, key string, edit func(*http.Request)) *http.Request {
		req, _ := http.NewRequest(method, "http://"+h.Addr()+path, nil)
		req.Host = host
		if at == nil {
			at = cossdk.NewAuthTime(time.Hour)
		}
		cossdk.AddAuthorizationHeader(id, key, "", req, at)
		if edit != nil {
			edit(req)
		}
		return req
	}
	send := func(req *http.Request) (int, string) {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	dev := func(method, path string, edit func(*http.Request)) *http.Request {
		return signed(method, path, nil, config.EmulatorSecretID, config.EmulatorSecretKey, edit)
	}
	if code, body := send(dev("GET", "/s.txt", nil)); code != 200 || body != "secret" {
		t.Fatalf("a signed GET: %d %s", code, body)
	}
	past := time.Now().Add(-2 * time.Hour)
	for name, tc := range map[string]struct {
		req  *http.Request
		code int
		want string
	}{
		"tampered signature": {dev("GET", "/s.txt", func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "q-signature=", "q-signature=0", 1)[:len(r.Header.Get("Authorization"))])
		}), 403, "SignatureDoesNotMatch"},
		"other path": {dev("GET", "/s.txt", func(r *http.Request) { r.URL.Path = "/other.txt" }), 403, "SignatureDoesNotMatch"},
		"signed header changed": {dev("GET", "/s.txt", func(r *http.Request) {
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", strings.Replace(a, "q-header-list=", "q-header-list=range;", 1))
			r.Header.Set("Range", "bytes=0-1")
		}), 403, "SignatureDoesNotMatch"},
		"expired": {signed("GET", "/s.txt", &cossdk.AuthTime{SignStartTime: past, SignEndTime: past.Add(time.Hour), KeyStartTime: past,
			KeyEndTime: past.Add(time.Hour)}, config.EmulatorSecretID, config.EmulatorSecretKey, nil), 403, "Request has expired"},
		"unknown key":      {signed("GET", "/s.txt", nil, "AKIDnobody", "nokey", nil), 403, "InvalidAccessKeyId"},
		"wrong secret key": {signed("GET", "/s.txt", nil, config.EmulatorSecretID, "wrong", nil), 403, "SignatureDoesNotMatch"},
		"not sha1":         {dev("GET", "/s.txt", func(r *http.Request) { r.Header.Set("Authorization", "q-sign-algorithm=md5&x=y") }), 403, "AccessDenied"},
		"unsigned": {func() *http.Request {
			r, _ := http.NewRequest("GET", "http://"+h.Addr()+"/s.txt", nil)
			r.Host = host
			return r
		}(), 403, "AccessDenied"},
	} {
		code, body := send(tc.req)
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("%s: HTTP %d %s, want %d %s", name, code, body, tc.code, tc.want)
		}
	}

	// Path-style, signed over the path with the bucket.
	req, _ := http.NewRequest("GET", "http://"+h.Addr()+"/"+h.bucket+"/s.txt", nil)
	cossdk.AddAuthorizationHeader(config.EmulatorSecretID, config.EmulatorSecretKey, "", req, cossdk.NewAuthTime(time.Minute))
	if code, body := send(req); code != 200 || body != "secret" {
		t.Errorf("path-style signed GET: %d %s", code, body)
	}
}

// Presigned URLs work until their expiry, and only for what they sign.
func TestPresignedURLs(t *testing.T) {
	h := start(t).newEnv()
	c := h.sdk(h.bucket)
	h.put(c, "dir/p q.txt", []byte("presigned"), &cossdk.ObjectPutOptions{ACLHeaderOptions: &cossdk.ACLHeaderOptions{XCosACL: "private"}})
	u, _ := url.Parse("http://" + h.bucket + ".cos.ap-shanghai.localhost:" + h.port())
	vc := cossdk.NewClient(&cossdk.BaseURL{BucketURL: u}, nil)
	pu, err := vc.Object.GetPresignedURL(context.Background(), http.MethodGet, "dir/p q.txt", config.EmulatorSecretID, config.EmulatorSecretKey, time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	client := h.loopbackClient()
	if code, body := h.fetch(client, pu.String()); code != 200 || body != "presigned" {
		t.Fatalf("presigned GET: %d %s", code, body)
	}
	if code, body := h.fetch(client, pu.String()+"&acl"); code != 403 || !strings.Contains(body, "not covered") {
		t.Errorf("presigned GET with an unsigned subresource: %d %s", code, body)
	}
	merged, err := vc.Object.GetPresignedURL(context.Background(), http.MethodGet, "dir/p q.txt", config.EmulatorSecretID, config.EmulatorSecretKey,
		time.Minute, &cossdk.PresignedURLOptions{SignMerged: true})
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := h.fetch(client, merged.String()); code != 200 {
		t.Errorf("presigned GET with sign=: %d", code)
	}
	h.Clock.Advance(2 * time.Minute)
	if code, body := h.fetch(client, pu.String()); code != 403 || !strings.Contains(body, "expired") {
		t.Errorf("presigned GET after expiry: %d %s", code, body)
	}
}

// A function's temporary keys reach their own environment's buckets only,
// and only with their session token.
func TestTemporaryKeys(t *testing.T) {
	h := start(t).newEnv()
	mine := h.bucket
	h.newEnv()
	other := h.bucket
	p := h.m.h.Credentials.Issue(h.env, creds.Caller{OpenID: "oUser"}, time.Hour)
	// h.env is the second environment now.
	c := h.sdkWith(other, p.SecretID, p.SecretKey, p.SessionToken)
	h.put(c, "t.txt", []byte("t"), nil)
	if _, err := h.sdkWith(mine, p.SecretID, p.SecretKey, p.SessionToken).Object.Put(context.Background(), "t.txt", strings.NewReader("t"), nil); cosCode(err) != "AccessDenied" {
		t.Errorf("temporary keys of one env writing another's bucket: %v", err)
	}
	if _, err := h.sdkWith(other, p.SecretID, p.SecretKey, "").Object.Put(context.Background(), "t.txt", strings.NewReader("t"), nil); cosCode(err) != "InvalidAccessKeyId" {
		t.Errorf("temporary keys without their token: %v", err)
	}
}
