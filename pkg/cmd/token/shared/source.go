package shared

import (
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/token"
)

// Source is where `token get`, `status` and `refresh` look for a token:
// the app (--appid) and either a token server (--server) or a store
// (--store). An explicit --store beats TCB_TOKEN_SERVER and the
// token-server setting; --server with --store is an error.
type Source struct {
	AppID  string
	Server string
	Store  string

	serverSet, storeSet bool
}

// AddFlags defines --appid, --server and --store.
func (s *Source) AddFlags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&s.AppID, "appid", "", "WeChat AppID (default: TCB_WX_APPID or the profile's)")
	fl.StringVar(&s.Server, "server", "", "token server URL (default: TCB_TOKEN_SERVER or the token-server setting)")
	fl.StringVar(&s.Store, "store", "", "token store: file, file:PATH, redis://..., redis+sentinel://..., postgres://..., mysql://... or tcb://ENV_ID/COLLECTION (default: TCB_TOKEN_STORE or file)")
}

// CheckFlags records which flags were given and rejects --server with
// --store; call it from RunE.
func (s *Source) CheckFlags(cmd *cobra.Command) error {
	s.serverSet = cmd.Flags().Changed("server")
	s.storeSet = cmd.Flags().Changed("store")
	if s.serverSet && s.storeSet {
		return cmdutil.FlagErrorf("--server and --store cannot be combined")
	}
	return nil
}

// StoreSet reports whether --store was given.
func (s *Source) StoreSet() bool { return s.storeSet }

// Resolve returns the app and the token server to ask (nil: use the store).
func (s *Source) Resolve(f *cmdutil.Factory) (cmdutil.WeChatApp, *token.ServerClient, error) {
	app, err := f.ResolveWeChatApp(s.AppID)
	if err != nil {
		return app, nil, err
	}
	if s.storeSet {
		return app, nil, nil
	}
	srv, err := f.TokenServer(s.Server, s.serverSet)
	return app, srv, err
}
