package hostcheck

import (
	"net"
	"sync"
	"sync/atomic"
)

// Reserve is how many descriptors LimitListener leaves for everything else
// a server opens (its store, child processes' pipes, outgoing calls).
const Reserve = 512

// DefaultMaxConns is the connection cap for this process: the descriptor
// limit minus Reserve, at least 64, at most 16384.
func DefaultMaxConns() int {
	n := fdLimit() - Reserve
	return min(max(n, 64), 16384)
}

// LimitListener caps the connections open at once at max: above it, new
// connections are closed as soon as they are accepted (the client sees a
// reset at once instead of hanging), so a flood cannot exhaust the
// process's descriptors and the connections being served keep working.
func LimitListener(ln net.Listener, max int) net.Listener {
	return &limitListener{Listener: ln, max: int64(max)}
}

type limitListener struct {
	net.Listener
	max      int64
	open     atomic.Int64
	Rejected atomic.Int64
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.open.Add(1) > l.max {
			l.open.Add(-1)
			l.Rejected.Add(1)
			if tc, ok := c.(*net.TCPConn); ok {
				tc.SetLinger(0)
			}
			c.Close()
			continue
		}
		return &countedConn{Conn: c, l: l}, nil
	}
}

type countedConn struct {
	net.Conn
	l    *limitListener
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.l.open.Add(-1) })
	return c.Conn.Close()
}
