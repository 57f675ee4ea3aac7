package shared

import (
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/config"
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
// With no app named anywhere, a terminal offers the apps saved in the
// profiles (tcb login --wx-appid).
func (s *Source) Resolve(f *cmdutil.Factory) (cmdutil.WeChatApp, *token.ServerClient, error) {
	app, err := f.ResolveWeChatApp(s.AppID)
	if err != nil && s.AppID == "" && f.IOStreams.CanPrompt() {
		if picked, ok, perr := chooseApp(f); perr != nil {
			return app, nil, perr
		} else if ok {
			app, err = picked, nil
		}
	}
	if err != nil {
		return app, nil, err
	}
	if s.storeSet {
		return app, nil, nil
	}
	srv, err := f.TokenServer(s.Server, s.serverSet)
	return app, srv, err
}

// chooseApp offers the WeChat apps saved in the profiles; ok is false
// when there are none (the caller's "no WeChat AppID" stands).
func chooseApp(f *cmdutil.Factory) (cmdutil.WeChatApp, bool, error) {
	st, err := f.Config()
	if err != nil {
		return cmdutil.WeChatApp{}, false, err
	}
	profiles, err := st.Profiles()
	if err != nil {
		return cmdutil.WeChatApp{}, false, err
	}
	slices.Sort(profiles)
	var apps []cmdutil.WeChatApp
	var rows [][]string
	for _, p := range profiles {
		c, err := st.Credentials(p)
		if err != nil {
			return cmdutil.WeChatApp{}, false, err
		}
		if c.WxAppID == "" {
			continue
		}
		apps = append(apps, cmdutil.WeChatApp{ID: c.WxAppID, Secret: c.WxSecret, Source: config.SourceProfile})
		rows = append(rows, []string{c.WxAppID, fmt.Sprintf("(profile %s)", p)})
	}
	if len(apps) == 0 {
		return cmdutil.WeChatApp{}, false, nil
	}
	i, err := f.Choose("WeChat app", "--appid", cmdutil.Columns(rows), 0)
	if err != nil {
		return cmdutil.WeChatApp{}, false, err
	}
	return apps[i], true, nil
}
