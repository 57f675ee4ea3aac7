// Package fnversion holds the domain logic of `tcb fn publish-version`,
// `list-function-versions`, `config-route` and `get-route`: the traffic
// routing of a function's $DEFAULT alias as the official CLI writes it and
// reads it back. It never prints and never prompts.
//
// config-route NAME V1 P1 [V2 P2] sends UpdateAlias on $DEFAULT with main
// version $LATEST and AddtionVersionMatchs ranges on the routing key
// invoke.headers.X-Tcb-Route-Key: V1 gets [0,P1), V2 gets [P1,100). With
// one version, the rest (P1 to 100) goes to $LATEST. get-route reads those
// ranges back as percentages, and AdditionalVersionWeights (set by other
// tools) as percentages too.
package fnversion

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/tcb-go/tcb/internal/ascii"
	"github.com/tcb-go/tcb/pkg/cloudapi"
)

// Names of the alias and the routing key the CloudBase tools use.
const (
	DefaultAlias = "$DEFAULT"
	Latest       = "$LATEST"
	RouteKey     = "invoke.headers.X-Tcb-Route-Key"
)

// Share is one version's share of the traffic, in percent.
type Share struct {
	Version string  `json:"version"`
	Percent float64 `json:"percent"`
}

// InvalidError is a bad argument (exit 3 in the CLI).
type InvalidError struct{ Msg string }

func (e *InvalidError) Error() string { return e.Msg }

func invalid(format string, a ...any) error { return &InvalidError{fmt.Sprintf(format, a...)} }

// IsVersion reports whether v names a version: $LATEST or a number.
func IsVersion(v string) bool {
	return v == Latest || (v != "" && v[0] != '0' && len(v) <= 9 && ascii.Only(v, ascii.Digit))
}

// ParsePercent reads a traffic share, an integer from 0 to 100.
func ParsePercent(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	if err != nil || n < 0 || n > 100 {
		return 0, invalid("traffic %q must be a whole percentage from 0 to 100", s)
	}
	return n, nil
}

// RouteRequest builds the UpdateAlias of config-route: shares are one or
// two versions with their percentages (two must add up to 100).
func RouteRequest(namespace, function string, shares []Share) (*cloudapi.UpdateAliasRequest, error) {
	if len(shares) < 1 || len(shares) > 2 {
		return nil, invalid("give one or two versions with their traffic")
	}
	for _, s := range shares {
		if !IsVersion(s.Version) {
			return nil, invalid("version %q must be $LATEST or a published version number", s.Version)
		}
	}
	if len(shares) == 2 {
		if shares[0].Version == shares[1].Version {
			return nil, invalid("the two versions are the same (%s)", shares[0].Version)
		}
		if shares[0].Percent+shares[1].Percent != 100 {
			return nil, invalid("the traffic of two versions must add up to 100, got %g + %g", shares[0].Percent, shares[1].Percent)
		}
	}
	p1 := int(shares[0].Percent)
	matches := []cloudapi.VersionMatch{{Version: shares[0].Version, Key: RouteKey, Method: "range", Expression: fmt.Sprintf("[0,%d)", p1)}}
	if len(shares) == 2 {
		matches = append(matches, cloudapi.VersionMatch{Version: shares[1].Version, Key: RouteKey, Method: "range", Expression: fmt.Sprintf("[%d,100)", p1)})
	}
	return &cloudapi.UpdateAliasRequest{FunctionName: function, Namespace: namespace, Name: DefaultAlias,
		FunctionVersion: Latest, RoutingConfig: &cloudapi.RoutingConfig{AddtionVersionMatchs: matches}}, nil
}

// Shares reads an alias's traffic split: ranges on the route key (as
// config-route writes them), additional weights, and the main version
// taking what is left. Versions with no traffic are left out.
func Shares(a *cloudapi.Alias) []Share {
	var out []Share
	add := func(v string, p float64) {
		if p <= 0 {
			return
		}
		for i := range out {
			if out[i].Version == v {
				out[i].Percent += p
				return
			}
		}
		out = append(out, Share{Version: v, Percent: p})
	}
	left := 100.0
	if rc := a.RoutingConfig; rc != nil {
		for _, m := range rc.AddtionVersionMatchs {
			if m.Key != RouteKey || m.Method != "range" {
				continue
			}
			lo, hi, ok := rangeBounds(m.Expression)
			if !ok {
				continue
			}
			// The key is drawn from 0 to 99.
			lo, hi = math.Max(lo, 0), math.Min(hi, 100)
			if hi > lo {
				add(m.Version, hi-lo)
				left -= hi - lo
			}
		}
		// Weights share what no range took.
		rest := left
		for _, w := range rc.AdditionalVersionWeights {
			p := math.Round(w.Weight*rest*100) / 100
			add(w.Version, p)
			left -= p
		}
	}
	add(a.FunctionVersion, math.Round(left*100)/100)
	return out
}

// rangeBounds turns an integer range into the half-open [lo, hi) of the
// integers it holds.
func rangeBounds(expr string) (float64, float64, bool) {
	s := strings.TrimSpace(expr)
	if len(s) < 5 {
		return 0, 0, false
	}
	a, b, ok := strings.Cut(s[1:len(s)-1], ",")
	if !ok {
		return 0, 0, false
	}
	lo, err1 := strconv.ParseInt(strings.TrimSpace(a), 10, 64)
	hi, err2 := strconv.ParseInt(strings.TrimSpace(b), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	switch s[0] {
	case '(':
		lo++
	case '[':
	default:
		return 0, 0, false
	}
	switch s[len(s)-1] {
	case ']':
		hi++
	case ')':
	default:
		return 0, 0, false
	}
	return float64(lo), float64(hi), true
}
