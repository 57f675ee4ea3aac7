package token

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tcb-go/tcb/pkg/errkind"
)

// RedisSentinelOptions configures NewRedisSentinelStore.
type RedisSentinelOptions struct {
	// URL is
	//
	//	redis+sentinel://[[user]:password@]host:port[,host:port...]/MASTER[/DB][?options]
	//
	// (rediss+sentinel:// for TLS to the Redis nodes): the Sentinels to
	// ask, the name of the monitored master and the database number. The
	// user and password are the Redis nodes' (requirepass or ACL). Options:
	// sentinel_username and sentinel_password when the Sentinels have
	// their own password, and addr=host:port (repeatable) for more
	// Sentinels, IPv6 ones included.
	URL string
	// Prefix of every key; default "tcb:".
	Prefix string
	// Timeout for dialing and for each command; default 3 s.
	Timeout time.Duration
}

// NewRedisSentinelStore is a RedisStore on a Sentinel-managed Redis
// (go-redis's failover client): commands go to the current master, and
// after a failover the client asks the Sentinels for the new one, so
// replicas of the token server keep working across it. A failover can
// lose the last writes (Redis replicates asynchronously), the lock
// included: the fencing counter is never below the acquirer's clock in ms,
// so a lock granted after the failover still outranks one granted before
// it, and a stale holder's write is refused. Connecting is lazy; a
// malformed URL gives an error that never echoes a password.
func NewRedisSentinelStore(o RedisSentinelOptions) (*RedisStore, error) {
	fo, err := parseSentinelURL(o.URL)
	if err != nil {
		return nil, err
	}
	t := o.Timeout
	if t <= 0 {
		t = 3 * time.Second
	}
	fo.DialTimeout, fo.ReadTimeout, fo.WriteTimeout = t, t, t
	fo.MaxRetries = 1
	prefix := o.Prefix
	if prefix == "" {
		prefix = "tcb:"
	}
	return &RedisStore{rdb: redis.NewFailoverClient(fo), prefix: prefix, poll: 25 * time.Millisecond}, nil
}

// parseSentinelURL reads a redis+sentinel:// URL; its errors show the URL
// without passwords.
func parseSentinelURL(raw string) (*redis.FailoverOptions, error) {
	bad := func(why string) error {
		return errkind.Errorf(errkind.Input, "token: invalid Redis Sentinel URL %s: %s (want redis+sentinel://[[user]:password@]host:port[,host:port...]/MASTER[/DB])",
			RedactStoreSpec(raw), why)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, bad("not a URL")
	}
	fo := &redis.FailoverOptions{}
	switch u.Scheme {
	case "redis+sentinel":
	case "rediss+sentinel":
		fo.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	default:
		return nil, bad("the scheme must be redis+sentinel or rediss+sentinel")
	}
	if u.User != nil {
		fo.Username = u.User.Username()
		fo.Password, _ = u.User.Password()
	}
	for _, hp := range strings.Split(u.Host, ",") {
		if hp == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(hp); err != nil {
			hp = net.JoinHostPort(hp, "26379")
		}
		fo.SentinelAddrs = append(fo.SentinelAddrs, hp)
	}
	q := u.Query()
	for k, vs := range q {
		switch k {
		case "addr":
			for _, v := range vs {
				if h, p, err := net.SplitHostPort(v); err != nil || h == "" || p == "" {
					return nil, bad("addr must be host:port")
				}
				fo.SentinelAddrs = append(fo.SentinelAddrs, v)
			}
		case "sentinel_username":
			fo.SentinelUsername = q.Get(k)
		case "sentinel_password":
			fo.SentinelPassword = q.Get(k)
		default:
			return nil, bad(fmt.Sprintf("unknown option %q (known: addr, sentinel_username, sentinel_password)", k))
		}
	}
	if len(fo.SentinelAddrs) == 0 {
		return nil, bad("no Sentinel address")
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if parts[0] == "" {
		return nil, bad("no master name (the path's first part)")
	}
	fo.MasterName = parts[0]
	switch len(parts) {
	case 1:
	case 2:
		db, err := strconv.Atoi(parts[1])
		if err != nil || db < 0 {
			return nil, bad("the database must be a number")
		}
		fo.DB = db
	default:
		return nil, bad("the path is /MASTER or /MASTER/DB")
	}
	return fo, nil
}
