package wxapi

import (
	"sort"
	"time"
)

// TimelineToken is one issued token as the web console shows it: shortened
// (the first and last four characters), never usable.
type TimelineToken struct {
	Token      string    `json:"token"`
	Family     string    `json:"family"` // legacy (cgi-bin/token) or stable
	Role       string    `json:"role"`   // current or previous
	IssuedAt   time.Time `json:"issued_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	ValidUntil time.Time `json:"valid_until"`
	// ErrCode is what a check answers now (0 valid, 40001, 42001).
	ErrCode int `json:"errcode"`
}

// TimelineApp is one app's tokens and limits.
type TimelineApp struct {
	AppID  string          `json:"appid"`
	Tokens []TimelineToken `json:"tokens"`
	// ForceLast is the last force_refresh (zero when none).
	ForceLast time.Time `json:"force_last,omitzero"`
}

// Timeline is the token lifetimes of every app with the limits that shape
// them, for the web console.
type Timeline struct {
	Now              time.Time     `json:"now"`
	TTLSeconds       float64       `json:"ttl_seconds"`
	OverlapSeconds   float64       `json:"overlap_seconds"`
	ForceSpacingSecs float64       `json:"force_spacing_seconds"`
	ForceDailyLimit  int           `json:"force_daily_limit"`
	LegacyDailyQuota int           `json:"legacy_daily_quota"`
	StableDailyQuota int           `json:"stable_daily_quota"`
	Apps             []TimelineApp `json:"apps"`
}

// Timeline returns each configured app's current and previous token of
// both families, shortened.
func (m *Module) Timeline() Timeline {
	m.mu.RLock()
	defer m.mu.RUnlock()
	now := m.clock()
	tl := Timeline{Now: now, TTLSeconds: m.opts.TTL.Seconds(), OverlapSeconds: m.opts.Overlap.Seconds(),
		ForceSpacingSecs: m.opts.ForceSpacing.Seconds(), ForceDailyLimit: m.opts.ForceDailyLimit,
		LegacyDailyQuota: m.opts.LegacyDailyQuota, StableDailyQuota: m.opts.StableDailyQuota}
	ids := map[string]bool{}
	for id := range m.secrets {
		ids[id] = true
	}
	for id := range m.apps {
		ids[id] = true
	}
	sorted := make([]string, 0, len(ids))
	for id := range ids {
		sorted = append(sorted, id)
	}
	sort.Strings(sorted)
	for _, id := range sorted {
		app := TimelineApp{AppID: id, Tokens: []TimelineToken{}}
		if a := m.apps[id]; a != nil {
			app.ForceLast = a.ForceLast
			for _, t := range []struct{ tok, family, role string }{
				{a.LegacyPrev, familyLegacy, "previous"}, {a.LegacyCurrent, familyLegacy, "current"},
				{a.StablePrev, familyStable, "previous"}, {a.StableCurrent, familyStable, "current"},
			} {
				rec := m.tokens[t.tok]
				if t.tok == "" || rec == nil {
					continue
				}
				app.Tokens = append(app.Tokens, TimelineToken{Token: shortToken(rec.Token), Family: t.family, Role: t.role,
					IssuedAt: rec.IssuedAt, ExpiresAt: rec.ExpiresAt, ValidUntil: rec.validUntil(), ErrCode: rec.code(now)})
			}
		}
		tl.Apps = append(tl.Apps, app)
	}
	return tl
}

func shortToken(tok string) string {
	if len(tok) <= 12 {
		return "****"
	}
	return tok[:4] + "…" + tok[len(tok)-4:]
}
