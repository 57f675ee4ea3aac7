// Command loadgen is a small HTTP/1.1 load generator for scripts/bench-token.sh
// (wrk is not always installed), plus the "ceiling" server it is compared
// with.
//
//	loadgen run -url http://127.0.0.1:8081/v1/token?appid=wx... [-c 50] [-d 10s] [-rate 0]
//	loadgen const -listen 127.0.0.1:0
//
// run keeps -c keep-alive connections busy. With -rate 0 it is closed-loop
// (as fast as the server answers: throughput); with -rate R it is
// open-loop: requests are scheduled at R per second and latency is counted
// from the scheduled time, so a slow server cannot hide its queueing
// (no coordinated omission). The bearer key comes from the environment
// variable LOADGEN_BEARER (so it stays out of the process list). The
// client is hand-written (pre-built request bytes, Content-Length bodies
// only) so that it costs the machine as little as possible.
//
// const serves a constant JSON answer of about the size of a token answer
// from a plain net/http server: the best a Go HTTP server can do here.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: loadgen run|const [flags]")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "run":
		run(os.Args[2:])
	case "const":
		constServer(os.Args[2:])
	default:
		fmt.Fprintln(os.Stderr, "usage: loadgen run|const [flags]")
		os.Exit(2)
	}
}

func run(args []string) {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	rawURL := fs.String("url", "", "URL to GET")
	conns := fs.Int("c", 50, "connections")
	dur := fs.Duration("d", 10*time.Second, "duration")
	rate := fs.Int("rate", 0, "requests per second (0: as fast as possible)")
	label := fs.String("label", "", "label for the report")
	fs.Parse(args)
	u, err := url.Parse(*rawURL)
	if err != nil || u.Scheme != "http" {
		fail("-url must be an http:// URL")
	}
	req := "GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\nUser-Agent: loadgen\r\n"
	if k := os.Getenv("LOADGEN_BEARER"); k != "" {
		req += "Authorization: Bearer " + k + "\r\n"
	}
	reqBytes := []byte(req + "\r\n")

	ctx, cancel := context.WithTimeout(context.Background(), *dur)
	defer cancel()
	var sched chan time.Time
	if *rate > 0 {
		sched = make(chan time.Time, *rate) // up to a second of backlog
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		all     []time.Duration
		errs    atomic.Int64
		firstEr atomic.Value
	)
	start := time.Now()
	for range *conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 1<<16)
			c := &conn{addr: u.Host}
			defer c.close()
		loop:
			for {
				var t0 time.Time
				if sched != nil {
					select {
					case <-ctx.Done():
						break loop
					case t0 = <-sched:
					}
				} else {
					if ctx.Err() != nil {
						break loop
					}
					t0 = time.Now()
				}
				if err := c.do(reqBytes); err != nil {
					if ctx.Err() != nil {
						break loop
					}
					errs.Add(1)
					firstEr.CompareAndSwap(nil, err.Error())
					c.close()
					continue
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		}()
	}
	if sched != nil {
		interval := time.Second / time.Duration(*rate)
		next := start
		for ctx.Err() == nil {
			next = next.Add(interval)
			if d := time.Until(next); d > 0 {
				time.Sleep(d)
			}
			select {
			case sched <- next:
			default:
				errs.Add(1) // more than a second behind: count as failed
			}
		}
	}
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	pct := func(p float64) string {
		if len(all) == 0 {
			return "-"
		}
		i := min(int(float64(len(all))*p), len(all)-1)
		return fmt.Sprintf("%.2fms", float64(all[i].Microseconds())/1000)
	}
	name := *label
	if name == "" {
		name = *rawURL
	}
	mode := "max"
	if *rate > 0 {
		mode = fmt.Sprintf("%d/s", *rate)
	}
	fmt.Printf("%-34s %-7s c=%-3d %8.0f req/s  p50=%-8s p99=%-8s max=%-8s n=%d errors=%d\n",
		name, mode, *conns, float64(len(all))/elapsed.Seconds(), pct(0.50), pct(0.99), pct(1), len(all), errs.Load())
	if e := firstEr.Load(); e != nil {
		fmt.Fprintf(os.Stderr, "  first error: %v\n", e)
	}
}

// conn is one keep-alive connection.
type conn struct {
	addr string
	c    net.Conn
	r    *bufio.Reader
}

func (c *conn) close() {
	if c.c != nil {
		c.c.Close()
		c.c = nil
	}
}

// do sends req and reads one Content-Length response; only 200 counts.
func (c *conn) do(req []byte) error {
	if c.c == nil {
		nc, err := net.Dial("tcp", c.addr)
		if err != nil {
			return err
		}
		c.c, c.r = nc, bufio.NewReaderSize(nc, 8192)
	}
	if _, err := c.c.Write(req); err != nil {
		return err
	}
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return err
	}
	if len(line) < 12 || string(line[9:12]) != "200" {
		return fmt.Errorf("status %q", strings.TrimSpace(string(line)))
	}
	n := -1
	for {
		h, err := c.r.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(h) <= 2 {
			break
		}
		if k, v, ok := strings.Cut(string(h), ":"); ok && strings.EqualFold(k, "Content-Length") {
			n, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	if n < 0 {
		return errors.New("response without Content-Length")
	}
	_, err = c.r.Discard(n)
	return err
}

func constServer(args []string) {
	fs := flag.NewFlagSet("const", flag.ExitOnError)
	listen := fs.String("listen", "127.0.0.1:0", "address")
	fs.Parse(args)
	body := []byte(`{"access_token":"89_` + strings.Repeat("x", 128) + `","expires_in":7000,"expires_at":"2030-01-01T00:00:00Z","source":"stable"}` + "\n")
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fail(err.Error())
	}
	fmt.Println("listening", ln.Addr())
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})}
	go func() {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGTERM, os.Interrupt)
		<-ch
		srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fail(err.Error())
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "loadgen:", msg)
	os.Exit(1)
}
