package run

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdRun(t *testing.T) {
	cmdtest.RunCases(t, "fn", NewCmdRun, []cmdtest.Case[Options]{
		{Name: "name", Args: []string{"--name", "hello", "--params", `{"a":1}`}, Want: &Options{Name: "hello", Params: `{"a":1}`}},
		{Name: "path", Args: []string{"--path", "./functions/hello", "--params", "@event.json", "--handler", "app.main", "--timeout", "10", "--inspect", "9229"},
			Want: &Options{Path: "./functions/hello", Params: "@event.json", Handler: "app.main", Timeout: 10, Inspect: "9229"}},
		{Name: "neither", WantCode: 3, WantErr: "give --name or --path"},
		{Name: "both", Args: []string{"--name", "hello", "--path", "x"}, WantCode: 3, WantErr: "give --name or --path"},
		{Name: "an argument", Args: []string{"hello"}, WantCode: 3, WantErr: `unexpected argument "hello"`},
		{Name: "bad timeout", Args: []string{"--name", "hello", "--timeout", "3s"}, WantCode: 3, WantErr: `invalid argument "3s" for "--timeout"`},
	})
}
