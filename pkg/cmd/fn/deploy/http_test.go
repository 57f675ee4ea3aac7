package deploy

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdDeployHTTP(t *testing.T) {
	cmdtest.RunCases(t, "fn", NewCmdDeploy, []cmdtest.Case[Options]{
		{Name: "web function with a path", Args: []string{"app", "--httpFn", "--path", "/app"},
			Check: func(t *testing.T, o *Options) {
				if !o.HTTPFn || o.Path != "/app" {
					t.Errorf("got HTTPFn %v Path %q", o.HTTPFn, o.Path)
				}
			}},
		{Name: "path needs one name", Args: []string{"--all", "--path", "/app"}, WantCode: 3, WantErr: "--path binds one function"},
	})
}
