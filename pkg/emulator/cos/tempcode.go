package cos

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/emulator"
	"github.com/tcb-go/tcb/pkg/emulator/capi"
	"github.com/tcb-go/tcb/pkg/emulator/envs"
	"github.com/tcb-go/tcb/pkg/funcpack"
)

// Function code through COS. SCF's temporary code buckets
// (<sh|gz|bj|sg>tempcos-1253665819, cloudapi.TempCodeBucket) live in the
// same object engine as the environments' buckets. scf GetTempCosInfo
// {ObjectPath: <appId>/<envId>/<function>.zip} answers the Date and a Sign:
// a q-sign Authorization, made with a key only this module knows, for one
// PUT of /<Date>/<ObjectPath> during TempCodeSignTTL. The buckets accept
// nothing else: no reads, no listings, no other keys, nothing larger than
// funcpack.MaxZipSize. The functions module reads the uploaded zip through
// Host.Objects (OpenObject) when CreateFunction or UpdateFunctionCode name
// it in Code.TempCosObjectName, and validates it like an inline zip.

// TempCodeKeepDays is how many UTC dates of uploaded temporary code are
// kept (today and yesterday): the functions module copies the code when
// CreateFunction or UpdateFunctionCode reads it, and the cloud's temporary
// buckets expire their objects the same way. Older dates are removed at
// start and by the next GetTempCosInfo.
const TempCodeKeepDays = 2

// TempCodeSignTTL is how long a GetTempCosInfo signature may be used.
const TempCodeSignTTL = 15 * time.Minute

// tempCodeSecretID is the q-ak of GetTempCosInfo signatures.
const tempCodeSecretID = "AKIDtcbEmulatorTempCode"

const (
	scfService = "scf"
	scfVersion = "2018-04-16"
)

func (m *Module) registerTempCode(h *emulator.Host) {
	h.Dispatcher.Register(scfService, scfVersion, "GetTempCosInfo", m.getTempCosInfo)
	h.Objects = m
}

// tempCodeSecret is the key GetTempCosInfo signs with, derived from the
// store's URL key (so it survives restarts and changes on reset).
func (m *Module) tempCodeSecret() string {
	mac := hmac.New(sha256.New, m.urlKey())
	mac.Write([]byte("scf temporary code bucket"))
	return hex.EncodeToString(mac.Sum(nil))[:40]
}

// parseObjectPath checks <appId>/<envId>/<function>.zip (or <layer>.zip:
// layer names are up to 64 characters, function names 60).
func parseObjectPath(p string) (appID, env, name string, ok bool) {
	parts := strings.Split(p, "/")
	if len(parts) != 3 {
		return "", "", "", false
	}
	appID, env, file := parts[0], parts[1], parts[2]
	name, isZip := strings.CutSuffix(file, ".zip")
	if !isZip || appID == "" || strings.Trim(appID, "0123456789") != "" || len(appID) > 20 ||
		env == "" || len(env) > 64 || !plainName(env) || name == "" || len(name) > 64 || !plainName(name) {
		return "", "", "", false
	}
	return appID, env, name, true
}

// plainName: letters, digits, '-' and '_'.
func plainName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// appIDOf is the app id a storage bucket name ends with.
func appIDOf(rec *envs.Record) string {
	return rec.Bucket[strings.LastIndexByte(rec.Bucket, '-')+1:]
}

func (m *Module) getTempCosInfo(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.GetTempCosInfoRequest
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	if req.ObjectPath == "" {
		return nil, capi.Errorf("MissingParameter", "The parameter ObjectPath is required.")
	}
	appID, env, _, ok := parseObjectPath(req.ObjectPath)
	if !ok {
		return nil, capi.Errorf("InvalidParameterValue.ObjectPath", "ObjectPath %q is not <appId>/<namespace>/<function>.zip.", truncate(req.ObjectPath, 200))
	}
	rec, err := m.h.Envs.Ready(env, "ResourceNotFound.Namespace")
	if err != nil {
		return nil, err
	}
	if appID != appIDOf(rec) {
		return nil, capi.Errorf("InvalidParameterValue.ObjectPath", "ObjectPath starts with app id %s; this account's is %s.", appID, appIDOf(rec))
	}
	if c.Principal != nil && !c.Principal.Allows(env) {
		return nil, capi.Errorf("UnauthorizedOperation.CAM", "The temporary credentials of environment %s may not upload code to %s.", c.Principal.Env, env)
	}
	now := m.now()
	m.sweepTempCode(now)
	date := now.UTC().Format(time.DateOnly)
	key := cloudapi.TempCodeKey(date, req.ObjectPath)
	sign := mint(tempCodeSecretID, m.tempCodeSecret(), "put", "/"+key, now.Add(-time.Minute), now.Add(TempCodeSignTTL))
	return cloudapi.GetTempCosInfoResponse{Date: date, Sign: sign}, nil
}

// sweepTempCode removes the temporary code of dates older than
// TempCodeKeepDays (keys start with the upload's date); a failure is only
// logged, the next call tries again.
func (m *Module) sweepTempCode(now time.Time) {
	limit := now.UTC().AddDate(0, 0, 1-TempCodeKeepDays).Format(time.DateOnly)
	segs, n, err := m.db.deleteKeysBefore(func(b string) bool { _, ok := cloudapi.IsTempCodeBucket(b); return ok }, limit)
	if err != nil {
		m.log.Warn("storage: removing old temporary function code failed", "err", err)
		return
	}
	m.blobs.remove(segs)
	if n > 0 {
		m.log.Info("storage: removed old temporary function code", "objects", n, "before", limit)
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// tempCodeHandler serves a temporary code bucket: one signed PUT per
// GetTempCosInfo answer, nothing else.
func (m *Module) tempCodeHandler(bucket, region, key string, pathStyle bool) http.Handler {
	t := &target{Bucket: bucket, Env: &envs.Record{Region: region}, MaxSize: funcpack.MaxZipSize}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-cos-request-id", newRequestID())
		w.Header().Set("Server", "tencent-cos")
		c := &reqCtx{m: m, t: t, key: key, pathStyle: pathStyle, w: w, r: r, q: r.URL.Query()}
		if e := m.checkTempCodePut(r, key); e != nil {
			discardN(r.Body, 64<<10)
			c.fail(e)
			return
		}
		if r.ContentLength > funcpack.MaxZipSize {
			discardN(r.Body, 64<<10)
			c.fail(errf(http.StatusBadRequest, "EntityTooLarge", "Function code is at most %d bytes (50 MB); this upload is %d.", funcpack.MaxZipSize, r.ContentLength))
			return
		}
		c.putObject()
	})
}

// checkTempCodePut admits only a PUT of key signed by GetTempCosInfo.
func (m *Module) checkTempCodePut(r *http.Request, key string) *cosError {
	if r.Method != http.MethodPut || key == "" || len(r.URL.Query()) > 0 {
		return errAccessDenied("The temporary code bucket accepts only the PUT of a function's code that a GetTempCosInfo signature allows.")
	}
	if e := checkKey(key); e != nil {
		return e
	}
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return errAccessDenied("Access Denied: the upload needs the Sign of scf GetTempCosInfo as its Authorization.")
	}
	q, err := parseQSign(auth)
	if err != nil {
		return errAccessDenied("The authorization is malformed: %v.", err)
	}
	if e := q.checkTime(m.now()); e != nil {
		return errf(http.StatusForbidden, e.Code, "%s", e.Msg)
	}
	if q.SecretID != tempCodeSecretID {
		return errf(http.StatusForbidden, "InvalidAccessKeyId", "The temporary code bucket accepts only signatures from scf GetTempCosInfo.")
	}
	// The signature covers the method and the key, whatever the addressing.
	if !m.h.Options.Lenient && !hmac.Equal([]byte(signature(m.tempCodeSecret(), q.KeyTime, q.SignTime, q.httpString(r, "/"+key))), []byte(q.Signature)) {
		return errf(http.StatusForbidden, "SignatureDoesNotMatch", "The Signature you specified is invalid (a GetTempCosInfo signature is good for its own object path only).")
	}
	return nil
}

// OpenObject implements emulator.ObjectReader: the content of a stored
// object, streamed from its files.
func (m *Module) OpenObject(bucket, key string) (io.ReadCloser, int64, error) {
	if checkKey(key) != nil {
		return nil, 0, fmt.Errorf("object key %q: %w", key, fs.ErrNotExist)
	}
	o, err := m.db.getObject(bucket, key)
	if err != nil {
		return nil, 0, err
	}
	if o == nil {
		return nil, 0, fmt.Errorf("object %s/%s: %w", bucket, key, fs.ErrNotExist)
	}
	r, err := m.blobs.openObject(o)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, 0, fmt.Errorf("object %s/%s: its file is missing: %w", bucket, key, err)
		}
		return nil, 0, err
	}
	pr, pw := io.Pipe()
	go func() {
		_, err := r.copyRange(pw, 0, o.Size)
		r.Close()
		pw.CloseWithError(err)
	}()
	return pr, o.Size, nil
}
