package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// SentinelSet is a Redis master, one replica and three Sentinels
// monitoring them (quorum 2), all on free loopback ports, started by
// StartSentinel. Failover kills the current master and waits until the
// Sentinels have promoted the replica.
type SentinelSet struct {
	MasterName string
	Sentinels  []string // host:port of each Sentinel
	URL        string   // redis+sentinel://host:port,host:port,host:port/MASTER/0

	dir   string
	nodes map[string]*server // by host:port: the master and the replica
	sents []*server
}

// StartSentinel starts the set and removes it when the test ends.
func StartSentinel(t testing.TB) *SentinelSet {
	t.Helper()
	s, err := NewSentinel()
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// NewSentinel starts a set; Close stops it and removes its files.
func NewSentinel() (*SentinelSet, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("redis-server is not on PATH: install it (apt-get install redis-server, brew install redis); these tests need a real Redis")
	}
	dir, err := scratchDir("tcb-sentinel-", nil)
	if err != nil {
		return nil, err
	}
	s := &SentinelSet{MasterName: "tcbmaster", dir: dir, nodes: map[string]*server{}}
	ok := false
	defer func() {
		if !ok {
			s.Close()
		}
	}()
	ports, err := freePorts(5)
	if err != nil {
		return nil, err
	}
	master := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
	for i, port := range ports[:2] {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		nd := filepath.Join(dir, "node"+strconv.Itoa(i))
		if err := os.Mkdir(nd, 0o700); err != nil {
			return nil, err
		}
		argv := []string{bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			"--dir", nd, "--logfile", "", "--daemonize", "no", "--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0"}
		if i > 0 {
			argv = append(argv, "--replicaof", "127.0.0.1", strconv.Itoa(ports[0]))
		}
		srv := &server{name: "redis " + addr, argv: argv, stop: syscall.SIGTERM,
			ready: func(context.Context) error { return ping(addr) }}
		if err := srv.start(30 * time.Second); err != nil {
			return nil, err
		}
		s.nodes[addr] = srv
	}
	for i, port := range ports[2:] {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		conf := filepath.Join(dir, "sentinel"+strconv.Itoa(i)+".conf")
		text := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\nsentinel monitor %s 127.0.0.1 %d 2\n"+
			"sentinel down-after-milliseconds %s 400\nsentinel failover-timeout %s 2000\nsentinel parallel-syncs %s 1\n",
			port, dir, s.MasterName, ports[0], s.MasterName, s.MasterName, s.MasterName)
		if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
			return nil, err
		}
		srv := &server{name: "sentinel " + addr, argv: []string{bin, conf, "--sentinel"}, stop: syscall.SIGTERM,
			ready: func(context.Context) error { return ping(addr) }}
		if err := srv.start(30 * time.Second); err != nil {
			return nil, err
		}
		s.sents = append(s.sents, srv)
		s.Sentinels = append(s.Sentinels, addr)
	}
	s.URL = "redis+sentinel://" + strings.Join(s.Sentinels, ",") + "/" + s.MasterName + "/0"
	// Ready when the Sentinels agree on the master and see the replica.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = poll(ctx, func() error {
		for _, a := range s.Sentinels {
			m, err := s.masterFrom(ctx, a)
			if err != nil {
				return err
			}
			if m != master {
				return fmt.Errorf("sentinel %s sees master %s", a, m)
			}
			c := redis.NewSentinelClient(&redis.Options{Addr: a})
			reps, err := c.Replicas(ctx, s.MasterName).Result()
			c.Close()
			if err != nil || len(reps) == 0 {
				return fmt.Errorf("sentinel %s sees no replica yet (%v)", a, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sentinels not ready: %v", err)
	}
	ok = true
	return s, nil
}

func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var out []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}

func (s *SentinelSet) masterFrom(ctx context.Context, sentinel string) (string, error) {
	c := redis.NewSentinelClient(&redis.Options{Addr: sentinel, DialTimeout: time.Second, ReadTimeout: time.Second})
	defer c.Close()
	hp, err := c.GetMasterAddrByName(ctx, s.MasterName).Result()
	if err != nil {
		return "", err
	}
	return net.JoinHostPort(hp[0], hp[1]), nil
}

// Master is the master's address as the first Sentinel that answers sees
// it.
func (s *SentinelSet) Master(ctx context.Context) (string, error) {
	var last error
	for _, a := range s.Sentinels {
		m, err := s.masterFrom(ctx, a)
		if err == nil {
			return m, nil
		}
		last = err
	}
	return "", last
}

// Failover kills the master (SIGKILL, as a crashed machine) and waits
// until every Sentinel names the promoted replica and it accepts writes.
// It returns the new master's address.
func (s *SentinelSet) Failover(ctx context.Context) (string, error) {
	old, err := s.Master(ctx)
	if err != nil {
		return "", err
	}
	srv := s.nodes[old]
	if srv == nil {
		return "", fmt.Errorf("the master %s is not one of ours", old)
	}
	srv.halt(syscall.SIGKILL, 10*time.Second)
	var nm string
	err = poll(ctx, func() error {
		for _, a := range s.Sentinels {
			m, err := s.masterFrom(ctx, a)
			if err != nil {
				return err
			}
			if m == old {
				return fmt.Errorf("sentinel %s still names %s", a, old)
			}
			nm = m
		}
		c := redis.NewClient(&redis.Options{Addr: nm, DialTimeout: time.Second, ReadTimeout: time.Second})
		defer c.Close()
		role, err := c.Do(ctx, "ROLE").Slice()
		if err != nil || len(role) == 0 || role[0] != "master" {
			return fmt.Errorf("%s is not master yet (%v)", nm, err)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("no failover from %s: %v", old, err)
	}
	return nm, nil
}

// Close stops every process and removes the files.
func (s *SentinelSet) Close() {
	for _, srv := range s.sents {
		srv.halt(syscall.SIGKILL, 10*time.Second)
	}
	for _, srv := range s.nodes {
		srv.halt(syscall.SIGKILL, 10*time.Second)
	}
	if s.dir != "" {
		os.RemoveAll(s.dir)
	}
}
