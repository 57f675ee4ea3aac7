package shared

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/token"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// MapError turns an error of the token manager, the token server client or
// the WeChat client into a *cmdutil.Error with the exit code of DESIGN §2
// and a hint:
//
//	wrong AppID/AppSecret, banned account (WeChat config errcodes)  2
//	token server 401                                                 2
//	token server 400, unknown appid without a secret                 3
//	token server 404 unknown_app                                     4
//	WeChat quota, IP whitelist, -1, network, token server 5xx        5
//	Redis store unreachable                                          5
//	file store (permissions, lock, disk)                             6
//	forced refresh refused by the 20/day or 30 s rule                1
//
// what prefixes the message ("token get", ...). Context cancellation is
// passed through (exit 130). Nothing in the result holds a secret or a
// token: the wrapped errors never carry them.
func MapError(what string, st *Store, err error) error {
	if err == nil {
		return nil
	}
	var ce *cmdutil.Error
	if errors.As(err, &ce) {
		return err
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	var fl *token.ForceLimitError
	if errors.As(err, &fl) {
		e := cmdutil.Errorf("%s: %v", what, fl)
		if fl.Daily {
			return e.WithHint("WeChat allows %d forced refreshes a day; a normal `tcb token refresh` returns the current valid token", fl.Limit)
		}
		return e.WithHint("wait %s; use force only when a token leaked (it invalidates the token for every caller)", fl.RetryAfter.Round(1e9))
	}
	var ae *wechat.APIError
	if errors.As(err, &ae) {
		info := ae.Info()
		code := cmdutil.ExitAPI
		if info.Kind == wechat.KindConfig {
			code = cmdutil.ExitAuth
		}
		e := &cmdutil.Error{Code: code, Err: fmt.Errorf("%s: %w", what, err)}
		if h := ae.Hint(); h != "" {
			e.Hint = h
		}
		return e
	}
	var se *token.ServerError
	if errors.As(err, &se) {
		e := &cmdutil.Error{Code: cmdutil.ExitAPI, Err: fmt.Errorf("%s: %w", what, err)}
		switch {
		case se.StatusCode == http.StatusUnauthorized:
			e.Code = cmdutil.ExitAuth
			e.Hint = "set TCB_TOKEN_SERVER_KEY to one of the server's keys (tcb token serve --auth-key-file)"
		case se.StatusCode == http.StatusNotFound && se.Code == "unknown_app":
			e.Code = cmdutil.ExitNotFound
			e.Hint = "add the app to the server's --apps file, or pass the right --appid"
		case se.StatusCode == http.StatusBadRequest || se.StatusCode == http.StatusRequestEntityTooLarge:
			e.Code = cmdutil.ExitInput
		}
		return e
	}
	if errors.Is(err, token.ErrUnknownApp) {
		return cmdutil.FlagErrorf("%s: %v", what, err)
	}
	var te *wechat.TransportError
	var stErr *wechat.StatusError
	if errors.As(err, &te) || errors.As(err, &stErr) {
		return cmdutil.APIErrorf("%s: %v", what, err).WithHint("check the network, or TCB_EMULATOR_HOST / %s if you meant a local endpoint", EnvWeChatAPI)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return cmdutil.APIErrorf("%s: timed out: %v", what, err)
	}
	if st != nil && st.Kind == "redis" {
		return cmdutil.APIErrorf("%s: token store %s: %v", what, st.Desc, err).WithHint("is Redis reachable? check --store / %s", EnvStore)
	}
	if st != nil && st.Kind == "file" {
		return cmdutil.LocalErrorf("%s: token store %s: %v", what, st.Desc, err)
	}
	return cmdutil.Errorf("%s: %v", what, err)
}

// MapServerError is MapError for calls to a token server: anything that
// is not a server answer (connection refused, timeout, a non-tcb answer)
// is a network error, exit 5.
func MapServerError(what string, srv *Server, err error) error {
	if err == nil {
		return nil
	}
	mapped := MapError(what, nil, err)
	var ce *cmdutil.Error
	if errors.As(mapped, &ce) && ce.Code == cmdutil.ExitError && !errors.Is(err, token.ErrForceLimited) {
		return cmdutil.APIErrorf("%s: %v", what, err).WithHint("is the token server at %s running? (--server / %s)", srv.URL, EnvServer)
	}
	return mapped
}
