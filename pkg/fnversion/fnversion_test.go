package fnversion

import (
	"reflect"
	"testing"

	"github.com/tcb-go/tcb/pkg/cloudapi"
)

func TestRouteRequestAndShares(t *testing.T) {
	for _, tc := range []struct {
		name   string
		shares []Share
		want   []Share
		err    string
	}{
		{name: "two", shares: []Share{{"1", 80}, {Latest, 20}}, want: []Share{{"1", 80}, {Latest, 20}}},
		{name: "one", shares: []Share{{"2", 30}}, want: []Share{{"2", 30}, {Latest, 70}}},
		{name: "all", shares: []Share{{"2", 100}}, want: []Share{{"2", 100}}},
		{name: "sum", shares: []Share{{"1", 80}, {"2", 30}}, err: "add up to 100"},
		{name: "same", shares: []Share{{"1", 50}, {"1", 50}}, err: "the same"},
		{name: "bad version", shares: []Share{{"v1", 50}}, err: "published version number"},
		{name: "none", err: "one or two"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := RouteRequest("env", "fn", tc.shares)
			if tc.err != "" {
				if err == nil || !contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if req.Name != DefaultAlias || req.FunctionVersion != Latest {
				t.Fatalf("req = %+v", req)
			}
			a := &cloudapi.Alias{FunctionVersion: req.FunctionVersion, RoutingConfig: &cloudapi.RoutingInfo{AddtionVersionMatchs: req.RoutingConfig.AddtionVersionMatchs}}
			if got := Shares(a); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Shares = %v, want %v", got, tc.want)
			}
		})
	}
	w := Shares(&cloudapi.Alias{FunctionVersion: "1", RoutingConfig: &cloudapi.RoutingInfo{AdditionalVersionWeights: []cloudapi.VersionWeight{{Version: "2", Weight: 0.25}}}})
	if !reflect.DeepEqual(w, []Share{{"2", 25}, {"1", 75}}) {
		t.Errorf("weights: %v", w)
	}
	if p, err := ParsePercent("80%"); p != 80 || err != nil {
		t.Errorf("ParsePercent = %d, %v", p, err)
	}
	if _, err := ParsePercent("101"); err == nil {
		t.Error("101 accepted")
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && (s[:len(sub)] == sub || contains(s[1:], sub)))
}

func FuzzRangeBounds(f *testing.F) {
	for _, s := range []string{"[0,80)", "(1,2]", "[5,5]", "[a,b)", "", "[,)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lo, hi, ok := rangeBounds(s)
		if ok && (lo != lo || hi != hi) {
			t.Fatal("NaN")
		}
		Shares(&cloudapi.Alias{FunctionVersion: Latest, RoutingConfig: &cloudapi.RoutingInfo{AddtionVersionMatchs: []cloudapi.VersionMatch{{Version: "1", Key: RouteKey, Method: "range", Expression: s}}}})
	})
}
