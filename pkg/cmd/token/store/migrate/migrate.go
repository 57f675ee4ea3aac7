// Package migrate implements `tcb token store migrate`: copy the live
// tokens and the force-refresh bookkeeping from one token store to
// another, without asking WeChat for anything.
package migrate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/token/shared"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/token"
)

// Options of token store migrate.
type Options struct {
	F      *cmdutil.Factory
	From   string
	To     string
	AppIDs []string
	DryRun bool
	Now    func() time.Time
}

// Result is the --json output. It never holds a token.
type Result struct {
	From   string                `json:"from"`
	To     string                `json:"to"`
	DryRun bool                  `json:"dry_run"`
	Schema []string              `json:"schema_migrations,omitempty"` // what the destination's first use creates
	Apps   []token.MigrateResult `json:"apps"`
}

// NewCmdMigrate builds `tcb token store migrate`.
func NewCmdMigrate(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "migrate {--from SPEC | --to SPEC}",
		Short: "Copy the live tokens and force-refresh counts to another store, without a refresh",
		Long: heredoc.Docf(`
			Copy each app's live access_token and its force-refresh bookkeeping from one token
			store to another, without asking WeChat for anything: a deployment moves between
			stores and nothing is refreshed twice. Both stores' refresh locks are held while an
			app is copied, so replicas still running on either side wait rather than refresh.
			A newer token already in the destination is kept; force-refresh counts of the same
			day are merged, so the daily budget is not reset by a move. An expired token is not
			copied (the destination fetches one on first use).

			Stores are written like --store: file, file:PATH, redis://..., rediss://...,
			redis+sentinel://HOST:PORT[,...]/MASTER[/DB], postgres://..., mysql://... or
			tcb://ENV_ID/COLLECTION. The one not given is the usual store (%[1]s, else
			the file store): --to moves the configured store's tokens elsewhere, --from
			brings tokens into it. Keep passwords off the command line: put the URL in
			%[1]s, or use PGPASSWORD (PostgreSQL) or MYSQL_PWD (MySQL).

			Apps: every app the source holds, or the ones named with --appid. --dry-run reads
			both stores and says what would be copied, and what the destination's first use
			would create (a table), writing nothing.

			Then point the replicas at the new store (--store or %[1]s) and restart them.
		`, cmdutil.EnvTokenStore),
		Example: heredoc.Doc(`
			$ PGPASSWORD=... tcb token store migrate --to postgres://tcb@db.internal/tcb --dry-run
			$ TCB_TOKEN_STORE=redis://redis:6379/0 MYSQL_PWD=... tcb token store migrate --to mysql://tcb@db.internal/tcb
			$ TCB_TOKEN_STORE=mysql://tcb:PASSWORD@db.internal/tcb tcb token store migrate --from redis://redis:6379/0
			$ tcb token store migrate --from file --to tcb://prod-1a2b3c/tcb_tokens --appid wx0123456789abcdef
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.From == "" && opts.To == "" {
				return cmdutil.FlagErrorf("name the other store: --to SPEC (copy the configured store's tokens there) or --from SPEC (copy them from there)")
			}
			for _, id := range opts.AppIDs {
				if err := token.ValidAppID(id); err != nil {
					return cmdutil.FlagErrorf("--appid: %v", err)
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.From, "from", "", "store to copy from (default: "+cmdutil.EnvTokenStore+" or file)")
	fl.StringVar(&opts.To, "to", "", "store to copy into (default: "+cmdutil.EnvTokenStore+" or file)")
	fl.StringArrayVar(&opts.AppIDs, "appid", nil, "copy only this app (repeatable; default: every app the source holds)")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "say what would be copied, write nothing")
	return cmd
}

// Run copies.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	from, err := f.OpenTokenStore(opts.From)
	if err != nil {
		return err
	}
	defer from.Close()
	to, err := f.OpenTokenStore(opts.To)
	if err != nil {
		return err
	}
	defer to.Close()
	if from.Kind == to.Kind && from.Desc == to.Desc {
		return cmdutil.FlagErrorf("--from and --to are the same store (%s %s)", from.Kind, from.Desc)
	}
	res := Result{From: from.Kind + " " + from.Desc, To: to.Kind + " " + to.Desc, DryRun: opts.DryRun, Apps: []token.MigrateResult{}}
	if opts.DryRun {
		if sm, ok := to.Store.(token.SchemaMigrator); ok {
			if res.Schema, err = sm.PendingMigrations(ctx); err != nil {
				return shared.MapError("token store migrate", to, err)
			}
		}
	}
	apps := slices.Clone(opts.AppIDs)
	if len(apps) == 0 {
		if apps, err = listApps(ctx, from); err != nil {
			return err
		}
	}
	mo := token.MigrateOptions{DryRun: opts.DryRun, Now: opts.Now}
	for _, id := range apps {
		r, err := token.MigrateApp(ctx, from, to, id, mo)
		if err != nil {
			st := to
			if me := (*token.MigrateError)(nil); errors.As(err, &me) && me.Source {
				st = from
			}
			return shared.MapError("token store migrate "+id, st, err)
		}
		res.Apps = append(res.Apps, r)
	}
	return printResult(f, res)
}

// listApps lists the source's apps; an SQL store whose table does not
// exist yet holds none (and is not created by looking).
func listApps(ctx context.Context, from *cmdutil.TokenStore) ([]string, error) {
	if empty, err := token.Unmigrated(ctx, from.Store); err != nil || empty {
		return nil, shared.MapError("token store migrate", from, err)
	}
	l, ok := from.Store.(token.AppLister)
	if !ok {
		return nil, cmdutil.FlagErrorf("the source store cannot list its apps: name them with --appid")
	}
	apps, err := l.AppIDs(ctx)
	return apps, shared.MapError("token store migrate", from, err)
}

func printResult(f *cmdutil.Factory, res Result) error {
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, res, f.Globals.JQ)
	}
	errOut := f.IOStreams.ErrOut
	verb := "Copying"
	if res.DryRun {
		verb = "Dry run: would copy"
	}
	fmt.Fprintf(errOut, "%s from %s to %s\n", verb, res.From, res.To)
	for _, s := range res.Schema {
		fmt.Fprintf(errOut, "The destination's first use will apply %s\n", s)
	}
	if len(res.Apps) == 0 {
		fmt.Fprintln(errOut, "The source holds no app: nothing to copy.")
		return nil
	}
	t := cmdutil.NewTable(f.IOStreams, "appid", "token", "force refresh", "expires")
	for _, a := range res.Apps {
		exp := ""
		if !a.ExpiresAt.IsZero() {
			exp = f.FormatTime(a.ExpiresAt)
		}
		t.Row(a.AppID, a.Token, a.Force, exp)
	}
	if err := t.Render(); err != nil {
		return err
	}
	if !res.DryRun {
		fmt.Fprintf(errOut, "Nothing was fetched from WeChat. Point the token servers at the new store (--store or %s) and restart them.\n", cmdutil.EnvTokenStore)
	}
	return nil
}
