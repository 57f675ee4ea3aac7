package docdb

import (
	"context"
	"errors"
	"log/slog"

	"github.com/tcb-go/tcb/pkg/emulator/wxhttp"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// wxServer is the database's settings for its /tcb/* paths: the common
// checks and answers are wxhttp's; a *dbError renders as its errcode and a
// request past RequestTimeout as a failed database operation.
func (m *Module) wxServer() *wxhttp.Server {
	return &wxhttp.Server{
		Tokens:         m.opts.Tokens,
		Faults:         m.h.Faults,
		MaxBodyBytes:   m.opts.MaxBodyBytes,
		RequestTimeout: m.opts.RequestTimeout,
		Logger:         func() *slog.Logger { return m.log() },
		ErrorOf: func(err error) (int, string, bool) {
			var de *dbError
			switch {
			case errors.As(err, &de):
				return de.wxCode, de.wxMsg, true
			case errors.Is(err, context.DeadlineExceeded):
				return wechat.CodeDatabaseFailed, "database request fail. [FailedOperation] " + errDeadline.Error(), true
			}
			return 0, "", false
		},
	}
}

// checkEnv is wxhttp.CheckEnv with the store's failures as -1.
func (m *Module) checkEnv(env string) error {
	err := wxhttp.CheckEnv(m.h.Envs, m.now(), env)
	var we *wxhttp.Error
	if err != nil && !errors.As(err, &we) {
		return errSystem(err)
	}
	return err
}
