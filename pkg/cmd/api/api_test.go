package api

import (
	"strings"
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdAPI(t *testing.T) {
	cmdtest.RunCases(t, "", NewCmdAPI, []cmdtest.Case[Options]{
		{Name: "service and action", Args: []string{"tcb", "DescribeEnvs"}, Want: &Options{Service: "tcb", Action: "DescribeEnvs"}},
		{Name: "body and version", Args: []string{"cvm", "DescribeInstances", "--body", `{"Limit":1}`, "--version", "2017-03-12"},
			Want: &Options{Service: "cvm", Action: "DescribeInstances", Body: `{"Limit":1}`, Version: "2017-03-12"}},
		{Name: "short body", Args: []string{"tcb", "DescribeEnvs", "-b", "@p.json"}, Want: &Options{Service: "tcb", Action: "DescribeEnvs", Body: "@p.json"}},
		{Name: "globals", Args: []string{"tcb", "DescribeEnvs", "-e", "demo-1", "--jq", ".EnvList", "-r", "ap-guangzhou"}, Check: func(t *testing.T, o *Options) {
			if g := o.F.Globals; g.EnvID != "demo-1" || g.JQ != ".EnvList" || g.Region != "ap-guangzhou" {
				t.Errorf("globals %+v", g)
			}
		}},
		{Name: "no action", Args: []string{"tcb"}, WantCode: 3, WantErr: "service and an action"},
		{Name: "too many", Args: []string{"tcb", "A", "B"}, WantCode: 3},
		{Name: "unknown flag", Args: []string{"tcb", "DescribeEnvs", "--data", "{}"}, WantCode: 3, WantErr: "unknown flag"},
	})
}

func TestParams(t *testing.T) {
	e := cmdtest.New(t)
	for _, tc := range []struct {
		service, body, env, want, err string
	}{
		{"tcb", "", "", `{}`, ""},
		{"tcb", "", "demo-1", `{"EnvId":"demo-1"}`, ""},
		{"scf", `{"Limit":5}`, "demo-1", `{"Limit":5,"Namespace":"demo-1"}`, ""},
		{"tcb", `{"EnvId":"demo-1"}`, "demo-1", `{"EnvId":"demo-1"}`, ""},
		{"tcb", `{"EnvId":"x"}`, "demo-1", "", "-e names"},
		{"tcb", `{"n": 12345678901234567890}`, "", `{"n":12345678901234567890}`, ""},
		{"tcb", `[1]`, "", "", "JSON object"},
		{"tcb", "@", "", "", "name a file"},
	} {
		e.F.Globals.EnvID = tc.env
		got, err := Params(&Options{F: e.F, Service: tc.service, Body: tc.body}, strings.NewReader(""))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s %q: err %v, want %q", tc.service, tc.body, err, tc.err)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("%s %q -e %q: %s, %v; want %s", tc.service, tc.body, tc.env, got, err, tc.want)
		}
	}
	e.F.Globals.EnvID = ""
	got, err := Params(&Options{F: e.F, Service: "tcb", Body: "@-"}, strings.NewReader(` {"A":true} `))
	if err != nil || string(got) != `{"A":true}` {
		t.Errorf("stdin: %s %v", got, err)
	}
}
