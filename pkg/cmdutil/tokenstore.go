package cmdutil

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/tcb-go/tcb/pkg/errkind"
	"github.com/tcb-go/tcb/pkg/token"
)

// tokenStoreForms lists every --store form, for messages.
const tokenStoreForms = "file, file:PATH, redis://..., rediss://..., redis+sentinel://..., postgres://..., mysql://... or tcb://ENV_ID/COLLECTION"

// openURLTokenStore opens the stores named by URL that pkg/token's
// OpenURLStore knows: PostgreSQL, MySQL/MariaDB, the environment's own
// database (tcb://, through the Cloud API with the resolved keys) and Redis
// behind Sentinel. It connects once to check database credentials: a
// rejected password is an auth error (exit 2), an unreachable database is
// retried on use. Messages show the spec without its password.
func (f *Factory) openURLTokenStore(spec string) (*TokenStore, error) {
	token.SetRedisLogger(f.Logger())
	ctx, cancel := context.WithTimeout(f.ctx(), 15*time.Second) // Ctrl-C stops it too
	defer cancel()
	st, info, err := token.OpenURLStore(ctx, spec, token.OpenOptions{
		Getenv: f.Getenv,
		Logger: f.storeLogger(),
		CloudAPI: func() (token.TCBDocAPI, error) {
			c, err := f.CloudAPI()
			if err != nil {
				return nil, err
			}
			return c, nil
		},
	})
	if err != nil {
		var ce *Error
		if errors.As(err, &ce) { // the Cloud API keys of a tcb:// store
			return nil, err
		}
		switch k, _ := errkind.Of(err); k {
		case errkind.Input:
			return nil, FlagErrorf("--store: %v", err).WithHint("want %s", tokenStoreForms)
		case errkind.Auth:
			return nil, &Error{Code: ExitAuth, Err: err, Hint: "fix the credentials in --store / " + EnvTokenStore +
				" (keep the password out of the command line: put the URL in " + EnvTokenStore + ", or use PGPASSWORD / MYSQL_PWD)"}
		}
		return nil, &Error{Code: ExitCode(err), Err: err}
	}
	return &TokenStore{Store: st, Kind: info.Kind, Desc: info.Desc}, nil
}

// storeLogger shows what a token store does on its own (a schema
// migration, a collection created) on stderr, and its driver notices with
// --verbose.
func (f *Factory) storeLogger() *slog.Logger {
	level := slog.LevelWarn
	if f.Globals.Verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(f.IOStreams.ErrOut, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
}
