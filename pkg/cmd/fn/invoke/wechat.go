package invoke

import (
	"context"
	"errors"
	"fmt"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// viaWeChat invokes through /tcb/invokecloudfunction: a stale access_token
// is refreshed (compare-and-refresh) and the call retried once.
func viaWeChat(ctx context.Context, f *cmdutil.Factory, name string, event []byte) error {
	tokens, err := f.WeChatTokens()
	if err != nil {
		return cmdutil.CallError("fn invoke", err)
	}
	defer tokens.Close()
	envID, err := f.RequireEnvID()
	if err != nil {
		return err
	}
	client, err := f.WeChatClient()
	if err != nil {
		return err
	}
	var resp string
	err = f.IOStreams.RunWithProgress("Invoking "+name, func() error {
		return wechat.WithStaleTokenRetry(ctx, tokens.Source, func(ctx context.Context, tok string) error {
			resp, err = client.InvokeCloudFunction(ctx, tok, envID, name, event)
			return err
		})
	})
	if err != nil {
		return invokeError(name, err)
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, map[string]string{"resp_data": resp}, f.Globals.JQ)
	}
	_, err = fmt.Fprintln(f.IOStreams.Out, formatValue(resp, f.IOStreams.IsStdoutTTY()))
	return err
}

// invokeError names the function when the answer is about it (it does not
// exist, or it ran and failed); the exit code is the one of the error's
// kind either way.
func invokeError(name string, err error) error {
	var ae *wechat.APIError
	if errors.As(err, &ae) {
		switch ae.Kind() {
		case wechat.KindNotFound:
			return cmdutil.WithCode(cmdutil.ExitCode(err), fmt.Errorf("fn invoke %s: %v", name, err))
		case wechat.KindFunction:
			return cmdutil.WithCode(cmdutil.ExitCode(err), fmt.Errorf("function %s failed: %v", name, err))
		}
	}
	return cmdutil.CallError("fn invoke", err)
}
