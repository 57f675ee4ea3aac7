package emulator

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/emulator/tc3"
)

// rawHTTP sends a request to the emulator's listener with the given Host
// header (and Origin, when not empty) and returns the status and body.
func rawHTTP(t *testing.T, e *Emulator, method, path, host, origin, body string, sign bool) (int, string) {
	t.Helper()
	r, _ := http.NewRequest(method, e.Endpoint()+path, strings.NewReader(body))
	r.Host = host
	if origin != "" {
		r.Header.Set("Origin", origin)
	}
	if sign {
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-TC-Action", "CreateEnv")
		r.Header.Set("X-TC-Version", "2018-06-08")
		tc3.Sign(r, []byte(body), config.EmulatorSecretID, config.EmulatorSecretKey, "tcb", time.Now().Unix())
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// DNS rebinding: a page on attacker.example whose name now resolves to
// 127.0.0.1 sends requests with its own Host (and Origin). The development
// keys are public, so a signed call would otherwise create environments,
// deploy and run code; the admin endpoints would wipe data.
func TestDNSRebindingIsRefused(t *testing.T) {
	e := start(t, Options{AllowHosts: []string{"dev.example.test", "*.corp.test"}})
	_, port, _ := net.SplitHostPort(e.Addr())
	evil := "attacker.example:" + port
	if code, body := rawHTTP(t, e, "POST", "/", evil, "", `{"Alias":"pwned"}`, true); code != 403 ||
		!strings.Contains(body, "DNS rebinding") || !strings.Contains(body, "--allow-host attacker.example") {
		t.Fatalf("signed CreateEnv from a rebound name: %d %s", code, body)
	}
	if code, _ := rawHTTP(t, e, "POST", "/_emulator/reset", evil, "http://"+evil, "", false); code != 403 {
		t.Fatalf("reset from a rebound name: %d", code)
	}
	if code, body := rawHTTP(t, e, "GET", "/_emulator/health", "127.0.0.1:"+port, "http://attacker.example", "", false); code != 403 || !strings.Contains(body, "origin") {
		t.Fatalf("a page of another origin: %d %s", code, body)
	}
	recs, err := e.envs.List()
	if err != nil || len(recs) != 0 {
		t.Fatalf("the rebound request created %d environments", len(recs))
	}
	for _, host := range []string{"127.0.0.1:" + port, "localhost:" + port, "env-1.site.localhost:" + port, "[::1]:" + port,
		"dev.example.test:" + port, "a.corp.test:" + port} {
		if code, body := rawHTTP(t, e, "GET", "/_emulator/health", host, "", "", false); code != 200 {
			t.Errorf("Host %s: %d %s", host, code, body)
		}
	}
	if code, _ := rawHTTP(t, e, "GET", "/_emulator/health", "corp.test:"+port, "", "", false); code != 403 {
		t.Errorf("*.corp.test must not allow corp.test itself: %d", code)
	}
}

// A client that sends its headers and then trickles the body is cut off;
// the emulator keeps answering others meanwhile.
func TestSlowBodyIsCutOff(t *testing.T) {
	e := start(t, Options{BodyGrace: 300 * time.Millisecond})
	conn, err := net.Dial("tcp", e.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"a\":", e.Addr())
	if code, _ := rawHTTP(t, e, "GET", "/_emulator/health", e.Addr(), "", "", false); code != 200 {
		t.Fatalf("health while a body trickles: %d", code)
	}
	// The server answers or closes once the body deadline passes; the
	// read below returns then (bounded by a generous guard).
	conn.SetReadDeadline(time.Now().Add(60 * time.Second))
	_, err = io.ReadAll(bufio.NewReader(conn))
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("the trickling connection was never cut off")
	}
}

// Unsigned requests with large bodies are refused before their bodies are
// read, and a body over the limit is refused by its Content-Length: a flood
// of them does not grow the emulator's memory.
func TestUnsignedFloodDoesNotBufferBodies(t *testing.T) {
	e := start(t, Options{})
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	// The peak matters, not what is left after a GC: sample the heap
	// while the flood runs.
	var peak uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			default:
			}
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			runtime.Gosched()
		}
	}()
	var wg sync.WaitGroup
	codes := make(chan string, 60)
	for i := 0; i < 60; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			body := io.LimitReader(zeros{}, 9<<20)
			r, _ := http.NewRequest("POST", e.Endpoint()+"/", body)
			r.ContentLength = 9 << 20
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("X-TC-Action", "DescribeEnvs")
			r.Header.Set("X-TC-Version", "2018-06-08")
			r.Header.Set("X-TC-Timestamp", fmt.Sprint(time.Now().Unix()))
			r.Header.Set("Authorization", "TC3-HMAC-SHA256 Credential=AKIDnobody/"+time.Now().UTC().Format("2006-01-02")+
				"/tcb/tc3_request, SignedHeaders=content-type;host, Signature="+strings.Repeat("0", 64))
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				codes <- "" // the server may close before the client finished sending
				return
			}
			defer resp.Body.Close()
			var env struct {
				Response struct{ Error struct{ Code string } }
			}
			json.NewDecoder(resp.Body).Decode(&env)
			codes <- env.Response.Error.Code
		}(i)
	}
	wg.Wait()
	close(stop)
	<-sampled
	close(codes)
	for c := range codes {
		if c != "" && c != "AuthFailure.SecretIdNotFound" {
			t.Errorf("unsigned flood answered %q", c)
		}
	}
	if grown := int64(peak) - int64(before.HeapInuse); grown > 128<<20 {
		t.Errorf("the heap peaked %d MB higher under 60 unsigned 9 MB bodies", grown>>20)
	}
	// Over the limit: refused by Content-Length, before anything is read.
	r, _ := http.NewRequest("POST", e.Endpoint()+"/", io.LimitReader(zeros{}, 11<<20))
	r.ContentLength = 11 << 20
	r.Header.Set("Authorization", "x")
	resp, err := http.DefaultClient.Do(r)
	if err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !bytes.Contains(b, []byte("RequestSizeLimitExceeded")) {
			t.Errorf("an 11 MB body: %s", b)
		}
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// Beyond MaxConns, new connections are closed at once instead of piling up;
// once the slow ones go, service resumes.
func TestConnectionLimit(t *testing.T) {
	e := start(t, Options{MaxConns: 20})
	var slow []net.Conn
	for i := 0; i < 20; i++ {
		c, err := net.Dial("tcp", e.Addr())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "GET /_emulator/health HTTP/1.1\r\nHost: %s\r\n", e.Addr()) // never finishes its headers
		slow = append(slow, c)
	}
	// Wait until the server has accepted all of them (a request on a
	// fresh connection is then refused at once).
	refused := false
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && !refused; {
		c, err := net.Dial("tcp", e.Addr())
		if err != nil {
			refused = true
			break
		}
		fmt.Fprintf(c, "GET /_emulator/health HTTP/1.1\r\nHost: %s\r\n\r\n", e.Addr())
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, rerr := bufio.NewReader(c).ReadString('\n')
		c.Close()
		refused = rerr != nil && !isTimeout(rerr)
	}
	if !refused {
		t.Fatal("a connection beyond the limit was served")
	}
	for _, c := range slow {
		c.Close()
	}
	waitUntil(t, 30*time.Second, "service after the slow connections closed", func() bool {
		resp, err := http.Get(e.Endpoint() + "/_emulator/health")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// waitUntil polls cond until it holds; the timeout only guards against a
// hang.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	guard := time.After(timeout)
	for !cond() {
		select {
		case <-tick.C:
		case <-guard:
			t.Fatalf("waited %s for %s", timeout, what)
		}
	}
}
