package token

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/emulatortest"
)

// discardWriter is a minimal http.ResponseWriter for in-process benchmarks.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) WriteHeader(c int)   { w.status = c }
func (w *discardWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = 200
	}
	w.n += len(b)
	return len(b), nil
}

func benchServer(b *testing.B) *Server {
	b.Helper()
	fake := newUpstream(b, upstreamOptions{})
	m := mustManager(b, ManagerOptions{Store: newFileStore(b), Fetcher: newFetcher(fake.URL, ModeStable)})
	srv, err := NewServer(ServerOptions{Manager: m, Apps: []string{testApp, testApp2}, Keys: []string{"k1-0000000000000000", "k2-0000000000000000", testKey}})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(func() { cancel(); srv.Wait() })
	srv.Start(ctx)
	emulatortest.EventuallyWithin(b, 5*time.Second, func() bool { return srv.apps[testApp].snap.Load() != nil }, "a token")
	return srv
}

// BenchmarkServerCachedGet measures the hot path (auth over 3 keys, query
// parsing, snapshot render) in-process, without network.
func BenchmarkServerCachedGet(b *testing.B) {
	benchCachedGet(b, benchServer(b))
}

// benchCachedGet serves GET /v1/token in parallel, in-process, from srv's
// cached token.
func benchCachedGet(b *testing.B, srv *Server) {
	req := httptest.NewRequest("GET", "/v1/token?appid="+testApp, nil)
	req.Header.Set("Authorization", "Bearer "+testKey)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		w := &discardWriter{h: http.Header{}}
		for pb.Next() {
			clear(w.h)
			w.status = 0
			srv.ServeHTTP(w, req)
			if w.status != 200 {
				b.Fatalf("status %d", w.status)
			}
		}
	})
}

// BenchmarkServerLoopbackGet goes through net/http over loopback (client
// and server share the CPU, so this understates a real load generator).
func BenchmarkServerLoopbackGet(b *testing.B) {
	srv := benchServer(b)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	hs := NewHTTPServer(srv, nil)
	go func() { _ = hs.Serve(ln) }()
	b.Cleanup(func() { hs.Close() })
	url := "http://" + ln.Addr().String() + "/v1/token?appid=" + testApp
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	hc := &http.Client{Transport: tr}
	b.Cleanup(tr.CloseIdleConnections)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+testKey)
		for pb.Next() {
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
}
