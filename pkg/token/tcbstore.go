package token

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/tcb-go/tcb/internal/ascii"
	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/errkind"
)

// TCBStore keeps tokens in a collection of a CloudBase environment's own
// document database, reached through the Tencent Cloud API (tcb
// RunCommands with the account's API keys), so no access_token is needed
// to store the access_token. It works against the emulator and the cloud,
// and gives the guarantees of the other shared stores.
//
// One document per app, _id = the appid (what a cloud function reads with
// wx-server-sdk: db.collection(C).doc(appid).get()):
//
//	access_token  string  the token ("" until the first write)
//	expires_at    number  ms since the epoch
//	obtained_at   number  ms since the epoch
//	checked_at    number  ms since the epoch (0: never re-checked)
//	source        string  "stable" or "legacy"
//	force         object  {day, count, last (ms)}: force-refresh bookkeeping
//	fence         number  fencing counter: raised on every lock acquisition,
//	                      never below the acquirer's clock in ms
//	lock_owner    string  random id of the refresh lock's holder, "" when free
//	lock_until    number  end of the holder's lease, ms since the epoch
//	version       number  raised by every change
//	schema        number  document layout version (1)
//
// Every change is a conditional update (the database's update operators
// on a filter that pins what the writer read):
//
//   - Lock: read the document; if the lease of another holder is still
//     running, poll; else UPDATE {_id, version: v} with $set lock_owner,
//     lock_until = now + lease, fence = max(fence + 1, now) and $inc
//     version. Matching nothing means another replica changed the document
//     first: read again.
//   - Put / PutForceState: UPDATE {_id, fence: my fence}: any later
//     acquisition raised the fence, so a holder that stalled past its lease
//     writes nothing (ErrFenced).
//   - Release: UPDATE {_id, lock_owner: me, fence: my fence} clearing the
//     owner.
//
// Leases are measured on the replicas' clocks (the API has no server clock
// to read): keep them in sync (NTP); the default lease, 60 s, absorbs a
// skew of seconds. A timer-triggered cloud function can refresh into the
// same collection with the same protocol (docs/guides/token-server.md).
//
// The collection is created on first use (flexdb CreateTable).
type TCBStore struct {
	api     TCBDocAPI
	env     string
	coll    string
	desc    string
	timeout time.Duration
	poll    time.Duration
	now     func() time.Time
	log     atomic.Pointer[slog.Logger]

	tagMu sync.Mutex
	tag   string
}

// TCBDocAPI is the part of the Tencent Cloud API a TCBStore uses;
// *cloudapi.Client implements it.
type TCBDocAPI interface {
	DescribeEnv(ctx context.Context, envID string) (*cloudapi.EnvInfo, error)
	RunCommands(ctx context.Context, req *cloudapi.RunCommandsRequest) (*cloudapi.RunCommandsResponse, error)
	CreateTable(ctx context.Context, tag, name string) error
}

// TCBOptions configures NewTCBStore.
type TCBOptions struct {
	// URL is tcb://ENV_ID/COLLECTION.
	URL string
	// API reaches the environment (required).
	API TCBDocAPI
	// Timeout bounds each API call; default 10 s.
	Timeout time.Duration
	// Logger receives the collection's creation (warning level); nil
	// discards.
	Logger *slog.Logger
	// Now is the clock of leases and fences; default time.Now.
	Now func() time.Time
}

// tcbDocSchema is the document layout version this tcb writes.
const tcbDocSchema = 1

// ParseTCBStoreURL splits tcb://ENV_ID/COLLECTION.
func ParseTCBStoreURL(raw string) (env, coll string, err error) {
	bad := func(why string) error {
		return errkind.Errorf(errkind.Input, "token: invalid store %s: %s (want tcb://ENV_ID/COLLECTION)", RedactStoreSpec(raw), why)
	}
	u, perr := url.Parse(raw)
	if perr != nil || u.Scheme != "tcb" {
		return "", "", bad("not a tcb:// URL")
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", "", bad("no credentials, query or fragment: the Cloud API keys come from tcb's configuration")
	}
	env, coll = u.Host, strings.TrimPrefix(u.Path, "/")
	if env == "" || !ascii.Only(env, func(c byte) bool { return ascii.Alnum(c) || c == '-' || c == '_' }) || len(env) > 64 {
		return "", "", bad("the host must be an environment ID")
	}
	if coll == "" || len(coll) > 64 || !ascii.Alnum(coll[0]) ||
		!ascii.Only(coll, func(c byte) bool { return ascii.Alnum(c) || c == '-' || c == '_' }) {
		return "", "", bad("the path must be a collection name (letters, digits, '-' and '_')")
	}
	return env, coll, nil
}

// NewTCBStore returns a store on the collection of tcb://ENV_ID/COLLECTION.
// Nothing is called until first use.
func NewTCBStore(o TCBOptions) (*TCBStore, error) {
	env, coll, err := ParseTCBStoreURL(o.URL)
	if err != nil {
		return nil, err
	}
	if o.API == nil {
		return nil, errors.New("token: NewTCBStore needs a Cloud API client")
	}
	s := &TCBStore{api: o.API, env: env, coll: coll, desc: "tcb://" + env + "/" + coll,
		timeout: o.Timeout, poll: 50 * time.Millisecond, now: o.Now}
	if s.timeout <= 0 {
		s.timeout = 10 * time.Second
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.SetLogger(o.Logger)
	return s, nil
}

// SetLogger sets where the collection's creation is logged (nil
// discards).
func (s *TCBStore) SetLogger(l *slog.Logger) {
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	s.log.Store(l)
}

// Desc is tcb://ENV_ID/COLLECTION.
func (s *TCBStore) Desc() string { return s.desc }

// tcbDoc is one app's document as read back.
type tcbDoc struct {
	ID          string   `json:"_id"`
	AppID       string   `json:"appid"`
	AccessToken string   `json:"access_token"`
	ExpiresAt   docInt   `json:"expires_at"`
	ObtainedAt  docInt   `json:"obtained_at"`
	CheckedAt   docInt   `json:"checked_at"`
	Source      string   `json:"source"`
	Force       *tcbDocF `json:"force"`
	Fence       docInt   `json:"fence"`
	LockOwner   string   `json:"lock_owner"`
	LockUntil   docInt   `json:"lock_until"`
	Version     docInt   `json:"version"`
	Schema      docInt   `json:"schema"`
}

type tcbDocF struct {
	Day   string `json:"day"`
	Count docInt `json:"count"`
	Last  docInt `json:"last"`
}

// docInt reads a number as the database returns it: a JSON number
// (relaxed Extended JSON; JavaScript writes doubles) or {"$numberLong":
// "..."}, {"$numberInt": ...}, {"$numberDouble": ...}; null is 0.
type docInt int64

func (d *docInt) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		*d = 0
		return nil
	}
	if strings.HasPrefix(s, "{") {
		var w map[string]json.RawMessage
		if err := json.Unmarshal(b, &w); err != nil || len(w) != 1 {
			return errors.New("not a number")
		}
		for _, v := range w {
			var str string
			if json.Unmarshal(v, &str) == nil {
				s = str
			} else {
				s = string(v)
			}
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1<<62 {
		return errors.New("not a number")
	}
	*d = docInt(math.Round(f))
	return nil
}

func msTime(ms docInt) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(ms))
}

func timeMS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// instance returns the env's database instance (flexdb Tag), looked up
// once.
func (s *TCBStore) instance(ctx context.Context) (string, error) {
	s.tagMu.Lock()
	defer s.tagMu.Unlock()
	if s.tag != "" {
		return s.tag, nil
	}
	env, err := s.api.DescribeEnv(ctx, s.env)
	if err != nil {
		return "", err
	}
	if len(env.Databases) == 0 || env.Databases[0].InstanceId == "" {
		return "", errkind.Errorf(errkind.NotFound, "environment %s has no database instance", s.env)
	}
	s.tag = env.Databases[0].InstanceId
	return s.tag, nil
}

// run sends one command; a missing collection is created once and the
// command sent again.
func (s *TCBStore) run(ctx context.Context, op, typ string, cmd any) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	body, err := json.Marshal(cmd)
	if err != nil {
		return nil, err
	}
	tag, err := s.instance(ctx)
	if err != nil {
		return nil, s.fail(op, err)
	}
	req := &cloudapi.RunCommandsRequest{EnvId: s.env, Tag: tag,
		MgoCommands: []cloudapi.MgoCommand{{TableName: s.coll, CommandType: typ, Command: string(body)}}}
	for created := false; ; created = true {
		resp, err := s.api.RunCommands(ctx, req)
		if err == nil {
			return resp.Data[0], nil
		}
		if created || !cloudapi.IsCode(err, "ResourceNotFound") {
			return nil, s.fail(op, err)
		}
		s.log.Load().LogAttrs(ctx, slog.LevelWarn, "token store: creating the collection",
			slog.String("store", s.desc))
		if cerr := s.api.CreateTable(ctx, tag, s.coll); cerr != nil && !cloudapi.IsCode(cerr, "ResourceInUse") {
			return nil, s.fail("create collection", cerr)
		}
	}
}

// fail names the store and the operation; a failure that does not say
// what kind it is (the Cloud API's errors do) is a remote one.
func (s *TCBStore) fail(op string, err error) error {
	if err == nil {
		return nil
	}
	err = fmt.Errorf("token: %s %s: %w", s.desc, op, err)
	if _, ok := errkind.Of(err); !ok && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		err = errkind.Wrap(errkind.Remote, err)
	}
	return err
}

// one runs a command answering one result object.
func (s *TCBStore) one(ctx context.Context, op, typ string, cmd any, out any) error {
	data, err := s.run(ctx, op, typ, cmd)
	if err != nil {
		return err
	}
	if len(data) != 1 {
		return s.fail(op, fmt.Errorf("RunCommands %s answered %d results, expected 1", typ, len(data)))
	}
	if err := json.Unmarshal([]byte(data[0]), out); err != nil {
		return s.fail(op, fmt.Errorf("RunCommands %s: unexpected answer: %s", typ, jsonWhy(err)))
	}
	return nil
}

type tcbUpdateResult struct {
	Matched docInt `json:"matched"`
}

// update runs a conditional update and reports whether it matched.
func (s *TCBStore) update(ctx context.Context, op string, filter, upd map[string]any) (bool, error) {
	var res tcbUpdateResult
	err := s.one(ctx, op, "UPDATE", map[string]any{"filter": filter, "update": upd, "multi": false, "upsert": false}, &res)
	return res.Matched > 0, err
}

// doc reads an app's document (nil when there is none).
func (s *TCBStore) doc(ctx context.Context, appid string) (*tcbDoc, error) {
	data, err := s.run(ctx, "read "+appid, "QUERY", map[string]any{"filter": map[string]any{"_id": appid}, "limit": 1})
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, nil
	}
	var d tcbDoc
	if err := json.Unmarshal([]byte(data[0]), &d); err != nil {
		return nil, s.corrupt(appid, jsonWhy(err))
	}
	if d.Schema > tcbDocSchema {
		return nil, errkind.Errorf(errkind.Failed, "token: %s document %s has layout version %d, newer than this tcb knows (%d): upgrade tcb",
			s.desc, appid, d.Schema, tcbDocSchema)
	}
	return &d, nil
}

func (s *TCBStore) corrupt(appid, why string) error {
	return errkind.Errorf(errkind.Failed,
		"token: %s document %s is corrupt (%s); fix it, or delete it to start over (tcb db delete 'db.collection(\"%s\").doc(\"%s\").remove()'): the next refresh stores a new token",
		s.desc, appid, why, s.coll, appid)
}

// Get implements Store.
func (s *TCBStore) Get(ctx context.Context, appid string) (*Record, error) {
	d, err := s.doc(ctx, appid)
	if err != nil {
		return nil, err
	}
	if d == nil || d.AccessToken == "" {
		return nil, ErrNotFound
	}
	if (d.AppID != "" && d.AppID != appid) || d.ExpiresAt == 0 {
		return nil, s.corrupt(appid, "the token names another app or has no expiry")
	}
	return &Record{AppID: appid, Token: d.AccessToken, ExpiresAt: msTime(d.ExpiresAt),
		ObtainedAt: msTime(d.ObtainedAt), CheckedAt: msTime(d.CheckedAt), Source: d.Source}, nil
}

// ForceState implements Store.
func (s *TCBStore) ForceState(ctx context.Context, appid string) (ForceState, error) {
	d, err := s.doc(ctx, appid)
	if err != nil || d == nil || d.Force == nil {
		return ForceState{}, err
	}
	return ForceState{Day: d.Force.Day, Count: int(d.Force.Count), Last: msTime(d.Force.Last)}, nil
}

// Lock implements Store.
func (s *TCBStore) Lock(ctx context.Context, appid string, lease time.Duration) (Lease, error) {
	if err := ValidAppID(appid); err != nil {
		return nil, err
	}
	if lease < time.Millisecond {
		return nil, errors.New("token: lock lease must be positive")
	}
	owner := uuid.NewString()
	for {
		fence, err := s.tryLock(ctx, appid, owner, lease)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("token: %s lock %s: %w", s.desc, appid, context.Cause(ctx))
			}
			return nil, err
		}
		if fence > 0 {
			return &tcbLease{s: s, appid: appid, owner: owner, fence: fence}, nil
		}
		t := time.NewTimer(s.poll/2 + rand.N(s.poll))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("token: %s lock %s: %w", s.desc, appid, context.Cause(ctx))
		case <-t.C:
		}
	}
}

// tryLock returns the new fence, or 0 while another holder's lease runs.
func (s *TCBStore) tryLock(ctx context.Context, appid, owner string, lease time.Duration) (int64, error) {
	for attempt := 0; attempt < 5; attempt++ {
		d, err := s.doc(ctx, appid)
		if err != nil {
			return 0, err
		}
		if d == nil {
			var ins map[string]any
			err := s.one(ctx, "create "+appid, "INSERT", map[string]any{"documents": []any{map[string]any{
				"_id": appid, "appid": appid, "access_token": "", "fence": 0, "lock_owner": "", "lock_until": 0,
				"version": 0, "schema": tcbDocSchema}}}, &ins)
			if err != nil && !cloudapi.IsCode(err, "FailedOperation") { // FailedOperation: E11000, another replica created it
				return 0, err
			}
			continue
		}
		now := s.now().UnixMilli()
		if d.LockOwner != "" && int64(d.LockUntil) > now {
			return 0, nil
		}
		fence := max(int64(d.Fence)+1, now)
		ok, err := s.update(ctx, "lock "+appid,
			map[string]any{"_id": appid, "version": int64(d.Version)},
			map[string]any{
				"$set": map[string]any{"lock_owner": owner, "lock_until": now + lease.Milliseconds(), "fence": fence},
				"$inc": map[string]any{"version": 1},
			})
		if err != nil {
			return 0, err
		}
		if ok {
			return fence, nil
		}
		// Another replica changed the document since we read it.
	}
	return 0, nil
}

type tcbLease struct {
	s     *TCBStore
	appid string
	owner string
	fence int64

	rel releaser
}

func (l *tcbLease) Fence() int64 { return l.fence }

func (l *tcbLease) Valid(ctx context.Context) bool {
	d, err := l.s.doc(ctx, l.appid)
	return err == nil && d != nil && d.LockOwner == l.owner && int64(d.Fence) == l.fence &&
		int64(d.LockUntil) > l.s.now().UnixMilli()
}

func (l *tcbLease) Release(ctx context.Context) error {
	return l.rel.do(func() error {
		_, err := l.s.update(ctx, "unlock "+l.appid,
			map[string]any{"_id": l.appid, "lock_owner": l.owner, "fence": l.fence},
			map[string]any{"$set": map[string]any{"lock_owner": "", "lock_until": 0}, "$inc": map[string]any{"version": 1}})
		return err
	})
}

// write is a fenced update.
func (s *TCBStore) write(ctx context.Context, appid string, set map[string]any, l Lease) error {
	tl, ok := l.(*tcbLease)
	if !ok || tl.s != s || tl.appid != appid {
		return fmt.Errorf("token: write to %s needs a lock of this store for that app", appid)
	}
	set["schema"] = tcbDocSchema
	ok, err := s.update(ctx, "write "+appid,
		map[string]any{"_id": appid, "fence": tl.fence},
		map[string]any{"$set": set, "$inc": map[string]any{"version": 1}})
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("token: write %s: a newer lock was granted: %w", appid, ErrFenced)
	}
	return nil
}

// Put implements Store.
func (s *TCBStore) Put(ctx context.Context, rec *Record, l Lease) error {
	if rec == nil || rec.AppID == "" {
		return errors.New("token: Put needs a record with an appid")
	}
	return s.write(ctx, rec.AppID, map[string]any{
		"appid": rec.AppID, "access_token": rec.Token, "expires_at": timeMS(rec.ExpiresAt),
		"obtained_at": timeMS(rec.ObtainedAt), "checked_at": timeMS(rec.CheckedAt), "source": rec.Source,
	}, l)
}

// PutForceState implements Store.
func (s *TCBStore) PutForceState(ctx context.Context, appid string, st ForceState, l Lease) error {
	return s.write(ctx, appid, map[string]any{
		"force": map[string]any{"day": st.Day, "count": st.Count, "last": timeMS(st.Last)},
	}, l)
}

// AppIDs lists the apps with a document.
func (s *TCBStore) AppIDs(ctx context.Context) ([]string, error) {
	data, err := s.run(ctx, "list apps", "QUERY", map[string]any{"filter": map[string]any{},
		"projection": map[string]any{"_id": 1}, "sort": map[string]any{"_id": 1}, "limit": 1000})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, raw := range data {
		var d struct {
			ID string `json:"_id"`
		}
		if json.Unmarshal([]byte(raw), &d) == nil && ValidAppID(d.ID) == nil {
			out = append(out, d.ID)
		}
	}
	return out, nil
}

// Ping implements Store: the environment's database answers.
func (s *TCBStore) Ping(ctx context.Context) error {
	_, err := s.run(ctx, "ping", "QUERY", map[string]any{"filter": map[string]any{"_id": "-"}, "limit": 1})
	return err
}

// Close implements Store.
func (s *TCBStore) Close() error { return nil }
