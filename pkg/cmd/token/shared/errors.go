package shared

import (
	"context"
	"errors"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/token"
)

// MapError is cmdutil.CallError for a command that opened the token store
// st (nil for none): a failure of the store itself, which has no kind, is
// a local file error for the file store and a network error for Redis.
// what prefixes the message ("token get", ...). Nothing in the result holds
// a secret or a token: the wrapped errors never carry them.
func MapError(what string, st *cmdutil.TokenStore, err error) error {
	if err == nil {
		return nil
	}
	if st != nil && !cmdutil.HasExitCode(err) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		switch st.Kind {
		case "redis":
			return cmdutil.APIErrorf("%s: token store %s: %v", what, st.Desc, err).WithHint("is Redis reachable? check --store / %s", cmdutil.EnvTokenStore)
		case "file":
			return cmdutil.LocalErrorf("%s: token store %s: %v", what, st.Desc, err)
		}
	}
	return cmdutil.CallError(what, err)
}

// MapServerError is MapError for calls to a token server: anything that
// is not a server answer (connection refused, timeout, a non-tcb answer)
// is a network error.
func MapServerError(what string, srv *token.ServerClient, err error) error {
	if err == nil {
		return nil
	}
	if !cmdutil.HasExitCode(err) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return cmdutil.APIErrorf("%s: %v", what, err).WithHint("is the token server at %s running? (--server / %s)", srv.BaseURL, cmdutil.EnvTokenServer)
	}
	return MapError(what, nil, err)
}
