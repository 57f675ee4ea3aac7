package token

import (
	"context"
	"log/slog"
	"strings"

	"github.com/tcb-go/tcb/pkg/errkind"
)

// Kinds of the stores OpenURLStore opens (StoreInfo.Kind).
const (
	StoreKindPostgres = "postgres"
	StoreKindMySQL    = "mysql"
	StoreKindTCB      = "tcb"
	StoreKindRedis    = "redis" // redis+sentinel://: a RedisStore
)

// StoreInfo describes an opened store for people: its kind and its spec
// without passwords.
type StoreInfo struct {
	Kind string
	Desc string
}

// URLStoreKind is the kind of store spec names when it is one of the URL
// stores OpenURLStore opens, else "".
func URLStoreKind(spec string) string {
	scheme, _, ok := strings.Cut(spec, "://")
	if !ok {
		return ""
	}
	switch strings.ToLower(scheme) {
	case "postgres", "postgresql":
		return StoreKindPostgres
	case "mysql":
		return StoreKindMySQL
	case "tcb":
		return StoreKindTCB
	case "redis+sentinel", "rediss+sentinel":
		return StoreKindRedis
	}
	return ""
}

// OpenOptions configures OpenURLStore.
type OpenOptions struct {
	// Getenv reads the MySQL client variables; nil reads none.
	Getenv func(string) string
	// Logger receives schema migrations and driver notices; nil discards.
	Logger *slog.Logger
	// CloudAPI returns the Cloud API client of tcb:// stores (required for
	// them).
	CloudAPI func() (TCBDocAPI, error)
}

// OpenURLStore opens a store named by URL:
//
//	postgres://[user[:password]@]host[:port]/db[?sslmode=...&table=NAME]   PostgreSQL (also postgresql://)
//	mysql://user[:password]@host[:port]/db[?table=NAME&tls=true]           MySQL or MariaDB
//	tcb://ENV_ID/COLLECTION                                                 the env's document database
//	redis+sentinel://[[user]:password@]host:port[,...]/MASTER[/DB]          Redis behind Sentinel
//
// A malformed spec is errkind.Input, rejected database credentials
// errkind.Auth; no error or StoreInfo ever holds a password.
func OpenURLStore(ctx context.Context, spec string, o OpenOptions) (Store, StoreInfo, error) {
	info := StoreInfo{Kind: URLStoreKind(spec), Desc: RedactStoreSpec(spec)}
	switch info.Kind {
	case StoreKindPostgres:
		s, err := NewPostgresStore(ctx, SQLOptions{URL: spec, Logger: o.Logger, Getenv: o.Getenv})
		if err != nil {
			return nil, info, err
		}
		info.Desc = s.Desc()
		return s, info, nil
	case StoreKindMySQL:
		s, err := NewMySQLStore(ctx, SQLOptions{URL: spec, Logger: o.Logger, Getenv: o.Getenv})
		if err != nil {
			return nil, info, err
		}
		info.Desc = s.Desc()
		return s, info, nil
	case StoreKindTCB:
		if _, _, err := ParseTCBStoreURL(spec); err != nil {
			return nil, info, err
		}
		if o.CloudAPI == nil {
			return nil, info, errkind.New(errkind.Input, "token: tcb:// stores need the Tencent Cloud API")
		}
		api, err := o.CloudAPI()
		if err != nil {
			return nil, info, err
		}
		s, err := NewTCBStore(TCBOptions{URL: spec, API: api, Logger: o.Logger})
		if err != nil {
			return nil, info, err
		}
		info.Desc = s.Desc()
		return s, info, nil
	case StoreKindRedis:
		s, err := NewRedisSentinelStore(RedisSentinelOptions{URL: spec})
		if err != nil {
			return nil, info, err
		}
		return s, info, nil
	}
	return nil, info, errkind.Errorf(errkind.Input, "token: unsupported store %s", info.Desc)
}

// SetStoreLogger points the logger of a store that logs (the SQL and
// tcb:// stores: schema migrations, driver notices) at l; other stores are
// left alone.
func SetStoreLogger(s Store, l *slog.Logger) {
	if ls, ok := s.(interface{ SetLogger(*slog.Logger) }); ok {
		ls.SetLogger(l)
	}
}
