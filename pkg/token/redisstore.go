package token

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
)

// RedisStore keeps tokens in Redis, shared by any number of machines.
//
// Key layout (prefix defaults to "tcb:"; the {appid} hash tag keeps one
// app's keys in one cluster slot so the Lua scripts may touch them together):
//
//	tcb:token:{<appid>}   JSON Record, expires (PX) at the token's expiry
//	tcb:lock:{<appid>}    refresh lock: value = random owner id, SET NX PX lease
//	tcb:fence:{<appid>}   fencing counter: INCR on every lock acquisition,
//	                      never below the acquirer's clock in ms (survives a
//	                      Redis restart that lost the counter)
//	tcb:written:{<appid>} fence of the newest successful write
//	tcb:force:{<appid>}   JSON ForceState, expires after 48 h
//
// Lock: one Lua script does SET lock owner NX PX lease and, on success,
// INCR fence, returning the new fence. Release is a compare-and-delete
// script (delete only if the value is still our owner id). Writes (Put,
// PutForceState) run a Lua script that refuses the write when the lock is
// held by another owner, or when a newer fence has already written; so a
// replica that stalled past its lease cannot overwrite a newer token.
type RedisStore struct {
	rdb    *redis.Client
	prefix string
	poll   time.Duration
	lost   lostLocks
}

// RedisOptions configures NewRedisStore.
type RedisOptions struct {
	// URL is redis://[user:password@]host:port[/db] or rediss:// for TLS.
	URL string
	// Prefix of every key; default "tcb:".
	Prefix string
	// Timeout for dialing and for each command; default 3 s.
	Timeout time.Duration
}

// NewRedisStore connects lazily (the first command dials). A malformed URL
// gives an error that never echoes the password.
func NewRedisStore(o RedisOptions) (*RedisStore, error) {
	opt, err := redis.ParseURL(o.URL)
	if err != nil {
		return nil, fmt.Errorf("token: invalid Redis URL %s: %s (want redis://[user:password@]host:port[/db] or rediss://...)", redactURL(o.URL), scrubURLSecret(err.Error(), o.URL))
	}
	t := o.Timeout
	if t <= 0 {
		t = 3 * time.Second
	}
	opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = t, t, t
	opt.MaxRetries = 1
	prefix := o.Prefix
	if prefix == "" {
		prefix = "tcb:"
	}
	return &RedisStore{rdb: redis.NewClient(opt), prefix: prefix, poll: 25 * time.Millisecond}, nil
}

// redactURL shows a URL with any password replaced.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		// Unparseable: show nothing after a possible userinfo.
		if i := strings.LastIndex(raw, "@"); i >= 0 {
			if j := strings.Index(raw, "://"); j >= 0 && j < i {
				return raw[:j+3] + "xxxxx@" + raw[i+1:]
			}
			return "xxxxx@" + raw[i+1:]
		}
		return fmt.Sprintf("%q", raw)
	}
	return u.Redacted()
}

func scrubURLSecret(msg, raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			msg = strings.ReplaceAll(msg, p, "xxxxx")
		}
	}
	if i := strings.LastIndex(raw, "@"); i > 0 {
		if j := strings.Index(raw, "://"); j >= 0 && j+3 < i {
			if cred := raw[j+3 : i]; cred != "" {
				msg = strings.ReplaceAll(msg, cred, "xxxxx")
			}
		}
	}
	return msg
}

func (s *RedisStore) key(kind, appid string) string {
	return s.prefix + kind + ":{" + appid + "}"
}

// Client exposes the underlying client (for tests and diagnostics).
func (s *RedisStore) Client() *redis.Client { return s.rdb }

// Get implements Store.
func (s *RedisStore) Get(ctx context.Context, appid string) (*Record, error) {
	b, err := s.rdb.Get(ctx, s.key("token", appid)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("token: redis get: %w", err)
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("token: redis record for %s is not valid JSON: %v", appid, err)
	}
	if r.Token == "" {
		return nil, ErrNotFound
	}
	return &r, nil
}

// ForceState implements Store.
func (s *RedisStore) ForceState(ctx context.Context, appid string) (ForceState, error) {
	b, err := s.rdb.Get(ctx, s.key("force", appid)).Bytes()
	if errors.Is(err, redis.Nil) {
		return ForceState{}, nil
	}
	if err != nil {
		return ForceState{}, fmt.Errorf("token: redis get: %w", err)
	}
	var st ForceState
	if err := json.Unmarshal(b, &st); err != nil {
		return ForceState{}, fmt.Errorf("token: redis force state for %s is not valid JSON: %v", appid, err)
	}
	return st, nil
}

// acquireScript: KEYS lock, fence; ARGV owner, lease ms, now ms.
var acquireScript = sync.OnceValue(func() *redis.Script {
	return redis.NewScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local f = redis.call('INCR', KEYS[2])
  local floor = tonumber(ARGV[3])
  if f < floor then
    redis.call('SET', KEYS[2], floor)
    f = floor
  end
  return f
end
return 0
`)
})

// releaseScript: compare-and-delete. KEYS lock; ARGV owner.
var releaseScript = sync.OnceValue(func() *redis.Script {
	return redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)
})

// writeScript: fenced write. KEYS lock, written, target; ARGV owner, fence,
// value, ttl ms. Returns 1 on success, -1 if another owner holds the lock,
// -2 if a newer fence already wrote.
var writeScript = sync.OnceValue(func() *redis.Script {
	return redis.NewScript(`
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then
  return -1
end
local fence = tonumber(ARGV[2])
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
if fence < last then
  return -2
end
redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[4])
if fence > last then
  redis.call('SET', KEYS[2], ARGV[2])
end
return 1
`)
})

// Lock implements Store: polls SET NX PX until acquired or ctx ends.
func (s *RedisStore) Lock(ctx context.Context, appid string, lease time.Duration) (Lease, error) {
	if err := ValidAppID(appid); err != nil {
		return nil, err
	}
	if lease < time.Millisecond {
		return nil, errors.New("token: lock lease must be positive")
	}
	for _, lost := range s.lost.take(appid) {
		s.dropUnknownLock(ctx, appid, lost)
	}
	owner := uuid.NewString()
	keys := []string{s.key("lock", appid), s.key("fence", appid)}
	for {
		fence, err := acquireScript().Run(ctx, s.rdb, keys, owner, lease.Milliseconds(), time.Now().UnixMilli()).Int64()
		if err != nil {
			// The script may have run and its answer been lost.
			s.dropUnknownLock(ctx, appid, owner)
			if ctx.Err() != nil {
				return nil, fmt.Errorf("token: redis lock %s: %w", appid, context.Cause(ctx))
			}
			return nil, fmt.Errorf("token: redis lock %s: %w", appid, err)
		}
		if fence > 0 {
			return &redisLease{s: s, appid: appid, owner: owner, fence: fence}, nil
		}
		d := s.poll/2 + rand.N(s.poll)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("token: redis lock %s: %w", appid, context.Cause(ctx))
		case <-t.C:
		}
	}
}

// dropUnknownLock releases owner's lock of appid if an attempt whose
// answer was lost took it after all; when Redis does not answer either,
// the owner is kept for the next Lock (see lostLocks).
func (s *RedisStore) dropUnknownLock(ctx context.Context, appid, owner string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
	defer cancel()
	if err := releaseScript().Run(ctx, s.rdb, []string{s.key("lock", appid)}, owner).Err(); err != nil {
		s.lost.add(appid, owner)
	}
}

type redisLease struct {
	s     *RedisStore
	appid string
	owner string
	fence int64

	rel releaser
}

func (l *redisLease) Fence() int64 { return l.fence }

func (l *redisLease) Valid(ctx context.Context) bool {
	v, err := l.s.rdb.Get(ctx, l.s.key("lock", l.appid)).Result()
	return err == nil && v == l.owner
}

func (l *redisLease) Release(ctx context.Context) error {
	err := l.rel.do(func() error {
		return releaseScript().Run(ctx, l.s.rdb, []string{l.s.key("lock", l.appid)}, l.owner).Err()
	})
	if err != nil {
		return fmt.Errorf("token: redis unlock %s: %w", l.appid, err)
	}
	return nil
}

func (s *RedisStore) write(ctx context.Context, appid, kind string, value []byte, ttl time.Duration, l Lease) error {
	rl, ok := l.(*redisLease)
	if !ok || rl.s != s || rl.appid != appid {
		return fmt.Errorf("token: write to %s needs a lock of this store for that app", appid)
	}
	if ttl < time.Second {
		ttl = time.Second
	}
	keys := []string{s.key("lock", appid), s.key("written", appid), s.key(kind, appid)}
	res, err := writeScript().Run(ctx, s.rdb, keys, rl.owner, rl.fence, value, ttl.Milliseconds()).Int64()
	if err != nil {
		return fmt.Errorf("token: redis write %s: %w", appid, err)
	}
	switch res {
	case 1:
		return nil
	case -1:
		return fmt.Errorf("token: write %s: lock held by another owner: %w", appid, ErrFenced)
	default:
		return fmt.Errorf("token: write %s: a newer fence already wrote: %w", appid, ErrFenced)
	}
}

// Put implements Store. The key expires with the token.
func (s *RedisStore) Put(ctx context.Context, rec *Record, l Lease) error {
	if rec == nil || rec.AppID == "" {
		return errors.New("token: Put needs a record with an appid")
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	// The TTL is measured on the writer's clock (the one that stamped the
	// record), so an injected test clock cannot make it wrong.
	from := rec.ObtainedAt
	if rec.CheckedAt.After(from) {
		from = rec.CheckedAt
	}
	return s.write(ctx, rec.AppID, "token", b, rec.ExpiresAt.Sub(from), l)
}

// PutForceState implements Store.
func (s *RedisStore) PutForceState(ctx context.Context, appid string, st ForceState, l Lease) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return s.write(ctx, appid, "force", b, 48*time.Hour, l)
}

// Ping implements Store.
func (s *RedisStore) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("token: redis ping: %w", err)
	}
	return nil
}

// Close implements Store.
func (s *RedisStore) Close() error { return s.rdb.Close() }
