package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	sdkerrors "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	sdktcb "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tcb/v20180608"

	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/emulator/tc3"
)

func start(t *testing.T, opts Options) *Emulator {
	t.Helper()
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	if opts.DataDir == "" && !opts.Ephemeral {
		opts.DataDir = t.TempDir()
	}
	e, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close(context.Background()) })
	return e
}

func sdkClient(t *testing.T, e *Emulator, id, key string) *sdktcb.Client {
	t.Helper()
	p := profile.NewClientProfile()
	p.HttpProfile.Scheme = "HTTP"
	p.HttpProfile.Endpoint = e.Addr()
	c, err := sdktcb.NewClient(common.NewCredential(id, key), "ap-shanghai", p)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The unmodified SDK signs; the emulator verifies and answers in the
// envelope the SDK parses.
func TestSDKAgainstEmulator(t *testing.T) {
	// The clock moves forward instead of the test waiting for the latency.
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	e := start(t, Options{Latency: 50 * time.Millisecond, Now: now})
	c := sdkClient(t, e, config.EmulatorSecretID, config.EmulatorSecretKey)

	chk, err := c.CheckTcbService(sdktcb.NewCheckTcbServiceRequest())
	if err != nil {
		t.Fatal(err)
	}
	if chk.Response.Initialized == nil || !*chk.Response.Initialized || chk.Response.RequestId == nil || *chk.Response.RequestId == "" {
		t.Fatalf("CheckTcbService: %s", chk.ToJsonString())
	}

	req := sdktcb.NewCreatePostpayPackageRequest()
	req.EnvSource = common.StringPtr("qcloud")
	req.Alias = common.StringPtr("sdk-made")
	cr, err := c.CreatePostpayPackage(req)
	if err != nil {
		t.Fatal(err)
	}
	envID := *cr.Response.EnvId
	if !strings.HasPrefix(envID, "sdk-made-") || len(envID) != len("sdk-made-")+6 {
		t.Fatalf("EnvId %q", envID)
	}

	dr := sdktcb.NewDescribeEnvsRequest()
	dr.EnvId = common.StringPtr(envID)
	list, err := c.DescribeEnvs(dr)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Response.EnvList) != 1 || *list.Response.EnvList[0].Status != "INITIALIZING" {
		t.Fatalf("DescribeEnvs right after create: %s", list.ToJsonString())
	}
	env := list.Response.EnvList[0]
	if *env.Functions[0].Namespace != envID || *env.Databases[0].InstanceId == "" || len(*env.CreateTime) != len("2006-01-02 15:04:05") {
		t.Fatalf("incomplete EnvInfo: %s", list.ToJsonString())
	}
	offset.Add(int64(50 * time.Millisecond))
	list, err = c.DescribeEnvs(dr)
	if err != nil {
		t.Fatal(err)
	}
	if *list.Response.EnvList[0].Status != "NORMAL" {
		t.Fatalf("status after latency: %s", *list.Response.EnvList[0].Status)
	}

	// Wrong secret: the SDK surfaces the code from an HTTP 200 envelope.
	bad := sdkClient(t, e, config.EmulatorSecretID, "wrong")
	_, err = bad.DescribeEnvs(sdktcb.NewDescribeEnvsRequest())
	assertSDKCode(t, err, "AuthFailure.SignatureFailure")
	unknown := sdkClient(t, e, "AKIDunknown", "x")
	_, err = unknown.DescribeEnvs(sdktcb.NewDescribeEnvsRequest())
	assertSDKCode(t, err, "AuthFailure.SecretIdNotFound")
}

func assertSDKCode(t *testing.T, err error, code string) {
	t.Helper()
	se, ok := err.(*sdkerrors.TencentCloudSDKError)
	if !ok {
		t.Fatalf("error %v (%T), want SDK error %s", err, err, code)
	}
	if se.Code != code || se.RequestId == "" {
		t.Fatalf("code %s request id %q, want %s", se.Code, se.RequestId, code)
	}
}

// rawCall signs a request by hand (tc3.Sign, checked against the reference
// vectors) and lets the test break it before sending.
func rawCall(t *testing.T, e *Emulator, action, service, version, body string, ts int64, mutate func(*http.Request)) (status int, code string) {
	t.Helper()
	r, _ := http.NewRequest("POST", e.Endpoint()+"/", bytes.NewReader([]byte(body)))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-TC-Action", action)
	r.Header.Set("X-TC-Version", version)
	r.Header.Set("X-TC-Region", "ap-shanghai")
	r.Host = e.Addr()
	tc3.Sign(r, []byte(body), config.EmulatorSecretID, config.EmulatorSecretKey, service, ts)
	if mutate != nil {
		mutate(r)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env struct {
		Response struct {
			Error     struct{ Code string }
			RequestId string
		}
	}
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatalf("not an envelope: %s", b)
	}
	if env.Response.RequestId == "" {
		t.Fatalf("no RequestId: %s", b)
	}
	return resp.StatusCode, env.Response.Error.Code
}

func TestSignatureRejections(t *testing.T) {
	e := start(t, Options{})
	now := time.Now().Unix()
	body := `{"EnvId":"a<b>&c"}`
	tests := []struct {
		name    string
		ts      int64
		service string
		version string
		mutate  func(*http.Request)
		want    string
	}{
		{"valid", now, "tcb", "2018-06-08", nil, ""},
		{"scope service from the endpoint's first label routes by version", now, "127", "2018-06-08", nil, ""},
		{"tampered body", now, "tcb", "2018-06-08", func(r *http.Request) {
			r.Body = io.NopCloser(strings.NewReader(`{"EnvId":"zzz"}`))
			r.ContentLength = int64(len(`{"EnvId":"zzz"}`))
		}, "AuthFailure.SignatureFailure"},
		{"tampered host", now, "tcb", "2018-06-08", func(r *http.Request) { r.Host = "localhost:1" }, "AuthFailure.SignatureFailure"},
		{"wrong secret", now, "tcb", "2018-06-08", func(r *http.Request) {
			tc3.Sign(r, []byte(body), config.EmulatorSecretID, "not-the-key", "tcb", now)
		}, "AuthFailure.SignatureFailure"},
		{"unknown secret id", now, "tcb", "2018-06-08", func(r *http.Request) {
			tc3.Sign(r, []byte(body), "AKIDnobody", config.EmulatorSecretKey, "tcb", now)
		}, "AuthFailure.SecretIdNotFound"},
		{"timestamp 6 minutes off", now - 360, "tcb", "2018-06-08", nil, "AuthFailure.SignatureExpire"},
		{"wrong scope service", now, "scf", "2018-06-08", nil, "AuthFailure.SignatureFailure"},
		{"missing authorization", now, "tcb", "2018-06-08", func(r *http.Request) { r.Header.Del("Authorization") }, "AuthFailure.InvalidAuthorization"},
		{"unknown version", now, "tcb", "2099-01-01", nil, "NoSuchVersion"},
		{"unknown action", now, "tcb", "2018-06-08", func(r *http.Request) { r.Header.Set("X-TC-Action", "NoSuchThing") }, "InvalidAction"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, code := rawCall(t, e, "DescribeEnvs", tt.service, tt.version, body, tt.ts, tt.mutate)
			if status != 200 || code != tt.want {
				t.Fatalf("HTTP %d code %q, want 200 %q", status, code, tt.want)
			}
		})
	}
}

func TestBodyLimitAndUnknownParameter(t *testing.T) {
	e := start(t, Options{})
	now := time.Now().Unix()
	big := `{"EnvId":"` + strings.Repeat("x", 10<<20) + `"}`
	if _, code := rawCall(t, e, "DescribeEnvs", "tcb", "2018-06-08", big, now, nil); code != "RequestSizeLimitExceeded" {
		t.Fatalf("10 MB body: %q", code)
	}
	if _, code := rawCall(t, e, "DescribeEnvs", "tcb", "2018-06-08", `{"Bogus":1}`, now, nil); code != "UnknownParameter" {
		t.Fatalf("unknown parameter: %q", code)
	}
	if _, code := rawCall(t, e, "DescribeEnvs", "tcb", "2018-06-08", `{"EnvId":5}`, now, nil); code != "InvalidParameter" {
		t.Fatalf("wrong type: %q", code)
	}
}

func TestLenientSkipsHMAC(t *testing.T) {
	e := start(t, Options{Lenient: true})
	c := sdkClient(t, e, "AKIDanything", "any-secret")
	if _, err := c.DescribeEnvs(sdktcb.NewDescribeEnvsRequest()); err != nil {
		t.Fatal(err)
	}
}

func TestRestartKeepsStateAndEphemeralLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	e := start(t, Options{DataDir: dir})
	c := sdkClient(t, e, config.EmulatorSecretID, config.EmulatorSecretKey)
	req := sdktcb.NewCreatePostpayPackageRequest()
	req.EnvSource, req.Alias = common.StringPtr("qcloud"), common.StringPtr("keepme")
	if _, err := c.CreatePostpayPackage(req); err != nil {
		t.Fatal(err)
	}
	e.Close(context.Background())

	e2 := start(t, Options{DataDir: dir})
	list, err := sdkClient(t, e2, config.EmulatorSecretID, config.EmulatorSecretKey).DescribeEnvs(sdktcb.NewDescribeEnvsRequest())
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Response.EnvList) != 1 || *list.Response.EnvList[0].Alias != "keepme" {
		t.Fatalf("after restart: %s", list.ToJsonString())
	}

	eph, err := New(Options{Listen: "127.0.0.1:0", Ephemeral: true})
	if err != nil {
		t.Fatal(err)
	}
	tmp := eph.DataDir()
	if _, err := os.Stat(filepath.Join(tmp, "emulator.db")); err != nil {
		t.Fatal(err)
	}
	eph.Close(context.Background())
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Fatalf("ephemeral data dir %s still exists (%v)", tmp, err)
	}
}

func TestFaultsAndAdmin(t *testing.T) {
	e := start(t, Options{})
	post := func(path, body string) *http.Response {
		resp, err := http.Post(e.Endpoint()+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if resp := post("/_emulator/faults", `{"action":"DescribeEnvs","count":2,"code":"InternalError"}`); resp.StatusCode != 200 {
		t.Fatalf("faults: %d", resp.StatusCode)
	}
	if resp := post("/_emulator/faults", `{"action":"","count":2}`); resp.StatusCode != 400 {
		t.Fatalf("bad fault accepted: %d", resp.StatusCode)
	}
	now := time.Now().Unix()
	for i, want := range []string{"InternalError", "InternalError", ""} {
		if _, code := rawCall(t, e, "DescribeEnvs", "tcb", "2018-06-08", `{}`, now, nil); code != want {
			t.Fatalf("call %d: %q want %q", i, code, want)
		}
	}
	resp, err := http.Get(e.Endpoint() + "/_emulator/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health: %v %v", resp, err)
	}
	resp, _ = http.Get(e.Endpoint() + "/_emulator/nope")
	if resp.StatusCode != 404 {
		t.Fatalf("unknown admin path: %d", resp.StatusCode)
	}
	var st map[string]any
	resp, _ = http.Get(e.Endpoint() + "/_emulator/state")
	json.NewDecoder(resp.Body).Decode(&st)
	calls := st["api_calls"].(map[string]any)
	if calls["tcb.DescribeEnvs"].(float64) != 3 {
		t.Fatalf("state api_calls: %v", calls)
	}
	_ = strconv.Itoa
}

func BenchmarkStartToHealthy(b *testing.B) {
	for i := 0; i < b.N; i++ {
		e, err := New(Options{Listen: "127.0.0.1:0", Ephemeral: true})
		if err != nil {
			b.Fatal(err)
		}
		if err := e.Start(); err != nil {
			b.Fatal(err)
		}
		resp, err := http.Get(e.Endpoint() + "/_emulator/health")
		if err != nil || resp.StatusCode != 200 {
			b.Fatal(err)
		}
		resp.Body.Close()
		e.Close(context.Background())
	}
}

// A caller-chosen EnvId must be a well-formed id: modules build paths from
// env ids (docdb removes <data>/database/exports/<env> on DestroyEnv), so
// "../.." must never become an environment.
func TestCreateEnvRejectsMalformedEnvId(t *testing.T) {
	e := start(t, Options{})
	now := time.Now().Unix()
	for _, id := range []string{"../../../victim", "a/b", "UPPER-case", "x", "-lead", `..`} {
		body, _ := json.Marshal(map[string]string{"Alias": "evil", "EnvId": id})
		if _, code := rawCall(t, e, "CreateEnv", "tcb", "2018-06-08", string(body), now, nil); code != "InvalidParameter.EnvId" {
			t.Errorf("EnvId %q: code %q, want InvalidParameter.EnvId", id, code)
		}
	}
	if _, code := rawCall(t, e, "CreateEnv", "tcb", "2018-06-08", `{"Alias":"good","EnvId":"good-abc123"}`, now, nil); code != "" {
		t.Fatalf("well-formed EnvId rejected: %q", code)
	}
}

// A huge Limit must not overflow Offset+Limit (which panicked the handler
// into InternalError).
func TestDescribeEnvsHugeLimit(t *testing.T) {
	e := start(t, Options{})
	now := time.Now().Unix()
	for _, a := range []string{"one", "two"} {
		if _, code := rawCall(t, e, "CreateEnv", "tcb", "2018-06-08", `{"Alias":"`+a+`"}`, now, nil); code != "" {
			t.Fatalf("CreateEnv %s: %q", a, code)
		}
	}
	if _, code := rawCall(t, e, "DescribeEnvs", "tcb", "2018-06-08", `{"Offset":1,"Limit":9223372036854775807}`, now, nil); code != "" {
		t.Fatalf("DescribeEnvs with a huge Limit: %q", code)
	}
}

// A web page open in the user's browser must not be able to wipe the
// emulator (CSRF): browsers mark cross-site requests with Sec-Fetch-Site
// and Origin, which SDKs and curl never send.
func TestCrossSiteBrowserRequestsAreRejected(t *testing.T) {
	e := start(t, Options{})
	now := time.Now().Unix()
	if _, code := rawCall(t, e, "CreateEnv", "tcb", "2018-06-08", `{"Alias":"keep"}`, now, nil); code != "" {
		t.Fatalf("CreateEnv: %q", code)
	}
	for _, hdr := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Origin": "https://evil.example"},
	} {
		for _, path := range []string{"/_emulator/reset", "/_emulator/faults"} {
			r, _ := http.NewRequest("POST", e.Endpoint()+path, strings.NewReader(`{"action":"*","count":5,"code":"InternalError"}`))
			r.Header.Set("Content-Type", "text/plain")
			for k, v := range hdr {
				r.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s with %v: HTTP %d, want 403", path, hdr, resp.StatusCode)
			}
		}
	}
	if _, code := rawCall(t, e, "DescribeEnvs", "tcb", "2018-06-08", `{}`, now, nil); code != "" {
		t.Fatalf("a fault was injected cross-site: %q", code)
	}
	resp, err := http.Get(e.Endpoint() + "/_emulator/state")
	if err != nil {
		t.Fatal(err)
	}
	var st struct{ Envs []any }
	json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if len(st.Envs) != 1 {
		t.Fatalf("state after cross-site reset attempts: %d envs, want 1", len(st.Envs))
	}
	// Same-origin and non-browser requests still work.
	r, _ := http.NewRequest("POST", e.Endpoint()+"/_emulator/reset", nil)
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	if resp, err := http.DefaultClient.Do(r); err != nil || resp.StatusCode != 200 {
		t.Fatalf("same-origin reset: %v %v", resp, err)
	}
}

// Requests nobody serves are answered in the caller's format, logged once
// and counted with the caller's user agent in /_emulator/state.
func TestUnimplementedRequestsAreCounted(t *testing.T) {
	var log bytes.Buffer
	e := start(t, Options{Logger: slog.New(slog.NewTextHandler(&log, nil))})
	for i := 0; i < 3; i++ {
		if _, code := rawCall(t, e, "DescribeTeleporters", "tcb", "2018-06-08", `{}`, time.Now().Unix(), func(r *http.Request) {
			r.Header.Set("User-Agent", "probe-sdk/1.0")
		}); code != "InvalidAction" {
			t.Fatalf("unknown action: %s", code)
		}
	}
	req, _ := http.NewRequest("GET", e.Endpoint()+"/nothing/here?x=1", nil)
	req.Header.Set("User-Agent", "curl/8")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("unknown path: HTTP %d", resp.StatusCode)
	}
	resp, err = http.Get(e.Endpoint() + "/_emulator/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw struct {
		Unimplemented []map[string]any `json:"unimplemented"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, u := range raw.Unimplemented {
		got[u["kind"].(string)+" "+u["name"].(string)] = strconv.Itoa(int(u["count"].(float64))) + " " + u["user_agent"].(string)
	}
	if got["api tcb.DescribeTeleporters"] != "3 probe-sdk/1.0" || got["path GET /nothing/here"] != "1 curl/8" {
		t.Fatalf("unimplemented: %v", raw.Unimplemented)
	}
	if n := strings.Count(log.String(), "name=tcb.DescribeTeleporters"); n != 1 {
		t.Fatalf("logged %d times:\n%s", n, log.String())
	}
}
