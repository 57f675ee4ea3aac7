package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/testenv"
	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/token"
)

// The highly available token server on every shared store (issue 16): the
// scenario TestTokenReplicas runs on Redis, once each on PostgreSQL,
// MariaDB, the env's own database (tcb://) and Redis behind Sentinel.
//
// Three `tcb token serve` replicas share the store in front of the
// emulator, whose tokens live 8 s (a new one every ~5 s); 50 clients read
// tokens through a failover client. The run is bounded by rotations, not
// by time: after the first, WeChat answers -1 three times; after the
// second, a replica that is not the refresher is killed; after the third,
// the store goes away and comes back (a database restart, a Sentinel
// failover, or the Cloud API failing); after the fifth, the clients stop.
// Every token served must have been valid when served, upstream fetches
// stay at one per rotation (+1), no client request fails, and no log or
// output holds a token, key, secret or store password.
//
// Around it: the replicas start on a token moved into the store with
// `tcb token store migrate` (and serve it without fetching), `tcb token
// status` reads the store, the live token is migrated out again, and a
// wrong database password exits 2 with the URL masked.

const (
	haTTL      = 8 * time.Second
	haOverlap  = 4 * time.Second
	haMargin   = 3 * time.Second
	haClients  = 50
	haRotation = 5 // rotations (distinct tokens - 1) before the clients stop
)

type haStore struct {
	name    string
	spec    string            // TCB_TOKEN_STORE of every tcb process
	secrets map[string]string // more values no output may hold
	// outage makes the store go away and come back; it returns what it did.
	outage func(t *testing.T, emu *emuProcess) string
	// badSpec is spec with a wrong password ("" to skip that check).
	badSpec, badPassword string
}

func TestTokenHAPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("HA scenario")
	}
	pg := testenv.StartPostgres(t)
	runTokenHA(t, haStore{
		name: "postgres", spec: pg.URL + "&table=tcb_tokens",
		secrets: map[string]string{"the database password": pg.Password},
		outage: func(t *testing.T, _ *emuProcess) string {
			if err := pg.Restart(); err != nil {
				t.Fatal(err)
			}
			return "PostgreSQL restarted"
		},
		badSpec: strings.Replace(pg.URL, pg.Password, "wrong-password-4d1f", 1), badPassword: "wrong-password-4d1f",
	})
}

func TestTokenHAMySQL(t *testing.T) {
	if testing.Short() {
		t.Skip("HA scenario")
	}
	my := testenv.StartMariaDB(t)
	runTokenHA(t, haStore{
		name: "mysql", spec: my.URL,
		secrets: map[string]string{"the database password": my.Password},
		outage: func(t *testing.T, _ *emuProcess) string {
			if err := my.Restart(); err != nil {
				t.Fatal(err)
			}
			return "MariaDB restarted"
		},
		badSpec: strings.Replace(my.URL, my.Password, "wrong-password-4d1f", 1), badPassword: "wrong-password-4d1f",
	})
}

func TestTokenHASentinel(t *testing.T) {
	if testing.Short() {
		t.Skip("HA scenario")
	}
	ss := testenv.StartSentinel(t)
	runTokenHA(t, haStore{
		name: "sentinel", spec: ss.URL,
		outage: func(t *testing.T, _ *emuProcess) string {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			old, _ := ss.Master(ctx)
			nm, err := ss.Failover(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("Sentinel failover: master %s killed, %s promoted", old, nm)
		},
	})
}

// The env's own database: the outage is the Cloud API failing
// (InternalError) for the next calls of RunCommands, as when the cloud
// database is briefly unavailable; the emulator is also the WeChat
// upstream, so it keeps running.
func TestTokenHATCB(t *testing.T) {
	if testing.Short() {
		t.Skip("HA scenario")
	}
	runTokenHA(t, haStore{
		name: "tcb",
		outage: func(t *testing.T, emu *emuProcess) string {
			emu.fault(t, `{"action":"RunCommands","count":8,"code":"InternalError","message":"the database is restarting"}`)
			return "the next 8 RunCommands calls fail with InternalError"
		},
	})
}

func runTokenHA(t *testing.T, hs haStore) {
	emu := startEmulatorProcess(t, "--token-ttl", haTTL.String(), "--token-overlap", haOverlap.String(), "--latency", "100ms")
	dir := t.TempDir()
	appid := config.EmulatorWxAppID
	base := newCLI(t, emu, "HOME="+dir)
	if hs.name == "tcb" {
		hs.spec = "tcb://" + base.createEnv("tokens") + "/tcb_tokens"
	}
	const key = "ha-test-key-0123456789abcdef0123"
	keyFile := filepath.Join(dir, "keys")
	if err := os.WriteFile(keyFile, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Every process gets the store from TCB_TOKEN_STORE: a password stays
	// out of the process list.
	c := newCLI(t, emu, "HOME="+dir, "TCB_TOKEN_STORE="+hs.spec)
	var outputs strings.Builder
	record := func(out, errs string) { outputs.WriteString(out + errs) }
	fetches := func() int { return emu.state(t).Wechat.Apps[appid].Fetches.StableToken }

	if hs.badSpec != "" {
		bad := newCLI(t, emu, "HOME="+dir, "TCB_TOKEN_STORE="+hs.badSpec)
		for _, args := range [][]string{{"token", "status"}, {"token", "serve", "--insecure-no-auth", "--listen", "127.0.0.1:0"}} {
			out, errs, code := bad.try(args...)
			record(out, errs)
			if code != 2 || !strings.Contains(errs, "xxxxx") || strings.Contains(out+errs, hs.badPassword) {
				t.Errorf("tcb %s with a wrong password: exit %d (want 2), output %s%s", strings.Join(args, " "), code, out, errs)
			}
		}
	}

	// A token fetched into a file store, moved into the shared store.
	// The token lives haTTL: should it expire before the move (a slow
	// machine), migrate rightly copies nothing, and the seed is taken again.
	seedFile := filepath.Join(dir, "seed.json")
	var seed string
	var seededAt time.Time
	for try := 1; ; try++ {
		seed = strings.TrimSpace(c.run("token", "get", "--store", "file:"+seedFile))
		seededAt = time.Now()
		out, errs, code := c.try("token", "store", "migrate", "--from", "file:"+seedFile, "--json")
		record(out, errs)
		var mig struct {
			To   string
			Apps []struct{ AppID, Token string }
		}
		if code != 0 || json.Unmarshal([]byte(out), &mig) != nil || len(mig.Apps) != 1 {
			t.Fatalf("migrate into %s: exit %d: %s%s", hs.name, code, out, errs)
		}
		if mig.Apps[0].Token == "copied" {
			break
		}
		if mig.Apps[0].Token != "expired" || try == 5 {
			t.Fatalf("migrate into %s (try %d): token %q: %s%s", hs.name, try, mig.Apps[0].Token, out, errs)
		}
		t.Logf("the seeded token expired before the move (try %d); seeding again", try)
	}
	f0 := fetches()

	rs := startReplicas(t, c.env, dir, keyFile, key, appid, "--refresh-margin", haMargin.String())
	var first [3]string
	for r := range rs.procs {
		haWait(t, 15*time.Second, fmt.Sprintf("replica %d serving", r), func() bool {
			tok, err := rs.fetch(context.Background(), r)
			first[r] = tok
			return err == nil
		})
	}
	// The migrated token is served as is: nothing was fetched again
	// (unless the replicas took so long to start that it became due).
	if time.Since(seededAt) < haTTL-haMargin-time.Second {
		if first[0] != seed || first[1] != seed || first[2] != seed || fetches() != f0 {
			t.Errorf("after the migration the replicas fetched (%d fetches) or serve another token", fetches()-f0)
		}
	} else {
		t.Logf("the replicas took %v to start: the migrated token was due, no-refetch check skipped", time.Since(seededAt).Round(time.Millisecond))
	}

	log := &tokenLog{tokens: map[string]*served{}}
	log.add(first[0], 0, time.Now(), time.Now())
	var requests, failovers, clientErrors atomic.Int64
	var errMu sync.Mutex
	var firstErrs []string
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	begin := time.Now()
	var wg sync.WaitGroup
	for cl := range haClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(25 * time.Millisecond)
			defer tick.Stop()
			for n := cl; ctx.Err() == nil; n++ {
				send := time.Now()
				var tok string
				var err error
				for try := range 3 { // failover across replicas, like a load balancer
					r := (n + try) % 3
					if rs.dead[r].Load() {
						continue
					}
					if tok, err = rs.fetch(ctx, r); err == nil {
						log.add(tok, r, send, time.Now())
						break
					}
					if ctx.Err() != nil {
						return
					}
					failovers.Add(1)
					if strings.Contains(err.Error(), "connection refused") {
						rs.dead[r].Store(true)
					}
				}
				requests.Add(1)
				if err != nil || tok == "" {
					clientErrors.Add(1)
					errMu.Lock()
					if len(firstErrs) < 5 {
						firstErrs = append(firstErrs, fmt.Sprint(err))
					}
					errMu.Unlock()
				}
				select {
				case <-ctx.Done():
				case <-tick.C:
				}
			}
		}()
	}
	// Live checks: the newest token a client got, checked at once.
	var live liveChecks
	wg.Add(1)
	go live.run(ctx, &wg, emu, log)

	rotations := func() int {
		log.mu.Lock()
		defer log.mu.Unlock()
		return len(log.order) - 1
	}
	waitRotations := func(n int) {
		haWait(t, 4*haTTL, fmt.Sprintf("rotation %d", n), func() bool { return rotations() >= n })
	}
	at := func() string { return fmt.Sprintf("t=%.1fs", time.Since(begin).Seconds()) }

	waitRotations(1)
	emu.fault(t, `{"action":"/cgi-bin/stable_token","count":3,"errcode":-1}`)
	t.Logf("%s: rotation 1; injected three -1 answers", at())

	waitRotations(2)
	victim := haNotRefresher(t, rs.logs, &rs.dead)
	// The test holds the app's refresh lock (waiting for it like another
	// replica) while the victim dies, so the victim cannot be holding it:
	// a killed holder would block refreshes until its 60 s lease ran out,
	// longer than these tokens live. (A replica polling for the lock right
	// after a rotation is what the log-based choice alone cannot see.)
	held := haHoldLock(t, emu, hs.spec, appid)
	rs.dead[victim].Store(true)
	rs.procs[victim].Kill()
	held()
	t.Logf("%s: rotation 2; replica %d killed (it does not hold the lock)", at(), victim)

	waitRotations(3)
	what := hs.outage(t, emu)
	t.Logf("%s: rotation 3; %s", at(), what)

	waitRotations(haRotation)
	cancel()
	wg.Wait()
	end := time.Now()
	elapsed := end.Sub(begin)
	fetched := fetches() - f0

	sum := checkServed(t, emu, log, appid, end)
	t.Logf("%s: %.1fs, %d clients: %d requests, %d answers, %d failovers, %d client errors; %d distinct tokens (%d expired), %d upstream fetches; answers by replica %v; %d live checks (%d bad)",
		hs.name, elapsed.Seconds(), haClients, requests.Load(), sum.total, failovers.Load(), clientErrors.Load(),
		len(log.order), sum.expired, fetched, sum.byReplica, live.checks.Load(), live.bad.Load())
	if n := clientErrors.Load(); n != 0 {
		t.Errorf("%d client requests failed, e.g. %v", n, firstErrs)
	}
	if live.bad.Load() != 0 {
		t.Errorf("%d live checks found an invalid token", live.bad.Load())
	}
	if r := len(log.order) - 1; fetched > r+1 {
		t.Errorf("%d upstream fetches for %d expiries (tokens replaced); want <= expiries + 1", fetched, r)
	}
	if sum.expired < haRotation-1 {
		t.Errorf("only %d expiries during the run", sum.expired)
	}
	if st := emu.state(t); st.Wechat.Errors["-1"] != 3 || len(st.Faults) != 0 {
		t.Errorf("injected faults: errors %v, %d pending (want three -1 answers and every fault consumed)", st.Wechat.Errors, len(st.Faults))
	}

	for i, r := range rs.procs {
		if i == victim {
			continue
		}
		if err := r.Stop(); err != nil {
			t.Errorf("replica %d exit after SIGTERM: %v", i, err)
		}
	}

	// The store as the CLI sees it, and the token moved out again, without
	// a fetch. The last token lives haTTL from its rotation; on a slow
	// machine it can expire before the move, which must then copy nothing
	// (the destination fetches its own), so both outcomes are checked.
	f1 := fetches()
	out := c.run("token", "status", "--json")
	record(out, "")
	var st struct {
		Origin, Store, State string
		ExpiresAt            time.Time `json:"expires_at"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil || st.Origin != "store" || st.State == "none" {
		t.Errorf("token status: %v: %s", err, out)
	}
	outFile := filepath.Join(dir, "out.json")
	out, errs, code := c.try("token", "store", "migrate", "--to", "file:"+outFile, "--json")
	migratedBy := time.Now()
	record(out, errs)
	var moved struct {
		Apps []struct{ AppID, Token string }
	}
	// What happened to the app's token: "copied", or when it expired first,
	// "expired" (kept as such by the SQL, file and tcb:// stores) or "none"
	// (Redis drops an expired token's key, and then the app's entry).
	outcome := "none"
	if code != 0 || json.Unmarshal([]byte(out), &moved) != nil || len(moved.Apps) > 1 || len(moved.Apps) == 1 && moved.Apps[0].AppID != appid {
		t.Errorf("migrate out of %s: exit %d: %s%s", hs.name, code, out, errs)
		outcome = "failed"
	} else if len(moved.Apps) == 1 {
		outcome = moved.Apps[0].Token
	}
	var fileStore struct {
		Apps map[string]struct {
			Record struct {
				Token string `json:"access_token"`
			} `json:"record"`
		} `json:"apps"`
	}
	b, err := os.ReadFile(outFile)
	if err == nil {
		err = json.Unmarshal(b, &fileStore)
	}
	got := fileStore.Apps[appid].Record.Token
	switch {
	case outcome == "failed":
	case outcome == "expired" || outcome == "none":
		if !st.ExpiresAt.Before(migratedBy) {
			t.Errorf("migrate found no live token (%s), but it expires at %v (migrate ended %v)", outcome, st.ExpiresAt, migratedBy)
		}
		if got != "" || (err != nil && !errors.Is(err, fs.ErrNotExist)) {
			t.Errorf("an expired token was moved out (%q) or the file is broken: %v", got, err)
		}
		t.Logf("the last token expired before the move (it lives %v): nothing copied, as it should be", haTTL)
	case outcome != "copied":
		t.Errorf("migrate out of %s: token %q (want copied, or expired on a slow machine)", hs.name, outcome)
	case err != nil:
		t.Errorf("migrated file: %v", err)
	case got == "" || emu.check(t, got).AppID != appid:
		t.Errorf("the token moved out is not one of the app's")
	case log.tokens[got] == nil: // scanned for leaks below
		log.order = append(log.order, got)
	}
	if n := fetches() - f1; n != 0 {
		t.Errorf("status and migrate fetched %d tokens from WeChat", n)
	}

	secrets := map[string]string{"the bearer key": key, "the AppSecret": config.EmulatorWxSecret}
	for k, v := range hs.secrets {
		secrets[k] = v
	}
	for i, tok := range log.order {
		secrets[fmt.Sprintf("token #%d", i)] = tok
	}
	outPath := filepath.Join(dir, "cli-output.txt")
	if err := os.WriteFile(outPath, []byte(outputs.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	scanForLeaks(t, append(rs.logs, outPath), secrets)
}

// haNotRefresher picks a live replica that did not make the latest
// upstream fetch (per its JSON log), so killing it cannot leave the store
// lock held until its lease runs out.
func haNotRefresher(t *testing.T, logs []string, dead *[3]atomic.Bool) int {
	t.Helper()
	last, lastAt := -1, time.Time{}
	for i, p := range logs {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var l struct {
				Time time.Time `json:"time"`
				Msg  string    `json:"msg"`
			}
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "token fetched" && l.Time.After(lastAt) {
				last, lastAt = i, l.Time
			}
		}
		f.Close()
	}
	for i := range logs {
		if i != last && !dead[i].Load() {
			return i
		}
	}
	t.Fatal("no replica to kill")
	return -1
}

// haHoldLock takes the app's refresh lock in the store spec names (waiting
// while a replica holds it) and returns its release.
func haHoldLock(t *testing.T, emu *emuProcess, spec, appid string) (release func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	st, _, err := token.OpenURLStore(ctx, spec, token.OpenOptions{CloudAPI: func() (token.TCBDocAPI, error) {
		return cloudapi.New(cloudapi.Options{Endpoint: emu.Endpoint, Region: "ap-shanghai", MaxAttempts: 1,
			Credential: cloudapi.Credential{SecretID: config.EmulatorSecretID, SecretKey: config.EmulatorSecretKey}})
	}})
	if err != nil {
		t.Fatalf("open %s: %v", spec, err)
	}
	l, err := st.Lock(ctx, appid, 30*time.Second)
	if err != nil {
		t.Fatalf("taking the refresh lock: %v", err)
	}
	return func() {
		if err := l.Release(context.Background()); err != nil {
			t.Errorf("releasing the refresh lock: %v", err)
		}
		if c, ok := st.(interface{ Close() error }); ok {
			c.Close()
		}
	}
}

// haWait fails the test unless cond becomes true within d; it checks every
// 20 ms.
func haWait(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			t.Fatalf("%s: not within %v", what, d)
		case <-tick.C:
		}
	}
}
