package shared

import (
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/token"
)

// Provider is where commands that call WeChat APIs (the database, invoke
// --via wechat) get access_tokens: the token server when one is configured
// (TCB_TOKEN_SERVER or the token-server setting), else a Manager over the
// default token store with the app's secret. Stale tokens are reported back
// through Refresh (compare-and-refresh). close releases the store.
func Provider(f *cmdutil.Factory) (p token.Provider, app App, close func(), err error) {
	app, err = ResolveApp(f, "")
	if err != nil {
		return nil, app, nil, err
	}
	srv, err := ResolveServer(f, "", false)
	if err != nil {
		return nil, app, nil, err
	}
	if srv != nil {
		return srv.Client(), app, func() {}, nil
	}
	st, err := OpenStore(f, "")
	if err != nil {
		return nil, app, nil, err
	}
	if err := ResolveSecret(f, &app, ""); err != nil {
		st.Close()
		return nil, app, nil, err
	}
	base, err := BaseURL(f)
	if err != nil {
		st.Close()
		return nil, app, nil, err
	}
	m, err := NewManager(ManagerConfig{Store: st, BaseURL: base, Secrets: token.SecretMap{app.ID: app.Secret}, Logger: Logger(f)})
	if err != nil {
		st.Close()
		return nil, app, nil, err
	}
	return m, app, func() { st.Close() }, nil
}
