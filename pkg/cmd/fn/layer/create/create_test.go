package create

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdCreate(t *testing.T) {
	cmdtest.RunCases(t, "fn layer", NewCmdCreate, []cmdtest.Case[Options]{
		{Name: "dir", Args: []string{"utils", "--file", "./layer"}, Want: &Options{Alias: "utils", File: "./layer"}},
		{Name: "runtimes", Args: []string{"utils", "--file", "l.zip", "--runtime", "Nodejs18.15,Nodejs20.19", "--description", "d"},
			Want: &Options{Alias: "utils", File: "l.zip", Runtimes: []string{"Nodejs18.15", "Nodejs20.19"}, Description: "d"}},
		{Name: "no file", Args: []string{"utils"}, WantCode: 3, WantErr: "--file is required"},
		{Name: "no alias", WantCode: 3, WantErr: "which layer?"},
	})
}
