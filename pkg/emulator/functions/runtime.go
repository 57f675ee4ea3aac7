package functions

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tcb-go/tcb/pkg/emulator/creds"
	"github.com/tcb-go/tcb/pkg/emulator/sdkapi"
	"github.com/tcb-go/tcb/pkg/fnrun"
)

// Sources of invocations, as stored in the logs.
const (
	sourceSync  = "RequestResponse"
	sourceAsync = "Event"
	sourceTimer = "Timer"
)

// runtimeFunction turns the live spec of rec ($LATEST) into what fnrun
// runs.
func (m *Module) runtimeFunction(ctx context.Context, rec *record, host string) (fnrun.Function, error) {
	return m.runtimeFunctionFor(ctx, rec, target{Version: latestQualifier, Spec: rec.Live}, host)
}

// runtimeFunctionFor turns one version of rec into what fnrun runs. Its
// bound layers are merged into one directory that stands for SCF's /opt:
// NODE_PATH lists it (and its node_modules) after the code's own
// directories, as SCF's NODE_PATH lists /opt and /opt/node_modules.
func (m *Module) runtimeFunctionFor(ctx context.Context, rec *record, t target, host string) (fnrun.Function, error) {
	sp := t.Spec
	dir, err := m.runDir(ctx, sp)
	if err != nil {
		return fnrun.Function{}, fmt.Errorf("preparing the code of %s: %w", rec.Name, err)
	}
	opt, err := m.ensureOpt(ctx, sp.Layers)
	if err != nil {
		return fnrun.Function{}, fmt.Errorf("preparing the layers of %s: %w", rec.Name, err)
	}
	key := runtimeKey{rec.Namespace, rec.Name, t.Version}
	if fn, ok := m.runtimes.get(key, rec, sp, host, dir, opt); ok {
		return fn, nil
	}
	env := make(map[string]string, len(sp.Env)+6)
	for _, v := range sp.Env {
		env[v.Key] = v.Value
	}
	setDefault := func(k, v string) {
		if _, ok := env[k]; !ok && v != "" {
			env[k] = v
		}
	}
	setDefault("TCB_EMULATOR_HOST", host)
	setDefault("TCB_EMULATOR", "true")
	if host != "" {
		// The server SDKs send every call to TCB_CONTEXT_CNFG's URL.
		cnfg, _ := json.Marshal(map[string]string{"URL": "http://" + host + sdkapi.Path})
		setDefault("TCB_CONTEXT_CNFG", string(cnfg))
	}
	setDefault("TENCENTCLOUD_REGION", m.region(rec.Namespace))
	// node-sdk sees only the variables these lists name (besides a fixed
	// few); the platform lists them the same way.
	setDefault("TCB_CONTEXT_KEYS", "TCB_ENV,TCB_SEQID,TCB_SOURCE")
	if opt != "" {
		absDir, _ := filepath.Abs(dir)
		opt, _ = filepath.Abs(opt)
		setDefault("NODE_PATH", strings.Join([]string{absDir, filepath.Join(absDir, "node_modules"),
			opt, filepath.Join(opt, "node_modules")}, string(filepath.ListSeparator)))
	}
	fn := fnrun.Function{
		Name:      rec.Name,
		Namespace: rec.Namespace,
		Handler:   sp.Handler,
		Runtime:   sp.Runtime,
		CodeDir:   dir,
		Timeout:   time.Duration(sp.Timeout) * time.Second,
		MemoryMB:  int(sp.MemorySize),
		Env:       env,
	}
	if t.Version != latestQualifier {
		fn.Version = t.Version
	}
	fn.Revision = revision(rec.FunctionID, sp, fn)
	m.checkNodeVersion(ctx, sp.Runtime)
	if m.recs.isShared(rec) {
		m.runtimes.put(key, &runtimeEntry{rec: rec, spec: sp, host: host, dir: dir, opt: opt, fn: fn})
	}
	return fn, nil
}

// checkNodeVersion logs once per runtime when the local node is older than
// the runtime the function asks for (it still runs, with the local node).
func (m *Module) checkNodeVersion(ctx context.Context, runtime string) {
	want := fnrun.RuntimeNodeMajor(runtime)
	if want == 0 {
		return
	}
	if _, done := m.warned.LoadOrStore(runtime, true); done {
		return
	}
	v, err := m.pool.Load().NodeVersion(ctx)
	if err != nil {
		return
	}
	if have := fnrun.NodeMajor(v); have != 0 && have < want {
		m.log.Warn("functions: the local node is older than the functions' runtime", "runtime", runtime, "node", v)
	}
}

// revision identifies code + configuration: warm instances are reused
// while it stays the same.
func revision(functionID string, sp *spec, fn fnrun.Function) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n%s\n%s\n%d\n%d\n%s\n", functionID, sp.CodeSha, sp.DepsKey, fn.Handler, fn.Runtime,
		sp.Timeout, sp.MemorySize, fn.CodeDir)
	keys := make([]string, 0, len(fn.Env))
	for k := range fn.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b, _ := json.Marshal([2]string{k, fn.Env[k]})
		h.Write(b)
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))[:24]
}

// region is the region of an environment (ap-shanghai when unknown).
func (m *Module) region(env string) string {
	if rec, err := m.h.Envs.Get(env); err == nil && rec.Region != "" {
		return rec.Region
	}
	return defaultRegion
}

const defaultRegion = "ap-shanghai"

// invocationOptions are what one invocation sees beyond the function's own
// configuration, as on SCF: temporary credentials of the environment
// (carrying its caller; see invocationCredentials), the caller's WeChat
// context (WX_*, read by getWXContext), TCB_SOURCE, TCB_SEQID and, for
// timers, TRIGGER_SRC.
func (m *Module) invocationOptions(rec *record, fn fnrun.Function, requestID, source string, caller creds.Caller) fnrun.InvokeOptions {
	p := m.invocationCredentials(rec.Namespace, caller, fn.Timeout)
	vars := map[string]string{
		"WX_OPENID":    caller.OpenID,
		"WX_APPID":     caller.AppID,
		"WX_UNIONID":   caller.UnionID,
		"WX_CLIENTIP":  caller.ClientIP,
		"WX_API_TOKEN": "emulator-" + p.SecretID,
		"TCB_SOURCE":   caller.Source,
		"TCB_SEQID":    requestID,
	}
	keys := []string{}
	for _, k := range []string{"WX_OPENID", "WX_APPID", "WX_UNIONID", "WX_CLIENTIP", "WX_API_TOKEN"} {
		if vars[k] != "" {
			keys = append(keys, k)
		}
	}
	vars["WX_CONTEXT_KEYS"] = strings.Join(keys, ",")
	if source == sourceTimer {
		vars["TRIGGER_SRC"] = "timer"
		vars["WX_TRIGGER_API_TOKEN_V0"] = vars["WX_API_TOKEN"]
	}
	return fnrun.InvokeOptions{
		RequestID:   requestID,
		Credentials: &fnrun.Credentials{SecretID: p.SecretID, SecretKey: p.SecretKey, SessionToken: p.SessionToken},
		Env:         vars,
	}
}

// credentialMargin is how long an invocation's temporary credentials stay
// valid past its time limit, at least.
const credentialMargin = 10 * time.Minute

// maxCachedCredentials bounds credCache (one entry per env and caller).
const maxCachedCredentials = 1024

type credKey struct {
	env    string
	caller creds.Caller
}

// credCache holds the temporary credentials last minted for each
// environment and caller.
type credCache struct {
	mu sync.Mutex
	m  map[credKey]creds.Principal
}

// invocationCredentials returns temporary credentials of env carrying
// caller that stay valid for at least timeout plus credentialMargin. They
// are minted for an hour (longer for longer timeouts) and reused by the
// next invocations of the same caller while they stay valid that long, as
// SCF reuses its role's credentials: minting (a random id, two HMACs and a
// token) for every invocation cost the HTTP access service measurable
// time, and new values every time cost the node side one process.env
// write per variable.
func (m *Module) invocationCredentials(env string, caller creds.Caller, timeout time.Duration) creds.Principal {
	need := timeout + credentialMargin
	k := credKey{env, caller}
	c := &m.creds
	c.mu.Lock()
	p, ok := c.m[k]
	c.mu.Unlock()
	if ok && p.Expires.Sub(m.now()) >= need {
		return p
	}
	p = m.h.Credentials.Issue(env, caller, max(need, creds.DefaultTTL))
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedCredentials {
		c.m = map[credKey]creds.Principal{}
	}
	c.m[k] = p
	c.mu.Unlock()
	return p
}

// execute runs one invocation and logs it. A nil Result comes with the
// error that prevented the invocation (that is logged too, unless the
// caller went away).
func (m *Module) execute(ctx context.Context, rec *record, fn fnrun.Function, event []byte, requestID, source string, caller creds.Caller) (*fnrun.Result, error) {
	start := m.now()
	res, err := m.pool.Load().Invoke(ctx, fn, event, m.invocationOptions(rec, fn, requestID, source, caller))
	m.invocations.Add(1)
	if err != nil {
		if ctx.Err() == nil && !errors.Is(err, fnrun.ErrPoolClosed) {
			status := fnrun.ErrorStatus(err)
			if status == 0 {
				status = 500
			}
			msg := errorPayload(requestID, status, err.Error())
			m.writeLog(rec, logRecord{RequestID: requestID, Start: start, Status: status, RetMsg: msg,
				Log: err.Error() + "\n", Source: source, Duration: float64(time.Since(start).Microseconds()) / 1000})
		}
		return nil, err
	}
	retMsg := res.RetMsg
	if !res.OK() {
		retMsg = res.ErrMsg
	}
	m.writeLog(rec, logRecord{RequestID: requestID, Start: start, Status: res.StatusCode, RetMsg: retMsg, Log: res.Log,
		Source: source, Duration: res.Duration, BillDuration: res.BillDuration, MemUsage: res.MemUsage})
	return res, nil
}

// errorPayload is SCF's failure JSON, for failures fnrun did not produce.
func errorPayload(requestID string, status int, message string) string {
	b, _ := json.Marshal(map[string]any{"errorCode": -1, "errorMessage": message, "requestId": requestID,
		"stackTrace": "", "statusCode": status})
	return string(b)
}

// background runs fn in a goroutine tied to the module's life.
func (m *Module) background(fn func(ctx context.Context)) {
	if m.ctx.Err() != nil {
		return
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		fn(m.ctx)
	}()
}
