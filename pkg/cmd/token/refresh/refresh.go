// Package refresh implements `tcb token refresh`.
package refresh

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

// Options of token refresh.
type Options struct {
	F *cmdutil.Factory
	shared.Source
	Stale      string
	Force      bool
	SecretFile string
	Legacy     bool
	Now        func() time.Time
}

// Result is the --json output; it never holds a token.
type Result struct {
	AppID     string    `json:"appid"`
	Origin    string    `json:"origin"`            // "server" or "store"
	Fetched   *bool     `json:"fetched,omitempty"` // WeChat was called (unknown through a server)
	Changed   bool      `json:"changed"`           // the current token differs from the reported (or previous) one
	Forced    bool      `json:"forced"`
	ExpiresAt time.Time `json:"expires_at"`
	ExpiresIn int64     `json:"expires_in"`
	Source    string    `json:"source,omitempty"`
}

// NewCmdRefresh builds `tcb token refresh`.
func NewCmdRefresh(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "refresh",
		Short: "Refresh the access_token: compare-and-refresh a stale token, or force a new one",
		Long: heredoc.Doc(`
			Refresh a WeChat app's access_token without printing it (use 'tcb token get'
			afterwards).

			--stale TOKEN is compare-and-refresh, for a caller whose API call just failed
			with 40001, 42001 or 40014: WeChat is asked again only if TOKEN is still the
			current token (and was not re-checked in the last 2 s); otherwise the newer
			token is kept. However many callers report the same token, one fetch happens.
			Pass the token in a variable, e.g. --stale "$TOKEN".

			Without flags the current token is re-checked with WeChat (normal mode: the
			same token comes back unless it is in its last 5 minutes).

			--force sends stable_token with force_refresh=true: every caller's current
			token stops working at once. Use it only when a token leaked; it asks first
			on a terminal and needs --yes otherwise. WeChat allows 20
			a day, 30 s apart; tcb keeps count in the token store and refuses (exit 1)
			instead of sending one WeChat would ignore. It needs the AppSecret, so it is
			not available through a token server.

			With a token server (--server / TCB_TOKEN_SERVER) the refresh happens there.
		`),
		Example: heredoc.Doc(`
			$ tcb token refresh --stale "$TOKEN"
			$ tcb token refresh
			$ tcb token refresh --force --yes --json
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.CheckFlags(cmd); err != nil {
				return err
			}
			if opts.Force && opts.Stale != "" {
				return cmdutil.FlagErrorf("--force and --stale cannot be combined")
			}
			if opts.Force && opts.Legacy {
				return cmdutil.FlagErrorf("--force uses stable_token; it cannot be combined with --legacy")
			}
			if cmd.Flags().Changed("stale") && opts.Stale == "" {
				return cmdutil.FlagErrorf("--stale needs the token that failed")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	opts.AddFlags(cmd)
	fl.StringVar(&opts.Stale, "stale", "", "the `TOKEN` that failed: refresh only if it is still the current one")
	fl.BoolVar(&opts.Force, "force", false, "force a new token, invalidating the current one for everybody (20 a day, 30 s apart)")
	fl.StringVar(&opts.SecretFile, "secret-file", "", "read the AppSecret from `FILE` (- for stdin)")
	fl.BoolVar(&opts.Legacy, "legacy", false, "fetch with GET /cgi-bin/token instead of stable_token")
	return cmd
}

// Run refreshes.
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
	var res Result
	if srv != nil {
		res, err = viaServer(ctx, opts, srv, app.ID)
	} else {
		res, err = viaStore(ctx, opts, &app)
	}
	if err != nil {
		return err
	}
	res.ExpiresIn = max(int64(res.ExpiresAt.Sub(now())/time.Second), 0)
	return printResult(f, opts, res, now())
}

func viaServer(ctx context.Context, opts *Options, c *token.ServerClient, appid string) (Result, error) {
	if opts.Force {
		return Result{}, cmdutil.FlagErrorf("--force: %v", shared.ErrNoServerForce).
			WithHint("run it where the AppSecret is (without --server/TCB_TOKEN_SERVER)")
	}
	if opts.Legacy {
		return Result{}, cmdutil.FlagErrorf("--legacy has no effect with a token server")
	}
	stale := opts.Stale
	if stale == "" {
		cur, err := c.Token(ctx, appid)
		if err != nil {
			return Result{}, shared.MapServerError("token refresh", c, err)
		}
		stale = cur.Token
	}
	rec, err := c.Refresh(ctx, appid, stale)
	if err != nil {
		return Result{}, shared.MapServerError("token refresh", c, err)
	}
	return Result{AppID: appid, Origin: "server", Changed: rec.Token != stale,
		ExpiresAt: rec.ExpiresAt.UTC(), Source: rec.Source}, nil
}

func viaStore(ctx context.Context, opts *Options, app *cmdutil.WeChatApp) (Result, error) {
	f := opts.F
	st, err := f.OpenTokenStore(opts.Store)
	if err != nil {
		return Result{}, err
	}
	defer st.Close()
	log := f.Logger()
	secrets := token.SecretMap{}
	probe, err := token.NewWeChatManager(token.WeChatManagerOptions{Store: st, Secrets: secrets, Legacy: opts.Legacy, Logger: log})
	if err != nil {
		return Result{}, err
	}
	cur, err := st.Get(ctx, app.ID)
	if err != nil && !errors.Is(err, token.ErrNotFound) {
		return Result{}, shared.MapError("token refresh", st, err)
	}
	res := Result{AppID: app.ID, Origin: "store"}
	// A stale report about a token that was already replaced needs no
	// WeChat call, and so no secret.
	if opts.Stale != "" && cur != nil && cur.Token != opts.Stale && probe.Usable(cur, probe.Now()) {
		no := false
		res.Fetched, res.Changed, res.ExpiresAt, res.Source = &no, true, cur.ExpiresAt.UTC(), cur.Source
		return res, nil
	}
	if err := f.ResolveWeChatSecret(app, opts.SecretFile); err != nil {
		return Result{}, err
	}
	secrets[app.ID] = app.Secret
	base, err := f.WeChatBaseURL()
	if err != nil {
		return Result{}, err
	}
	m, err := token.NewWeChatManager(token.WeChatManagerOptions{Store: st, BaseURL: base, Secrets: secrets, Legacy: opts.Legacy, Logger: log})
	if err != nil {
		return Result{}, err
	}
	fetched := false
	m.OnFetch(func(ev token.FetchEvent) { fetched = fetched || ev.Err == nil })
	prev := opts.Stale
	if prev == "" && cur != nil {
		prev = cur.Token
	}
	var rec *token.Record
	switch {
	case opts.Force:
		if err := shared.ConfirmForce(opts.F, app.ID); err != nil {
			return Result{}, err
		}
		rec, err = m.ForceRefresh(ctx, app.ID)
		res.Forced = err == nil
	case prev != "":
		rec, err = m.Refresh(ctx, app.ID, prev)
	default:
		rec, err = m.Get(ctx, app.ID)
	}
	if err != nil {
		return Result{}, shared.MapError("token refresh", st, err)
	}
	res.Fetched = &fetched
	res.Changed = rec.Token != prev
	res.ExpiresAt, res.Source = rec.ExpiresAt.UTC(), rec.Source
	return res, nil
}

func printResult(f *cmdutil.Factory, opts *Options, r Result, now time.Time) error {
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, r, f.Globals.JQ)
	}
	cs := f.IOStreams.ColorScheme()
	exp := "expires " + shared.Expiry(r.ExpiresAt, now)
	var msg string
	switch {
	case r.Forced:
		msg = fmt.Sprintf("%s Forced a new access_token for %s; the previous one no longer works (%s)", cs.SuccessIcon(), r.AppID, exp)
	case r.Origin == "server" && r.Changed:
		msg = fmt.Sprintf("%s The token server holds a newer access_token for %s (%s)", cs.SuccessIcon(), r.AppID, exp)
	case r.Origin == "server":
		msg = fmt.Sprintf("%s The token server re-checked the access_token of %s; it is current (%s)", cs.SuccessIcon(), r.AppID, exp)
	case r.Fetched != nil && !*r.Fetched && r.Changed && opts.Stale != "":
		msg = fmt.Sprintf("%s The reported token is no longer current; kept the newer access_token of %s (%s, no WeChat call)", cs.SuccessIcon(), r.AppID, exp)
	case r.Changed:
		msg = fmt.Sprintf("%s Refreshed the access_token of %s: new token (%s)", cs.SuccessIcon(), r.AppID, exp)
	case r.Fetched != nil && *r.Fetched:
		msg = fmt.Sprintf("%s WeChat confirmed the access_token of %s is current (%s)", cs.SuccessIcon(), r.AppID, exp)
	default:
		msg = fmt.Sprintf("%s The access_token of %s was re-checked moments ago; unchanged (%s)", cs.SuccessIcon(), r.AppID, exp)
	}
	_, err := fmt.Fprintln(f.IOStreams.Out, msg)
	return err
}
