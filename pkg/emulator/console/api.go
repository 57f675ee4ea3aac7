package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/database"
	"github.com/tcb-go/tcb/pkg/emulator/events"
)

// Limits of the console's calls.
const (
	maxPage       = 200       // documents per browse page
	maxLogHistory = 2000      // invocation records read at once
	maxBody       = 10 << 20  // request bodies (imports)
	maxEvent      = 256 << 10 // an invocation event the page may send
	maxFileView   = 512 << 10 // a code file shown
	invokeWait    = 310 * time.Second
	callTimeout   = 30 * time.Second
)

func (m *Module) apiMux() http.Handler {
	mux := http.NewServeMux()
	p := Path + "api/"
	mux.HandleFunc("GET "+p+"overview", m.handleOverview)
	mux.HandleFunc("POST "+p+"envs", m.handleCreateEnv)
	mux.HandleFunc("GET "+p+"envs/{env}/functions", m.handleFunctions)
	mux.HandleFunc("GET "+p+"envs/{env}/functions/{name}", m.handleFunction)
	mux.HandleFunc("GET "+p+"envs/{env}/functions/{name}/code", m.handleCodeFile)
	mux.HandleFunc("POST "+p+"envs/{env}/functions/{name}/invoke", m.handleInvoke)
	mux.HandleFunc("GET "+p+"envs/{env}/logs", m.handleLogs)
	mux.HandleFunc("GET "+p+"envs/{env}/collections", m.handleCollections)
	mux.HandleFunc("POST "+p+"envs/{env}/collections", m.handleCreateCollection)
	mux.HandleFunc("DELETE "+p+"envs/{env}/collections/{coll}", m.handleDropCollection)
	mux.HandleFunc("GET "+p+"envs/{env}/collections/{coll}/indexes", m.handleIndexes)
	mux.HandleFunc("GET "+p+"envs/{env}/collections/{coll}/docs", m.handleDocs)
	mux.HandleFunc("POST "+p+"envs/{env}/collections/{coll}/docs", m.handleAddDoc)
	mux.HandleFunc("PUT "+p+"envs/{env}/collections/{coll}/docs", m.handleReplaceDoc)
	mux.HandleFunc("DELETE "+p+"envs/{env}/collections/{coll}/docs", m.handleDeleteDoc)
	mux.HandleFunc("GET "+p+"envs/{env}/collections/{coll}/export", m.handleExport)
	mux.HandleFunc("POST "+p+"envs/{env}/collections/{coll}/import", m.handleImport)
	mux.HandleFunc("POST "+p+"envs/{env}/statement", m.handleStatement)
	mux.HandleFunc("GET "+p+"envs/{env}/storage", m.handleStorageList)
	mux.HandleFunc("GET "+p+"envs/{env}/storage/object", m.handleStorageGet)
	mux.HandleFunc("PUT "+p+"envs/{env}/storage/object", m.handleStoragePut)
	mux.HandleFunc("DELETE "+p+"envs/{env}/storage/object", m.handleStorageDelete)
	mux.HandleFunc("POST "+p+"envs/{env}/hosting", m.handleHostingEnable)
	mux.HandleFunc("GET "+p+"wechat", m.handleWeChat)
	mux.HandleFunc("GET "+p+"faults", m.handleFaults)
	mux.HandleFunc("POST "+p+"faults", m.handleFaults)
	mux.HandleFunc("DELETE "+p+"faults", m.handleFaults)
	mux.HandleFunc("GET "+p+"requests", m.handleRequests)
	mux.HandleFunc("GET "+p+"requests/{seq}", m.handleRequest)
	mux.HandleFunc("GET "+p+"events", m.handleEvents)
	mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
		apiError(w, http.StatusNotFound, "no console call "+r.Method+" "+strings.TrimPrefix(r.URL.Path, p))
	})
	return mux
}

// fail answers an error from a call the console made: Cloud API and
// database errors are the caller's (400), others the emulator's (500).
func fail(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	var ae *cloudapi.APIError
	switch {
	case errors.As(err, &ae), errors.Is(err, database.ErrCollectionMissing):
		status = http.StatusBadRequest
	case errors.Is(err, errBadRequest):
		status = http.StatusBadRequest
	}
	apiError(w, status, err.Error())
}

var errBadRequest = errors.New("bad request")

func badRequest(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errBadRequest, fmt.Sprintf(format, a...))
}

func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return badRequest("the request body is not the JSON expected: %v", err)
	}
	return nil
}

func callCtx(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), callTimeout)
}

// ---- overview ----

type envSummary struct {
	EnvID       string `json:"env_id"`
	Alias       string `json:"alias"`
	Status      string `json:"status"`
	Functions   int64  `json:"functions"`
	Triggers    int64  `json:"triggers"`
	Collections int64  `json:"collections"`
	Documents   int64  `json:"documents"`
	Files       int64  `json:"files"`
}

func num(v any) int64 {
	switch x := v.(type) {
	case json.Number:
		n, _ := x.Int64()
		return n
	case float64:
		return int64(x)
	}
	return 0
}

func obj(v any, keys ...string) map[string]any {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	m, _ := v.(map[string]any)
	return m
}

func (m *Module) handleOverview(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := callCtx(r)
	defer cancel()
	seq := m.h.Events.Seq()
	var state map[string]any
	if _, err := m.local(ctx, http.MethodGet, "/_emulator/state", nil, &state); err != nil {
		fail(w, err)
		return
	}
	envList, _ := state["envs"].([]any)
	byEnv := map[string]*envSummary{}
	var envsOut []*envSummary
	for _, e := range envList {
		em, _ := e.(map[string]any)
		s := &envSummary{}
		s.EnvID, _ = em["env_id"].(string)
		s.Alias, _ = em["alias"].(string)
		s.Status, _ = em["status"].(string)
		byEnv[s.EnvID] = s
		envsOut = append(envsOut, s)
	}
	counts := map[string]int64{"envs": int64(len(envsOut))}
	for ns, v := range obj(state, "functions", "by_namespace") {
		n, t := num(obj(v)["functions"]), num(obj(v)["triggers"])
		counts["functions"] += n
		if s := byEnv[ns]; s != nil {
			s.Functions, s.Triggers = n, t
		}
	}
	for env, colls := range obj(state, "database", "envs") {
		cm := obj(colls)
		var docs int64
		for _, c := range cm {
			docs += num(obj(c)["count"])
		}
		counts["collections"] += int64(len(cm))
		counts["documents"] += docs
		if s := byEnv[env]; s != nil {
			s.Collections, s.Documents = int64(len(cm)), docs
		}
	}
	storage := false
	for _, mod := range state {
		buckets := obj(mod, "buckets")
		if buckets == nil {
			continue
		}
		storage = true
		for _, b := range buckets {
			n := num(obj(b)["objects"])
			counts["files"] += n
			if env, _ := obj(b)["env"].(string); byEnv[env] != nil {
				byEnv[env].Files += n
			}
		}
	}
	for _, app := range obj(state, "wechat", "apps") {
		counts["tokens"] += num(obj(app)["valid_tokens"])
	}
	var recent []requestSummary
	for _, ev := range m.h.Events.Last(events.TopicRequest, 200) {
		if rq := ev.Data.(*events.Request); rq.UserAgent != UserAgent {
			recent = append(recent, summarize(ev))
		}
	}
	recent = recent[max(0, len(recent)-12):]
	faults, _ := state["faults"].([]any)
	writeJSON(w, http.StatusOK, map[string]any{
		"seq":           seq,
		"envs":          envsOut,
		"counts":        counts,
		"storage":       storage,
		"recent":        recent,
		"unimplemented": state["unimplemented"],
		"faults":        len(faults),
		"node":          obj(state, "functions")["node"],
		"invocations":   obj(state, "functions")["invocations"],
		"data_dir":      state["data_dir"],
		"endpoint":      "http://" + m.addr(),
		"started_at":    m.started.UTC().Format(time.RFC3339),
	})
}

func (m *Module) handleCreateEnv(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Alias string `json:"alias"`
	}
	if err := decodeBody(r, &req); err != nil {
		fail(w, err)
		return
	}
	c, err := m.api()
	if err != nil {
		fail(w, err)
		return
	}
	ctx, cancel := callCtx(r)
	defer cancel()
	resp, err := c.CreateEnv(ctx, &cloudapi.CreateEnvRequest{Alias: req.Alias})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"env_id": resp.EnvId})
}

// ---- requests ----

type requestSummary struct {
	Seq       int64   `json:"seq"`
	Time      string  `json:"time"`
	Kind      string  `json:"kind"`
	Name      string  `json:"name"`
	RequestID string  `json:"request_id,omitempty"`
	Caller    string  `json:"caller,omitempty"`
	UserAgent string  `json:"user_agent,omitempty"`
	Status    int     `json:"status"`
	Code      string  `json:"code,omitempty"`
	Message   string  `json:"message,omitempty"`
	Ms        float64 `json:"ms"`
	Console   bool    `json:"console,omitempty"`
}

func summarize(ev events.Event) requestSummary {
	rq := ev.Data.(*events.Request)
	msg := rq.Message
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return requestSummary{Seq: ev.Seq, Time: ev.Time.UTC().Format(time.RFC3339Nano), Kind: rq.Kind, Name: rq.Name,
		RequestID: rq.RequestID, Caller: rq.Caller, UserAgent: rq.UserAgent, Status: rq.Status, Code: rq.Code,
		Message: maskText(msg), Ms: float64(rq.Duration.Microseconds()) / 1000, Console: rq.UserAgent == UserAgent}
}

// maskText shortens what looks like an access_token in a message.
func maskText(s string) string {
	if i := strings.Index(s, "access_token="); i >= 0 {
		j := i + len("access_token=")
		k := j
		for k < len(s) && s[k] != '&' && s[k] != ' ' && s[k] != '"' {
			k++
		}
		s = s[:j] + events.ShortToken(s[j:k]) + s[k:]
	}
	return s
}

func (m *Module) handleRequests(w http.ResponseWriter, r *http.Request) {
	n, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if n <= 0 || n > 2000 {
		n = 500
	}
	list := m.h.Events.Last(events.TopicRequest, n)
	out := make([]requestSummary, 0, len(list))
	for _, ev := range list {
		out = append(out, summarize(ev))
	}
	writeJSON(w, http.StatusOK, map[string]any{"seq": m.h.Events.Seq(), "requests": out})
}

func (m *Module) handleRequest(w http.ResponseWriter, r *http.Request) {
	seq, err := strconv.ParseInt(r.PathValue("seq"), 10, 64)
	if err != nil {
		apiError(w, http.StatusBadRequest, "not a request number")
		return
	}
	ev, ok := m.h.Events.Get(events.TopicRequest, seq)
	if !ok {
		apiError(w, http.StatusNotFound, "request "+r.PathValue("seq")+" is no longer kept")
		return
	}
	rq := ev.Data.(*events.Request)
	writeJSON(w, http.StatusOK, map[string]any{
		"summary":       summarize(ev),
		"method":        rq.Method,
		"path":          rq.Path,
		"body_size":     rq.BodySize,
		"response_size": rq.ResponseSize,
		"redacted":      rq.Redacted(),
	})
}

// ---- faults and WeChat ----

func (m *Module) handleFaults(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := callCtx(r)
	defer cancel()
	var body []byte
	if r.Method == http.MethodPost {
		b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			fail(w, err)
			return
		}
		body = b
	}
	var out any
	status, err := m.local(ctx, r.Method, "/_emulator/faults", body, &out)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, status, out)
}

func (m *Module) handleWeChat(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := callCtx(r)
	defer cancel()
	var state map[string]any
	if _, err := m.local(ctx, http.MethodGet, "/_emulator/state", nil, &state); err != nil {
		fail(w, err)
		return
	}
	var messages any
	if status, err := m.local(ctx, http.MethodGet, "/_emulator/wechat/messages", nil, &messages); err != nil || status != http.StatusOK {
		messages = nil
	}
	out := map[string]any{"state": state["wechat"], "messages": messages}
	if m.opts.WeChat != nil {
		out["timeline"] = m.opts.WeChat.Timeline()
	}
	writeJSON(w, http.StatusOK, out)
}

// ---- environment variables ----

// looksSecret reports whether an environment variable's name suggests a
// secret value.
func looksSecret(name string) bool {
	n := strings.ToUpper(name)
	for _, s := range []string{"SECRET", "PASSWORD", "PASSWD", "TOKEN", "KEY", "CREDENTIAL", "PRIVATE", "AUTH"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// demoAppID is the app a simulated caller uses by default.
var demoAppID = config.EmulatorWxAppID
