package cos

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	cossdk "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/emulator"
	"github.com/tcb-go/tcb/pkg/emulator/wxapi"
)

// harness is an in-process emulator with the WeChat token module and the
// storage module, and one ready environment.
type harness struct {
	*emulatortest.Emulator
	m       *Module
	wx      *wxapi.Module
	env     string
	bucket  string // storage
	hosting string
}

func start(t testing.TB) *harness {
	t.Helper()
	return startIn(t, "", nil)
}

func startIn(t testing.TB, dataDir string, clock *emulatortest.Clock) *harness {
	t.Helper()
	h := &harness{wx: wxapi.New(wxapi.Options{})}
	h.m = New(Options{Tokens: h.wx})
	h.Emulator = emulatortest.Start(t, emulatortest.Options{Options: emulator.Options{DataDir: dataDir}, Clock: clock}, h.wx, h.m)
	return h
}

// newEnv creates an environment and makes it the harness's.
func (h *harness) newEnv() *harness {
	h.T.Helper()
	h.env = h.NewEnv("st")
	info := h.WaitEnvReady(h.env)
	h.bucket = info.Storages[0].Bucket
	h.hosting = "static-" + h.bucket
	return h
}

// port is the emulator's port.
func (h *harness) port() string {
	_, p, _ := net.SplitHostPort(h.Addr())
	return p
}

// sdk is a cos-go-sdk-v5 client of bucket with the development keys: it
// dials the emulator and addresses the bucket virtual-hosted.
func (h *harness) sdk(bucket string) *cossdk.Client {
	return h.sdkWith(bucket, config.EmulatorSecretID, config.EmulatorSecretKey, "")
}

func (h *harness) sdkWith(bucket, id, key, token string) *cossdk.Client {
	u, _ := url.Parse("http://" + h.Addr())
	c := cossdk.NewClient(&cossdk.BaseURL{BucketURL: u}, &http.Client{Transport: &cossdk.AuthorizationTransport{
		SecretID: id, SecretKey: key, SessionToken: token}})
	c.Host = bucket + ".cos.ap-shanghai.localhost:" + h.port()
	c.Conf.RetryOpt.Count = 1
	return c
}

// cosCode is the COS error code of err ("" when none).
func cosCode(err error) string {
	var e *cossdk.ErrorResponse
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func md5hex(b []byte) string { s := md5.Sum(b); return hex.EncodeToString(s[:]) }

func (h *harness) put(c *cossdk.Client, key string, body []byte, opt *cossdk.ObjectPutOptions) *cossdk.Response {
	h.T.Helper()
	resp, err := c.Object.Put(context.Background(), key, bytes.NewReader(body), opt)
	if err != nil {
		h.T.Fatalf("put %q: %v", key, err)
	}
	return resp
}

func (h *harness) get(c *cossdk.Client, key string) []byte {
	h.T.Helper()
	resp, err := c.Object.Get(context.Background(), key, nil)
	if err != nil {
		h.T.Fatalf("get %q: %v", key, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.T.Fatal(err)
	}
	return b
}

// do sends a plain HTTP request to the emulator with a Host header.
func (h *harness) do(method, host, path string, header http.Header, body io.Reader) (*http.Response, []byte) {
	h.T.Helper()
	req, err := http.NewRequest(method, "http://"+h.Addr()+path, body)
	if err != nil {
		h.T.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.T.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// state is the storage part of /_emulator/state.
type state struct {
	Storage struct {
		OpenUploads   int   `json:"open_uploads"`
		OpenParts     int   `json:"open_parts"`
		Puts          int64 `json:"puts"`
		PartsUploaded int64 `json:"parts_uploaded"`
		Files         int   `json:"files"`
		Orphans       int   `json:"orphans_at_start"`
		Buckets       map[string]struct {
			Objects int   `json:"objects"`
			Bytes   int64 `json:"bytes"`
		} `json:"buckets"`
	} `json:"storage"`
}

func (h *harness) state() state {
	h.T.Helper()
	var st state
	h.State(&st)
	return st
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
