package token

import (
	"bufio"
	"cmp"
	"errors"
	"io"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tcb-go/tcb/pkg/wechat"
)

// Routes, as metric labels.
const (
	routeToken = iota
	routeRefresh
	routeHealth
	routeReady
	routeMetrics
	routeOther
	numRoutes
)

var routeNames = [numRoutes]string{"/v1/token", "/v1/token/refresh", "/healthz", "/readyz", "/metrics", "other"}

type fetchKey struct{ appid, reason string }
type errKey struct{ appid, errcode string }

// metrics is a tiny hand-written Prometheus registry: request counters are
// lock-free atomics indexed by route and status; the rest changes rarely.
type metrics struct {
	requests [numRoutes][600]atomic.Uint64

	failures atomic.Uint64 // refresher rounds that ended without a token

	mu        sync.Mutex
	upstream  map[fetchKey]uint64 // fetches sent upstream
	refreshes map[fetchKey]uint64 // successful fetches
	rotations map[string]uint64   // fetches that returned a new token
	errors    map[errKey]uint64   // failed fetches by errcode
	storeErrs map[string]uint64   // fetched tokens that could not be stored
}

func newMetrics() *metrics {
	return &metrics{
		upstream:  map[fetchKey]uint64{},
		refreshes: map[fetchKey]uint64{},
		rotations: map[string]uint64{},
		errors:    map[errKey]uint64{},
		storeErrs: map[string]uint64{},
	}
}

func (m *metrics) request(route, status int) {
	if status < 100 || status >= 600 {
		status = 599
	}
	m.requests[route][status].Add(1)
}

func (m *metrics) storeOrFetchFailure() { m.failures.Add(1) }

func (m *metrics) observeFetch(ev FetchEvent) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := fetchKey{ev.AppID, ev.Reason}
	m.upstream[k]++
	if ev.Err != nil {
		m.errors[errKey{ev.AppID, errcodeLabel(ev.Err)}]++
		return
	}
	m.refreshes[k]++
	if ev.Rotated {
		m.rotations[ev.AppID]++
	}
	if ev.StoreErr != nil {
		m.storeErrs[ev.AppID]++
	}
}

func errcodeLabel(err error) string {
	if code, ok := wechat.ErrCode(err); ok {
		return strconv.Itoa(code)
	}
	var te *wechat.TransportError
	var se *wechat.StatusError
	switch {
	case errors.As(err, &te):
		return "network"
	case errors.As(err, &se):
		return "http_" + strconv.Itoa(se.StatusCode)
	}
	return "other"
}

// write renders the text exposition format.
func (s *Server) writeMetrics(w io.Writer) error {
	bw := bufio.NewWriter(w)
	m := s.metrics
	now := s.m.Now()

	header := func(name, typ, help string) {
		bw.WriteString("# HELP " + name + " " + help + "\n# TYPE " + name + " " + typ + "\n")
	}
	sample := func(name string, labels []string, v float64) {
		bw.WriteString(name)
		if len(labels) > 0 {
			bw.WriteByte('{')
			for i := 0; i+1 < len(labels); i += 2 {
				if i > 0 {
					bw.WriteByte(',')
				}
				bw.WriteString(labels[i] + `="` + escapeLabel(labels[i+1]) + `"`)
			}
			bw.WriteByte('}')
		}
		bw.WriteByte(' ')
		bw.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
		bw.WriteByte('\n')
	}

	header("tcb_token_http_requests_total", "counter", "HTTP requests served, by route and status code.")
	for r := 0; r < numRoutes; r++ {
		for code := 100; code < 600; code++ {
			if n := m.requests[r][code].Load(); n > 0 {
				sample("tcb_token_http_requests_total", []string{"route", routeNames[r], "code", strconv.Itoa(code)}, float64(n))
			}
		}
	}

	m.mu.Lock()
	header("tcb_token_upstream_requests_total", "counter", "Token fetches sent to WeChat, by app and reason.")
	for _, k := range sortedFetchKeys(m.upstream) {
		sample("tcb_token_upstream_requests_total", []string{"appid", k.appid, "reason", k.reason}, float64(m.upstream[k]))
	}
	header("tcb_token_upstream_errors_total", "counter", "Failed token fetches, by app and WeChat errcode (network, http_NNN or other when there is none).")
	errKeys := make([]errKey, 0, len(m.errors))
	for k := range m.errors {
		errKeys = append(errKeys, k)
	}
	sort.Slice(errKeys, func(i, j int) bool {
		if errKeys[i].appid != errKeys[j].appid {
			return errKeys[i].appid < errKeys[j].appid
		}
		return errKeys[i].errcode < errKeys[j].errcode
	})
	for _, k := range errKeys {
		sample("tcb_token_upstream_errors_total", []string{"appid", k.appid, "errcode", k.errcode}, float64(m.errors[k]))
	}
	header("tcb_token_refreshes_total", "counter", "Successful token fetches, by app and reason.")
	for _, k := range sortedFetchKeys(m.refreshes) {
		sample("tcb_token_refreshes_total", []string{"appid", k.appid, "reason", k.reason}, float64(m.refreshes[k]))
	}
	header("tcb_token_rotations_total", "counter", "Fetches that returned a different token than the stored one.")
	for _, id := range s.order {
		sample("tcb_token_rotations_total", []string{"appid", id}, float64(m.rotations[id]))
	}
	header("tcb_token_store_write_errors_total", "counter", "Fetched tokens that could not be written to the store.")
	for _, id := range s.order {
		sample("tcb_token_store_write_errors_total", []string{"appid", id}, float64(m.storeErrs[id]))
	}
	m.mu.Unlock()

	header("tcb_token_refresher_failures_total", "counter", "Refresher rounds that ended without any token (store or upstream failure).")
	sample("tcb_token_refresher_failures_total", nil, float64(m.failures.Load()))

	header("tcb_token_remaining_seconds", "gauge", "Seconds until the served token expires (absent before the first token).")
	for _, id := range s.order {
		if sn := s.apps[id].snap.Load(); sn != nil {
			sample("tcb_token_remaining_seconds", []string{"appid", id}, sn.rec.ExpiresAt.Sub(now).Seconds())
		}
	}
	header("tcb_token_age_seconds", "gauge", "Seconds since the served token was obtained.")
	for _, id := range s.order {
		if sn := s.apps[id].snap.Load(); sn != nil {
			sample("tcb_token_age_seconds", []string{"appid", id}, now.Sub(sn.rec.ObtainedAt).Seconds())
		}
	}
	header("tcb_token_valid", "gauge", "1 if a usable token is being served for the app.")
	for _, id := range s.order {
		v := 0.0
		if sn := s.apps[id].snap.Load(); sn != nil && s.m.Usable(sn.rec, now) {
			v = 1
		}
		sample("tcb_token_valid", []string{"appid", id}, v)
	}
	header("tcb_token_last_error_timestamp_seconds", "gauge", "Unix time of the app's last refresh error (0 if the last refresh succeeded).")
	for _, id := range s.order {
		_, at, _ := s.apps[id].errState()
		v := 0.0
		if !at.IsZero() {
			v = float64(at.UnixNano()) / float64(time.Second)
		}
		sample("tcb_token_last_error_timestamp_seconds", []string{"appid", id}, v)
	}
	return bw.Flush()
}

func sortedFetchKeys(m map[fetchKey]uint64) []fetchKey {
	return slices.SortedFunc(maps.Keys(m), func(a, b fetchKey) int {
		return cmp.Or(cmp.Compare(a.appid, b.appid), cmp.Compare(a.reason, b.reason))
	})
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }
