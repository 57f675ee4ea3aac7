package functions

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/tcb-go/tcb/internal/ascii"
	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/emulator/capi"
)

// Versions and aliases, as on SCF:
//
//   - PublishVersion snapshots the running code and configuration of
//     $LATEST (its layers included) as version "1", "2", ...; numbers are
//     never reused. A version never changes; deleting one (DeleteFunction
//     with Qualifier) is refused while an alias routes to it.
//   - An alias points at a main version and may send part of its traffic
//     elsewhere: AdditionalVersionWeights (random, by weight 0-1) or
//     AddtionVersionMatchs (by the invocation's routing key: "exact", or
//     "range" of integers such as "[0,80)"). Matches are tried first, then
//     weights, then the main version.
//   - Every function has the alias $DEFAULT, on $LATEST until changed; it
//     cannot be deleted. The official CLI's `fn config-route` sets it to
//     range matches on the key invoke.headers.X-Tcb-Route-Key; when an
//     invocation brings no X-Tcb-Route-Key, the emulator draws one uniformly
//     from 0-99 (once per invocation), which turns those ranges into
//     traffic percentages.
//   - Which version runs without a Qualifier: scf Invoke runs $LATEST (the
//     API's documented default); CloudBase's own doors — callFunction
//     through the server SDKs, /tcb/invokecloudfunction and the HTTP access
//     service — go through $DEFAULT, so a traffic split set with
//     config-route applies to what mini-programs and web clients call.
//     Invoke with Qualifier "$DEFAULT" (tcb fn invoke --qualifier) does the
//     same through the Cloud API.

const (
	defaultAlias       = "$DEFAULT"
	routeKeyHeader     = "X-Tcb-Route-Key"
	maxVersions        = 1000
	maxAliases         = 10
	maxAliasNameLength = 64
)

// version is a published version.
type version struct {
	Version     string    `json:"version"`
	Description string    `json:"description,omitempty"`
	AddTime     time.Time `json:"add_time"`
	ModTime     time.Time `json:"mod_time"`
	Spec        spec      `json:"spec"`
}

// alias is an alias as stored.
type alias struct {
	Name            string                   `json:"name"`
	FunctionVersion string                   `json:"function_version"`
	Description     string                   `json:"description,omitempty"`
	Weights         []cloudapi.VersionWeight `json:"weights,omitempty"`
	Matches         []cloudapi.VersionMatch  `json:"matches,omitempty"`
	AddTime         time.Time                `json:"add_time"`
	ModTime         time.Time                `json:"mod_time"`
}

func (r *record) findVersion(v string) *version {
	for i := range r.Versions {
		if r.Versions[i].Version == v {
			return &r.Versions[i]
		}
	}
	return nil
}

// findAlias returns the stored alias, or $DEFAULT as it is before anyone
// changes it; nil when there is none.
func (r *record) findAlias(name string) *alias {
	for i := range r.Aliases {
		if r.Aliases[i].Name == name {
			return &r.Aliases[i]
		}
	}
	if name == defaultAlias {
		return &alias{Name: defaultAlias, FunctionVersion: latestQualifier, AddTime: r.AddTime, ModTime: r.AddTime}
	}
	return nil
}

// allAliases lists the aliases, $DEFAULT first.
func (r *record) allAliases() []alias {
	out := []alias{*r.findAlias(defaultAlias)}
	for _, a := range r.Aliases {
		if a.Name != defaultAlias {
			out = append(out, a)
		}
	}
	return out
}

// setAlias stores a (replacing the alias of the same name).
func (r *record) setAlias(a alias) {
	for i := range r.Aliases {
		if r.Aliases[i].Name == a.Name {
			r.Aliases[i] = a
			return
		}
	}
	r.Aliases = append(r.Aliases, a)
}

// aliasesUsing names the aliases that route to version v.
func (r *record) aliasesUsing(v string) []string {
	var out []string
	for _, a := range r.allAliases() {
		use := a.FunctionVersion == v
		for _, w := range a.Weights {
			use = use || w.Version == v
		}
		for _, mt := range a.Matches {
			use = use || mt.Version == v
		}
		if use {
			out = append(out, a.Name)
		}
	}
	return out
}

// isVersionNumber reports whether q names a published version ("1", ...).
func isVersionNumber(q string) bool {
	return q != "" && q[0] != '0' && ascii.Only(q, ascii.Digit) && len(q) <= 9
}

// versionExists reports whether v is $LATEST or a published version.
func (r *record) versionExists(v string) bool {
	return v == latestQualifier || r.findVersion(v) != nil
}

// target is what one invocation runs.
type target struct {
	Version string // "$LATEST" or a version number
	Spec    *spec
}

// routingKeys are an invocation's routing keys by lower-cased name
// (Invoke's RoutingKey, the HTTP request's headers).
type routingKeys map[string]string

// parseRoutingKey reads Invoke's RoutingKey, a JSON object of strings.
func parseRoutingKey(s string) (routingKeys, error) {
	keys := routingKeys{}
	if strings.TrimSpace(s) == "" {
		return keys, nil
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, capi.Errorf("InvalidParameterValue.RoutingKey", "RoutingKey must be a JSON object such as {\"User\":\"a\"}: %v.", err)
	}
	for k, v := range raw {
		switch v := v.(type) {
		case string:
			keys[strings.ToLower(k)] = v
		case float64:
			keys[strings.ToLower(k)] = strconv.FormatFloat(v, 'f', -1, 64)
		default:
			return nil, capi.Errorf("InvalidParameterValue.RoutingKey", "RoutingKey %s must be a string or a number.", k)
		}
	}
	return keys, nil
}

// resolve picks what an invocation of rec with qualifier runs; def is the
// qualifier that applies when q is empty. Errors are the API's.
func (m *Module) resolve(rec *record, q, def string, keys routingKeys) (target, error) {
	if q == "" {
		q = def
	}
	v := q
	if a := rec.findAlias(q); a != nil && !isVersionNumber(q) && q != latestQualifier {
		v = pickVersion(a, keys)
	}
	now := m.now()
	if v == latestQualifier {
		if !rec.invocable(now) {
			return target{}, capi.Errorf("FailedOperation.FunctionStatusError", "The function %s is %s and cannot be invoked now.", rec.Name, rec.status(now))
		}
		return target{Version: latestQualifier, Spec: rec.Live}, nil
	}
	ver := rec.findVersion(v)
	if ver == nil {
		return target{}, capi.Errorf("ResourceNotFound.Qualifier", "The function %s has no version or alias %s.", rec.Name, q)
	}
	if st := rec.status(now); st == stateDeleting {
		return target{}, capi.Errorf("FailedOperation.FunctionStatusError", "The function %s is %s and cannot be invoked now.", rec.Name, st)
	}
	return target{Version: ver.Version, Spec: &ver.Spec}, nil
}

// pickVersion chooses the version an alias sends one invocation to.
func pickVersion(a *alias, keys routingKeys) string {
	draw := ""
	for _, mt := range a.Matches {
		name := strings.ToLower(strings.TrimPrefix(mt.Key, "invoke.headers."))
		val, ok := keys[name]
		if !ok && strings.EqualFold(name, routeKeyHeader) && mt.Method == "range" {
			if draw == "" {
				draw = strconv.Itoa(rand.IntN(100))
			}
			val, ok = draw, true
		}
		if ok && matchVersion(mt, val) {
			return mt.Version
		}
	}
	if len(a.Weights) > 0 {
		r := rand.Float64()
		acc := 0.0
		for _, w := range a.Weights {
			acc += w.Weight
			if r < acc {
				return w.Version
			}
		}
	}
	return a.FunctionVersion
}

func matchVersion(mt cloudapi.VersionMatch, val string) bool {
	switch mt.Method {
	case "exact":
		return val == mt.Expression
	case "range":
		r, err := parseRange(mt.Expression)
		if err != nil {
			return false
		}
		n, err := strconv.ParseInt(strings.TrimSpace(val), 10, 64)
		return err == nil && r.contains(n)
	}
	return false
}

// intRange is a range expression: [a,b], [a,b), (a,b] or (a,b).
type intRange struct {
	lo, hi         int64
	loOpen, hiOpen bool
}

func (r intRange) contains(n int64) bool {
	if n < r.lo || (r.loOpen && n == r.lo) {
		return false
	}
	return n < r.hi || (!r.hiOpen && n == r.hi)
}

func parseRange(s string) (intRange, error) {
	s = strings.TrimSpace(s)
	bad := capi.Errorf("InvalidParameterValue.RoutingConfig", "Range expression %q is invalid: use [a,b], [a,b), (a,b] or (a,b) with integers a <= b.", s)
	if len(s) < 5 {
		return intRange{}, bad
	}
	var r intRange
	switch s[0] {
	case '[':
	case '(':
		r.loOpen = true
	default:
		return intRange{}, bad
	}
	switch s[len(s)-1] {
	case ']':
	case ')':
		r.hiOpen = true
	default:
		return intRange{}, bad
	}
	lo, hi, ok := strings.Cut(s[1:len(s)-1], ",")
	if !ok {
		return intRange{}, bad
	}
	var err1, err2 error
	r.lo, err1 = strconv.ParseInt(strings.TrimSpace(lo), 10, 64)
	r.hi, err2 = strconv.ParseInt(strings.TrimSpace(hi), 10, 64)
	if err1 != nil || err2 != nil || r.lo > r.hi {
		return intRange{}, bad
	}
	return r, nil
}

// isAliasName: a letter, then letters, digits, '_' and '-', at most 64.
func isAliasName(s string) bool {
	return len(s) >= 1 && len(s) <= maxAliasNameLength && ascii.Letter(s[0]) &&
		ascii.Only(s, func(c byte) bool { return ascii.Word(c) || c == '-' })
}

// validateRouting checks an alias's routing against rec's versions and
// returns it in stored form.
func validateRouting(rec *record, main string, rc *cloudapi.RoutingConfig) ([]cloudapi.VersionWeight, []cloudapi.VersionMatch, error) {
	if rc == nil {
		return nil, nil, nil
	}
	missing := func(v string) error {
		return capi.Errorf("ResourceNotFound.Version", "The function %s has no version %s.", rec.Name, v)
	}
	seen := map[string]bool{}
	sum := 0.0
	var weights []cloudapi.VersionWeight
	for _, w := range rc.AdditionalVersionWeights {
		if !rec.versionExists(w.Version) {
			return nil, nil, missing(w.Version)
		}
		if w.Version == main || seen[w.Version] {
			return nil, nil, capi.Errorf("InvalidParameterValue.RoutingConfig", "Version %s appears twice in the routing (the main version takes the rest of the traffic).", w.Version)
		}
		seen[w.Version] = true
		if !(w.Weight > 0 && w.Weight < 1) {
			return nil, nil, capi.Errorf("InvalidParameterValue.RoutingConfig", "The weight of version %s must be between 0 and 1 (exclusive), got %v.", w.Version, w.Weight)
		}
		sum += w.Weight
		weights = append(weights, w)
	}
	if sum > 1+1e-9 {
		return nil, nil, capi.Errorf("InvalidParameterValue.RoutingConfig", "The additional weights add up to %v, more than 1.", sum)
	}
	var matches []cloudapi.VersionMatch
	for _, mt := range rc.AddtionVersionMatchs {
		if !rec.versionExists(mt.Version) {
			return nil, nil, missing(mt.Version)
		}
		name, ok := strings.CutPrefix(mt.Key, "invoke.headers.")
		if !ok || name == "" {
			return nil, nil, capi.Errorf("InvalidParameterValue.RoutingConfig", "Key %q is invalid: use invoke.headers.<name>.", mt.Key)
		}
		switch mt.Method {
		case "range":
			if _, err := parseRange(mt.Expression); err != nil {
				return nil, nil, err
			}
		case "exact":
			if mt.Expression == "" {
				return nil, nil, capi.Errorf("InvalidParameterValue.RoutingConfig", "An exact match needs an Expression.")
			}
		default:
			return nil, nil, capi.Errorf("InvalidParameterValue.RoutingConfig", "Method must be range or exact, got %q.", mt.Method)
		}
		matches = append(matches, mt)
	}
	return weights, matches, nil
}

// routingOf is the API form of an alias's routing.
func routingOf(a *alias) *cloudapi.RoutingInfo {
	rc := &cloudapi.RoutingInfo{AdditionalVersionWeights: []cloudapi.VersionWeight{}, AddtionVersionMatchs: []cloudapi.VersionMatch{}}
	rc.AdditionalVersionWeights = append(rc.AdditionalVersionWeights, a.Weights...)
	rc.AddtionVersionMatchs = append(rc.AddtionVersionMatchs, a.Matches...)
	return rc
}
