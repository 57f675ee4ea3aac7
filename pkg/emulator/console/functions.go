package console

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/tcb-go/tcb/pkg/cloudapi"
)

func (m *Module) handleFunctions(w http.ResponseWriter, r *http.Request) {
	c, err := m.api()
	if err != nil {
		fail(w, err)
		return
	}
	ctx, cancel := callCtx(r)
	defer cancel()
	fns, err := c.ListFunctions(ctx, r.PathValue("env"))
	if err != nil {
		fail(w, err)
		return
	}
	sort.Slice(fns, func(i, j int) bool { return fns[i].FunctionName < fns[j].FunctionName })
	if fns == nil {
		fns = []cloudapi.Function{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"functions": fns})
}

type codeEntry struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
}

// zipCache keeps the code zips the console read, by SHA-256 (a few).
type zipCache struct {
	mu    sync.Mutex
	order []string
	zips  map[string][]byte
}

var codeCache = &zipCache{zips: map[string][]byte{}}

func (z *zipCache) get(sha string) []byte {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.zips[sha]
}

func (z *zipCache) put(sha string, b []byte) {
	z.mu.Lock()
	defer z.mu.Unlock()
	if _, ok := z.zips[sha]; ok {
		return
	}
	z.zips[sha] = b
	z.order = append(z.order, sha)
	for len(z.order) > 8 {
		delete(z.zips, z.order[0])
		z.order = z.order[1:]
	}
}

// code fetches the function's running code through GetFunctionAddress.
func (m *Module) code(r *http.Request, env, name string) (*zip.Reader, string, error) {
	c, err := m.api()
	if err != nil {
		return nil, "", err
	}
	ctx, cancel := callCtx(r)
	defer cancel()
	addr, err := c.GetFunctionAddress(ctx, env, name)
	if err != nil {
		return nil, "", err
	}
	b := codeCache.get(addr.CodeSha256)
	if b == nil {
		status, body, err := m.localRaw(ctx, http.MethodGet, pathOf(addr.Url))
		if err != nil {
			return nil, "", err
		}
		if status != http.StatusOK {
			return nil, "", fmt.Errorf("code download: HTTP %d", status)
		}
		b = body
		codeCache.put(addr.CodeSha256, b)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	return zr, addr.CodeSha256, err
}

func (m *Module) handleFunction(w http.ResponseWriter, r *http.Request) {
	env, name := r.PathValue("env"), r.PathValue("name")
	c, err := m.api()
	if err != nil {
		fail(w, err)
		return
	}
	ctx, cancel := callCtx(r)
	defer cancel()
	fn, err := c.GetFunction(ctx, env, name)
	if err != nil {
		fail(w, err)
		return
	}
	vars := []map[string]any{}
	if fn.Environment != nil {
		for _, v := range fn.Environment.Variables {
			val, hidden := v.Value, false
			if looksSecret(v.Key) {
				val, hidden = "****", true
			}
			vars = append(vars, map[string]any{"key": v.Key, "value": val, "hidden": hidden})
		}
		fn.Environment = nil
	}
	triggers, err := c.ListTriggers(ctx, env, name)
	if err != nil {
		triggers = nil
	}
	out := map[string]any{"function": fn, "variables": vars, "triggers": triggers}
	if zr, sha, err := m.code(r, env, name); err != nil {
		out["code_error"] = err.Error()
	} else {
		files := make([]codeEntry, 0, len(zr.File))
		for _, f := range zr.File {
			if !f.FileInfo().IsDir() {
				files = append(files, codeEntry{Path: f.Name, Size: int64(f.UncompressedSize64)})
			}
		}
		sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
		out["files"], out["code_sha256"] = files, sha
	}
	writeJSON(w, http.StatusOK, out)
}

func (m *Module) handleCodeFile(w http.ResponseWriter, r *http.Request) {
	env, name, path := r.PathValue("env"), r.PathValue("name"), r.URL.Query().Get("path")
	zr, _, err := m.code(r, env, name)
	if err != nil {
		fail(w, err)
		return
	}
	for _, f := range zr.File {
		if f.Name != path || f.FileInfo().IsDir() {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			fail(w, err)
			return
		}
		b, err := io.ReadAll(io.LimitReader(rc, maxFileView+1))
		rc.Close()
		if err != nil {
			fail(w, err)
			return
		}
		truncated := len(b) > maxFileView
		b = b[:min(len(b), maxFileView)]
		if bytes.IndexByte(b, 0) >= 0 || !utf8.Valid(bytes.ToValidUTF8(b, nil)) {
			writeJSON(w, http.StatusOK, map[string]any{"path": path, "binary": true, "size": f.UncompressedSize64})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"path": path, "text": strings.ToValidUTF8(string(b), "�"),
			"size": f.UncompressedSize64, "truncated": truncated})
		return
	}
	apiError(w, http.StatusNotFound, "no file "+path+" in the function's code")
}

func (m *Module) handleInvoke(w http.ResponseWriter, r *http.Request) {
	env, name := r.PathValue("env"), r.PathValue("name")
	var req struct {
		Event   json.RawMessage `json:"event"`
		OpenID  string          `json:"openid"`
		AppID   string          `json:"appid"`
		UnionID string          `json:"unionid"`
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxEvent)
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		fail(w, badRequest("the event must be JSON: %v", err))
		return
	}
	event := string(req.Event)
	if event == "" || event == "null" {
		event = "{}"
	}
	var caller *cloudapi.WxCaller
	if req.OpenID != "" {
		caller = &cloudapi.WxCaller{OpenID: req.OpenID, AppID: req.AppID, UnionID: req.UnionID}
		if caller.AppID == "" {
			caller.AppID = demoAppID
		}
	}
	c, err := m.api()
	if err != nil {
		fail(w, err)
		return
	}
	started := time.Now()
	resp, err := c.InvokeAs(r.Context(), &cloudapi.InvokeRequest{FunctionName: name, Namespace: env,
		InvocationType: "RequestResponse", ClientContext: event, LogType: "Tail"}, invokeWait, caller)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"result": resp.Result, "ms": time.Since(started).Milliseconds()})
}

// logLine is one invocation record for the log view.
type logLine struct {
	Env       string  `json:"env"`
	Function  string  `json:"function"`
	RequestID string  `json:"request_id"`
	Start     string  `json:"start"`
	Level     string  `json:"level"`
	Status    int64   `json:"status"`
	Source    string  `json:"source,omitempty"`
	Duration  float64 `json:"duration_ms"`
	Text      string  `json:"text"`
	RetMsg    string  `json:"ret_msg,omitempty"`
}

func (m *Module) handleLogs(w http.ResponseWriter, r *http.Request) {
	env := r.PathValue("env")
	q := r.URL.Query()
	limit, _ := strconv.ParseInt(q.Get("limit"), 10, 64)
	if limit <= 0 || limit > maxLogHistory {
		limit = 500
	}
	c, err := m.api()
	if err != nil {
		fail(w, err)
		return
	}
	ctx, cancel := callCtx(r)
	defer cancel()
	seq := m.h.Events.Seq()
	offset := int64(0)
	resp, err := c.GetFunctionLogs(ctx, &cloudapi.GetFunctionLogsRequest{Namespace: env, FunctionName: q.Get("function"),
		Offset: &offset, Limit: &limit, Order: "desc", OrderBy: "start_time"})
	if err != nil {
		fail(w, err)
		return
	}
	out := make([]logLine, 0, len(resp.Data))
	for i := len(resp.Data) - 1; i >= 0; i-- {
		l := resp.Data[i]
		status := l.RetCode
		if status == 0 {
			status = 200
		}
		out = append(out, logLine{Env: env, Function: l.FunctionName, RequestID: l.RequestId, Start: l.StartTime,
			Level: l.Level, Status: status, Source: l.Source, Duration: l.Duration, Text: l.Log, RetMsg: l.RetMsg})
	}
	writeJSON(w, http.StatusOK, map[string]any{"seq": seq, "total": resp.TotalCount, "logs": out})
}
