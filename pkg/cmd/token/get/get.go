// Package get implements `tcb token get`.
package get

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/token/shared"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/token"
)

// Options of token get.
type Options struct {
	F *cmdutil.Factory

	shared.Source
	SecretFile   string
	Legacy       bool
	ForceRefresh bool
	Margin       time.Duration

	// Now is the clock (tests).
	Now func() time.Time
}

// Result is the --json output.
type Result struct {
	AppID       string    `json:"appid"`
	AccessToken string    `json:"access_token"`
	ExpiresIn   int64     `json:"expires_in"` // seconds left
	ExpiresAt   time.Time `json:"expires_at"`
	Source      string    `json:"source"` // stable (stable_token) or legacy (cgi-bin/token)
	Origin      string    `json:"origin"` // server, store or wechat
}

// NewCmdGet builds `tcb token get`.
func NewCmdGet(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "get",
		Short: "Print a valid WeChat access_token (just the token, for scripts)",
		Long: heredoc.Docf(`
			Print a valid access_token for a WeChat app, and nothing else, so that
			%[1]s$(tcb token get)%[1]s works in scripts. --json adds the expiry and where the
			token came from (fields: appid, access_token, expires_in, expires_at, source,
			origin).

			Where the token comes from, first match wins:
			  1. a token server: --server, TCB_TOKEN_SERVER or the profile's token-server
			     setting, with the bearer key in TCB_TOKEN_SERVER_KEY (an explicit --store
			     skips the server);
			  2. the token store (--store: the file $TCB_CONFIG_DIR/tokens.json by
			     default, or redis://...) when it holds a token with more than
			     --refresh-margin (5 minutes) left; this makes no network call;
			  3. WeChat: POST /cgi-bin/stable_token (normal mode, which never invalidates
			     anybody's token), or GET /cgi-bin/token with --legacy; the token is then
			     stored for the next caller. Concurrent tcb processes share one fetch.

			The AppID comes from --appid, TCB_WX_APPID or the profile (tcb login
			--wx-appid); when none names one, a terminal offers the apps saved in all
			profiles. The AppSecret, needed only for step 3, from TCB_WX_SECRET, the
			profile, --secret-file, or a prompt on a terminal. With TCB_EMULATOR_HOST set
			and nothing configured, the emulator's demo app is used and WeChat calls go to
			the emulator (TCB_WECHAT_API overrides the WeChat base URL).

			--force-refresh asks WeChat for a new token with force_refresh=true, which
			invalidates the current token for every caller at once: use it only when a
			token leaked. WeChat allows 20 a day, 30 s apart; tcb refuses (exit 1) rather
			than send one that would be ignored.
		`, "`"),
		Example: heredoc.Doc(`
			$ curl -d @query.json "https://api.weixin.qq.com/tcb/databasequery?access_token=$(tcb token get)"
			$ tcb token get --json --jq .expires_in
			$ TCB_TOKEN_SERVER=http://10.0.0.5:8081 TCB_TOKEN_SERVER_KEY=... tcb token get --appid wx0123456789abcdef
			$ tcb token get --store redis://redis.internal:6379/0
			$ tcb token get --secret-file /run/secrets/wx_secret
			$ tcb token get --force-refresh      # a token leaked
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.CheckFlags(cmd); err != nil {
				return err
			}
			if opts.Margin < time.Second || opts.Margin > time.Hour {
				return cmdutil.FlagErrorf("--refresh-margin must be between 1s and 1h")
			}
			if opts.ForceRefresh && opts.Legacy {
				return cmdutil.FlagErrorf("--force-refresh uses stable_token; it cannot be combined with --legacy")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	opts.AddFlags(cmd)
	fl.StringVar(&opts.SecretFile, "secret-file", "", "read the AppSecret from `FILE` (- for stdin)")
	fl.BoolVar(&opts.Legacy, "legacy", false, "fetch with GET /cgi-bin/token (invalidates the previous token after 5 minutes)")
	fl.DurationVar(&opts.Margin, "refresh-margin", 5*time.Minute, "fetch a new token when the stored one has less than this left")
	fl.BoolVar(&opts.ForceRefresh, "force-refresh", false, "force WeChat to issue a new token, invalidating the current one (20 a day, 30 s apart)")
	return cmd
}

// Run prints the token.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	app, srv, err := opts.Resolve(f)
	if err != nil {
		return err
	}
	var (
		rec    *token.Record
		origin string
	)
	if srv != nil {
		if opts.ForceRefresh {
			return cmdutil.FlagErrorf("--force-refresh: %v", shared.ErrNoServerForce).
				WithHint("run it where the AppSecret is (without --server/TCB_TOKEN_SERVER)")
		}
		if opts.Legacy {
			return cmdutil.FlagErrorf("--legacy has no effect with a token server (the server decides how it fetches)")
		}
		rec, err = srv.Token(ctx, app.ID)
		if err != nil {
			return shared.MapServerError("token get", srv, err)
		}
		origin = "server"
	} else {
		rec, origin, err = fromStore(ctx, opts, &app)
		if err != nil {
			return err
		}
	}
	return printResult(f, rec, origin, now())
}

// fromStore returns a fresh stored token without any network call, or
// fetches one (resolving the secret first, so a prompt never happens while
// the store lock is held).
func fromStore(ctx context.Context, opts *Options, app *cmdutil.WeChatApp) (*token.Record, string, error) {
	f := opts.F
	st, err := f.OpenTokenStore(opts.Store)
	if err != nil {
		return nil, "", err
	}
	defer st.Close()
	secrets := token.SecretMap{}
	m, err := token.NewWeChatManager(token.WeChatManagerOptions{Store: st, Secrets: secrets, Legacy: opts.Legacy, Margin: opts.Margin, Logger: f.Logger()})
	if err != nil {
		return nil, "", err
	}
	if !opts.ForceRefresh {
		rec, err := st.Get(ctx, app.ID)
		if err == nil && m.Fresh(rec, m.Now()) {
			return rec, "store", nil
		}
		if err != nil && !errors.Is(err, token.ErrNotFound) {
			return nil, "", shared.MapError("token get", st, err)
		}
	}
	if err := f.ResolveWeChatSecret(app, opts.SecretFile); err != nil {
		return nil, "", err
	}
	secrets[app.ID] = app.Secret
	base, err := f.WeChatBaseURL()
	if err != nil {
		return nil, "", err
	}
	m, err = token.NewWeChatManager(token.WeChatManagerOptions{Store: st, BaseURL: base, Secrets: secrets, Legacy: opts.Legacy, Margin: opts.Margin, Logger: f.Logger()})
	if err != nil {
		return nil, "", err
	}
	fetched := false
	var fetchErr error
	m.OnFetch(func(ev token.FetchEvent) {
		if ev.Err != nil {
			fetchErr = ev.Err
		} else {
			fetched = true
		}
	})
	var rec *token.Record
	if opts.ForceRefresh {
		if err := shared.ConfirmForce(opts.F, app.ID); err != nil {
			return nil, "", err
		}
		rec, err = m.ForceRefresh(ctx, app.ID)
	} else {
		rec, err = m.Get(ctx, app.ID)
	}
	if err != nil {
		return nil, "", shared.MapError("token get", st, err)
	}
	origin := "store"
	if fetched {
		origin = "wechat"
	}
	if fetchErr != nil && !fetched {
		fmt.Fprintf(f.IOStreams.ErrOut, "warning: could not refresh the token (%v); using the stored one, which expires in %s\n",
			fetchErr, shared.Duration(rec.Remaining(m.Now())))
	}
	return rec, origin, nil
}

func printResult(f *cmdutil.Factory, rec *token.Record, origin string, now time.Time) error {
	out := f.IOStreams.Out
	// The profile's output=json setting is ignored on purpose: plain output
	// is what $(tcb token get) needs.
	if f.Globals.JSON || f.Globals.JQ != "" {
		left := int64(rec.ExpiresAt.Sub(now) / time.Second)
		return cmdutil.PrintJSON(out, Result{
			AppID: rec.AppID, AccessToken: rec.Token, ExpiresIn: max(left, 0),
			ExpiresAt: rec.ExpiresAt.UTC(), Source: rec.Source, Origin: origin,
		}, f.Globals.JQ)
	}
	_, err := fmt.Fprintln(out, rec.Token)
	return err
}
