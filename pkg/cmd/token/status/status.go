// Package status implements `tcb token status`.
package status

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/chinatime"
	"github.com/tcb-go/tcb/pkg/cmd/token/shared"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/token"
)

// Options of token status.
type Options struct {
	F *cmdutil.Factory
	shared.Source
	Margin time.Duration
	Now    func() time.Time
}

// Token states.
const (
	StateValid      = "valid"       // more than the refresh margin left
	StateRefreshDue = "refresh_due" // still usable, next `token get` refreshes it
	StateExpired    = "expired"     // no longer usable
	StateNone       = "none"        // nothing stored
)

// Status is the --json output. It never holds the token itself.
type Status struct {
	AppID        string     `json:"appid"`
	Origin       string     `json:"origin"` // "server" or "store"
	Server       string     `json:"server,omitempty"`
	Store        string     `json:"store,omitempty"`
	State        string     `json:"state"`
	ExpiresAt    time.Time  `json:"expires_at,omitzero"`
	ExpiresIn    int64      `json:"expires_in"`
	ObtainedAt   time.Time  `json:"obtained_at,omitzero"`
	CheckedAt    time.Time  `json:"checked_at,omitzero"`
	Source       string     `json:"source,omitempty"`
	ForceRefresh *ForceInfo `json:"force_refresh,omitempty"`
}

// ForceInfo is the app's forced-refresh budget (shared by every process
// using the store).
type ForceInfo struct {
	UsedToday  int       `json:"used_today"`
	DailyLimit int       `json:"daily_limit"`
	Last       time.Time `json:"last,omitzero"`
}

// NewCmdStatus builds `tcb token status`.
func NewCmdStatus(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show where the access_token comes from, when it expires and when it was refreshed",
		Long: heredoc.Doc(`
			Show the access_token situation of a WeChat app without printing the token:
			where it comes from (a token server, or the token store), its state (valid,
			refresh_due, expired or none), expiry, when it was obtained and last checked
			with WeChat, how it was fetched (stable or legacy), and how many forced
			refreshes were used today. Nothing is fetched. Times are shown in the local
			time zone with the zone (UTC with --utc); --json gives them in RFC 3339.

			The same sources as 'tcb token get' apply: --server / TCB_TOKEN_SERVER first,
			else --store (default: $TCB_CONFIG_DIR/tokens.json).
		`),
		Example: heredoc.Doc(`
			$ tcb token status
			$ tcb token status --appid wx0123456789abcdef --store redis://127.0.0.1:6379/0
			$ tcb token status --json --jq .expires_in
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.CheckFlags(cmd); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	opts.AddFlags(cmd)
	fl.DurationVar(&opts.Margin, "refresh-margin", 5*time.Minute, "a token with less than this left is shown as refresh_due")
	return cmd
}

// Run shows the status.
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
	var s Status
	if srv != nil {
		rec, err := srv.Token(ctx, app.ID)
		if err != nil {
			return shared.MapServerError("token status", srv, err)
		}
		s = Status{AppID: app.ID, Origin: "server", Server: srv.BaseURL, State: StateValid,
			ExpiresAt: rec.ExpiresAt.UTC(), Source: rec.Source}
		s.ExpiresIn = max(int64(rec.ExpiresAt.Sub(now())/time.Second), 0)
	} else {
		s, err = fromStore(ctx, opts, app.ID, now())
		if err != nil {
			return err
		}
	}
	return printStatus(f, s, now())
}

func fromStore(ctx context.Context, opts *Options, appid string, now time.Time) (Status, error) {
	st, err := opts.F.OpenTokenStore(opts.Store)
	if err != nil {
		return Status{}, err
	}
	defer st.Close()
	s := Status{AppID: appid, Origin: "store", Store: st.Kind + " " + st.Desc, State: StateNone}
	m, err := token.NewWeChatManager(token.WeChatManagerOptions{Store: st, Secrets: token.SecretMap{}, Margin: opts.Margin})
	if err != nil {
		return s, err
	}
	rec, err := st.Get(ctx, appid)
	switch {
	case errors.Is(err, token.ErrNotFound):
	case err != nil:
		return s, shared.MapError("token status", st, err)
	default:
		s.ExpiresAt, s.ObtainedAt, s.CheckedAt = rec.ExpiresAt.UTC(), rec.ObtainedAt.UTC(), rec.CheckedAt.UTC()
		s.Source = rec.Source
		s.ExpiresIn = max(int64(rec.ExpiresAt.Sub(now)/time.Second), 0)
		switch {
		case m.Fresh(rec, now):
			s.State = StateValid
		case m.Usable(rec, now):
			s.State = StateRefreshDue
		default:
			s.State = StateExpired
		}
	}
	fs, err := st.ForceState(ctx, appid)
	if err != nil {
		return s, shared.MapError("token status", st, err)
	}
	fi := &ForceInfo{DailyLimit: 20, Last: fs.Last.UTC()}
	if fs.Day == chinatime.Day(now) {
		fi.UsedToday = fs.Count
	}
	s.ForceRefresh = fi
	return s, nil
}

func printStatus(f *cmdutil.Factory, s Status, now time.Time) error {
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, s, f.Globals.JQ)
	}
	cs := f.IOStreams.ColorScheme()
	from := "token server " + s.Server
	if s.Origin == "store" {
		from = "store (" + s.Store + ")"
	}
	state := s.State
	switch s.State {
	case StateValid:
		state = cs.Green(state)
	case StateRefreshDue:
		state = cs.Yellow(state + " (the next `tcb token get` refreshes it)")
	case StateExpired:
		state = cs.Red(state)
	case StateNone:
		state = "none (the next `tcb token get` fetches one)"
	}
	fields := [][2]string{{"AppID", s.AppID}, {"From", from}, {"State", state}}
	if s.State != StateNone {
		fields = append(fields, [2]string{"Expires", when(f, s.ExpiresAt, now)})
		if !s.ObtainedAt.IsZero() {
			fields = append(fields, [2]string{"Obtained", when(f, s.ObtainedAt, now)})
		}
		if !s.CheckedAt.IsZero() {
			fields = append(fields, [2]string{"Last refresh", when(f, s.CheckedAt, now)})
		}
		src := s.Source
		switch src {
		case token.SourceStable:
			src += " (POST /cgi-bin/stable_token)"
		case token.SourceLegacy:
			src += " (GET /cgi-bin/token)"
		}
		fields = append(fields, [2]string{"Source", src})
	}
	if fi := s.ForceRefresh; fi != nil {
		v := fmt.Sprintf("%d of %d used today", fi.UsedToday, fi.DailyLimit)
		if !fi.Last.IsZero() {
			v += ", last " + when(f, fi.Last, now)
		}
		fields = append(fields, [2]string{"Forced refreshes", v})
	}
	return cmdutil.PrintFields(f.IOStreams, fields)
}

// when shows t like every other time (local zone with the zone, or UTC with
// --utc) plus how far it is from now: "2026-12-05 11:02:03 CST (in 1h55m)",
// "... (5m ago)".
func when(f *cmdutil.Factory, t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := t.Sub(now)
	rel := "in " + shared.Duration(d)
	if d < 0 {
		rel = shared.Duration(-d) + " ago"
	}
	return fmt.Sprintf("%s (%s)", f.FormatTime(t), rel)
}
