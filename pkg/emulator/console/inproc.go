package console

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/database"
)

// inproc serves HTTP requests with the host's mux, in this process: the
// console's calls pass the same handlers, checks and signature
// verification as any client's, without a socket.
type inproc struct{ m *Module }

func (t inproc) RoundTrip(r *http.Request) (*http.Response, error) {
	req := r.Clone(r.Context())
	// Over a socket, header names arrive canonical whatever the client
	// wrote (the SDK sets some by map index); make them so here too.
	req.Header = make(http.Header, len(r.Header))
	for k, v := range r.Header {
		ck := http.CanonicalHeaderKey(k)
		req.Header[ck] = append(req.Header[ck], v...)
	}
	if req.Host == "" {
		req.Host = r.URL.Host
	}
	req.RemoteAddr = "127.0.0.1:0"
	req.RequestURI = r.URL.RequestURI()
	req.Header.Set("User-Agent", UserAgent)
	if req.Header.Get("X-TC-Action") != "" {
		req.Header.Set("X-TC-RequestClient", UserAgent)
	}
	if req.Body == nil {
		req.Body = http.NoBody
	}
	rec := &recorder{header: http.Header{}}
	t.m.serve(rec, req)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return &http.Response{
		Status: fmt.Sprintf("%d %s", rec.status, http.StatusText(rec.status)), StatusCode: rec.status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: rec.header, Body: io.NopCloser(bytes.NewReader(rec.body.Bytes())),
		ContentLength: int64(rec.body.Len()), Request: r,
	}, nil
}

// serve hands a request to the emulator's whole handler (module routers
// included), or to its mux when the host has no handler.
func (m *Module) serve(w http.ResponseWriter, r *http.Request) {
	if m.h.Handler != nil {
		m.h.Handler.ServeHTTP(w, r)
		return
	}
	m.h.Mux.ServeHTTP(w, r)
}

// recorder is the response writer of in-process calls.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}
func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(p)
}
func (r *recorder) Flush() {}

// addr is the emulator's address as clients use it.
func (m *Module) addr() string { return m.h.Addr() }

// api is a Cloud API client signed with the development keys whose calls
// are served in-process. It is made on first use, once the emulator
// listens: the Host it signs is the emulator's address, which the
// functions module remembers for timer invocations.
func (m *Module) api() (*cloudapi.Client, error) {
	m.clientMu.Lock()
	defer m.clientMu.Unlock()
	if m.client != nil {
		return m.client, nil
	}
	c, err := cloudapi.New(cloudapi.Options{
		Credential:  cloudapi.Credential{SecretID: config.EmulatorSecretID, SecretKey: config.EmulatorSecretKey},
		Region:      "ap-shanghai",
		Endpoint:    "http://" + m.addr(),
		Timeout:     5 * time.Minute,
		MaxAttempts: 1,
		Transport:   inproc{m},
	})
	if err != nil {
		return nil, err
	}
	m.client = c
	return c, nil
}

// db is the document backend of env (RunCommands and flexdb).
func (m *Module) db(env string) (*database.API, error) {
	c, err := m.api()
	if err != nil {
		return nil, err
	}
	return &database.API{Client: c, Env: env}, nil
}

// local calls one of the host's own HTTP routes in-process and decodes its
// JSON answer into out (when not nil). It returns the HTTP status.
func (m *Module) local(ctx context.Context, method, path string, body []byte, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+m.addr()+path, rd)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := inproc{m}.RoundTrip(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if out != nil {
		dec := json.NewDecoder(resp.Body)
		dec.UseNumber()
		if err := dec.Decode(out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}

// localRaw is local returning the body bytes.
func (m *Module) localRaw(ctx context.Context, method, pathQuery string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, "http://"+m.addr()+pathQuery, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := inproc{m}.RoundTrip(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// pathOf keeps the path and query of a URL the emulator handed out.
func pathOf(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
		if j := strings.IndexByte(u, '/'); j >= 0 {
			return u[j:]
		}
		return "/"
	}
	return u
}
