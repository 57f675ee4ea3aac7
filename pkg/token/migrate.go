package token

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// AppLister is a store that can list its apps; every store of this
// package is one.
type AppLister interface {
	// AppIDs lists the apps with a stored token or force-refresh
	// bookkeeping, sorted.
	AppIDs(ctx context.Context) ([]string, error)
}

// AppIDs implements AppLister.
func (s *FileStore) AppIDs(context.Context) ([]string, error) {
	d, err := s.read()
	if err != nil {
		return nil, err
	}
	var out []string
	for id, a := range d.Apps {
		if a != nil && ((a.Record != nil && a.Record.Token != "") || a.Force != nil) {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out, nil
}

// AppIDs implements AppLister (SCAN over the token and force keys).
func (s *RedisStore) AppIDs(ctx context.Context) ([]string, error) {
	seen := map[string]bool{}
	for _, kind := range []string{"token", "force"} {
		it := s.rdb.Scan(ctx, 0, s.prefix+kind+":{*}", 200).Iterator()
		for it.Next(ctx) {
			k := strings.TrimPrefix(it.Val(), s.prefix+kind+":{")
			if id, ok := strings.CutSuffix(k, "}"); ok && ValidAppID(id) == nil {
				seen[id] = true
			}
		}
		if err := it.Err(); err != nil {
			return nil, fmt.Errorf("token: redis scan: %w", err)
		}
	}
	out := make([]string, 0, len(seen))
	for id := range seen {
		out = append(out, id)
	}
	sort.Strings(out)
	return out, nil
}

// What MigrateApp did with a token or force-refresh bookkeeping.
const (
	MigrateCopied   = "copied"     // written to the destination
	MigrateSame     = "up_to_date" // the destination already held it
	MigrateKept     = "kept_newer" // the destination holds a newer token: left alone
	MigrateExpired  = "expired"    // the source's token is no longer usable: not copied
	MigrateNone     = "none"       // nothing in the source
	MigrateWouldAdd = "would_copy" // dry run: would be written
)

// MigrateResult is what MigrateApp did for one app. It never holds the
// token.
type MigrateResult struct {
	AppID     string    `json:"appid"`
	Token     string    `json:"token"`
	Force     string    `json:"force_refresh"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	Source    string    `json:"source,omitempty"`
}

// MigrateError is a failure of MigrateApp on one of the two stores.
type MigrateError struct {
	Source bool   // the source store failed (else the destination)
	Op     string // "lock", "read" or "write"
	Err    error
}

func (e *MigrateError) Error() string {
	side := "destination"
	if e.Source {
		side = "source"
	}
	return e.Op + " the " + side + ": " + e.Err.Error()
}

func (e *MigrateError) Unwrap() error { return e.Err }

// MigrateOptions configures MigrateApp.
type MigrateOptions struct {
	// DryRun reads both stores and reports what would be written,
	// writing nothing and taking no lock.
	DryRun bool
	// Lease of the locks held on both stores while copying; default 30 s.
	Lease time.Duration
	// Now is the clock that decides whether the token is still usable;
	// default time.Now.
	Now func() time.Time
	// MinRemaining: a token with less left than this is not copied (the
	// destination will fetch one); 0 skips expired tokens only. A token
	// inside the refresh margin is still worth copying: the destination's
	// next refresh then compares with it instead of starting from nothing.
	MinRemaining time.Duration
}

// MigrateApp copies one app's live token and force-refresh bookkeeping
// from one store to another without asking WeChat for anything, so that a
// deployment moves between stores and nothing is refreshed twice. It holds
// the app's refresh lock on both stores (source first) while it reads and
// writes, so no refresh of either side runs meanwhile; the destination
// write is fenced like any other. A destination token obtained later than
// the source's is kept; force-refresh counts of the same day are merged
// (the larger count and the later attempt win), so the daily budget is
// never reset by a move.
func MigrateApp(ctx context.Context, from, to Store, appid string, o MigrateOptions) (MigrateResult, error) {
	res := MigrateResult{AppID: appid, Token: MigrateNone, Force: MigrateNone}
	if err := ValidAppID(appid); err != nil {
		return res, err
	}
	if o.Lease <= 0 {
		o.Lease = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	var srcLease, dstLease Lease
	if !o.DryRun {
		var err error
		if srcLease, err = from.Lock(ctx, appid, o.Lease); err != nil {
			return res, &MigrateError{Source: true, Op: "lock", Err: err}
		}
		defer srcLease.Release(context.WithoutCancel(ctx))
		if dstLease, err = to.Lock(ctx, appid, o.Lease); err != nil {
			return res, &MigrateError{Op: "lock", Err: err}
		}
		defer dstLease.Release(context.WithoutCancel(ctx))
	}
	rec, fs, err := readApp(ctx, from, appid, o.DryRun)
	if err != nil {
		return res, &MigrateError{Source: true, Op: "read", Err: err}
	}
	cur, dfs, err := readApp(ctx, to, appid, o.DryRun)
	if err != nil {
		return res, &MigrateError{Op: "read", Err: err}
	}

	now := o.Now()
	if rec != nil {
		res.ExpiresAt, res.Source = rec.ExpiresAt, rec.Source
		switch {
		case !rec.ExpiresAt.After(now.Add(o.MinRemaining)):
			res.Token = MigrateExpired
		case cur != nil && cur.Token == rec.Token && cur.ExpiresAt.Equal(rec.ExpiresAt):
			res.Token = MigrateSame
		case cur != nil && cur.Token != rec.Token && cur.ObtainedAt.After(rec.ObtainedAt) && cur.ExpiresAt.After(now.Add(o.MinRemaining)):
			res.Token, res.ExpiresAt, res.Source = MigrateKept, cur.ExpiresAt, cur.Source
		case o.DryRun:
			res.Token = MigrateWouldAdd
		default:
			if err := to.Put(ctx, rec, dstLease); err != nil {
				return res, &MigrateError{Op: "write", Err: err}
			}
			res.Token = MigrateCopied
		}
	}
	if fs != (ForceState{}) {
		merged := mergeForce(fs, dfs)
		switch {
		case sameForce(merged, dfs):
			res.Force = MigrateSame
		case o.DryRun:
			res.Force = MigrateWouldAdd
		default:
			if err := to.PutForceState(ctx, appid, merged, dstLease); err != nil {
				return res, &MigrateError{Op: "write", Err: err}
			}
			res.Force = MigrateCopied
		}
	}
	return res, nil
}

// readApp reads an app's token (nil when none) and force state. In a dry
// run a store whose schema is not created yet is read as empty, so that
// reading does not create it.
func readApp(ctx context.Context, s Store, appid string, dryRun bool) (*Record, ForceState, error) {
	if dryRun {
		if empty, err := Unmigrated(ctx, s); err != nil || empty {
			return nil, ForceState{}, err
		}
	}
	rec, err := s.Get(ctx, appid)
	if errors.Is(err, ErrNotFound) {
		rec, err = nil, nil
	}
	if err != nil {
		return nil, ForceState{}, err
	}
	fs, err := s.ForceState(ctx, appid)
	return rec, fs, err
}

// SchemaMigrator is a store whose schema is created on first use (the SQL
// stores).
type SchemaMigrator interface {
	// PendingMigrations says what the next use will do to the database
	// (nothing: none).
	PendingMigrations(ctx context.Context) ([]string, error)
	// SchemaVersion is the applied schema version, 0 before the first
	// use.
	SchemaVersion(ctx context.Context) (int, error)
}

// Unmigrated reports whether s is a store whose schema does not exist
// yet: it holds nothing, and its first use will create it.
func Unmigrated(ctx context.Context, s Store) (bool, error) {
	sm, ok := s.(SchemaMigrator)
	if !ok {
		return false, nil
	}
	v, err := sm.SchemaVersion(ctx)
	return v == 0, err
}

// mergeForce combines two force-refresh records: the later day wins; on
// the same day the larger count; the later attempt always.
func mergeForce(a, b ForceState) ForceState {
	out := a
	switch {
	case b.Day > a.Day:
		out.Day, out.Count = b.Day, b.Count
	case b.Day == a.Day:
		out.Count = max(a.Count, b.Count)
	}
	if b.Last.After(a.Last) {
		out.Last = b.Last
	}
	return out
}

func sameForce(a, b ForceState) bool {
	return a.Day == b.Day && a.Count == b.Count && a.Last.Equal(b.Last)
}
