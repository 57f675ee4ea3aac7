package invoke

import (
	"context"
	"fmt"

	tokenshared "github.com/tcb-go/tcb/pkg/cmd/token/shared"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/token"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// viaWeChat invokes through /tcb/invokecloudfunction: a stale access_token
// is refreshed (compare-and-refresh) and the call retried once.
func viaWeChat(ctx context.Context, f *cmdutil.Factory, name string, event []byte) error {
	p, app, closeFn, err := tokenshared.Provider(f)
	if err != nil {
		return tokenshared.MapError("fn invoke", nil, err)
	}
	defer closeFn()
	envID, err := f.RequireEnvID()
	if err != nil {
		return err
	}
	base, err := tokenshared.BaseURL(f)
	if err != nil {
		return err
	}
	client := &wechat.Client{BaseURL: base, Logger: tokenshared.Logger(f)}
	var resp string
	err = f.IOStreams.RunWithProgress("Invoking "+name, func() error {
		return wechat.WithStaleTokenRetry(ctx, token.SourceFor(p, app.ID), func(ctx context.Context, tok string) error {
			resp, err = client.InvokeCloudFunction(ctx, tok, envID, name, event)
			return err
		})
	})
	if err != nil {
		if code, ok := wechat.ErrCode(err); ok && code == -501000 {
			return cmdutil.NotFoundErrorf("fn invoke %s: %v", name, err)
		}
		if code, ok := wechat.ErrCode(err); ok && (code == -504002 || code == -504003) {
			return cmdutil.Errorf("function %s failed: %v", name, err)
		}
		return tokenshared.MapError("fn invoke", nil, err)
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, map[string]string{"resp_data": resp}, f.Globals.JQ)
	}
	_, err = fmt.Fprintln(f.IOStreams.Out, formatValue(resp, f.IOStreams.IsStdoutTTY()))
	return err
}
