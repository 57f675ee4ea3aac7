package logout

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdLogout(t *testing.T) {
	cmdtest.RunCases(t, "", NewCmdLogout, []cmdtest.Case[Options]{
		{Name: "active profile", Want: &Options{}},
		{Name: "all", Args: []string{"--all"}, Want: &Options{All: true}},
		{Name: "an argument", Args: []string{"default"}, WantCode: 3, WantErr: `unexpected argument "default"`},
	})
}
