package getroute

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdGetRoute(t *testing.T) {
	cmdtest.RunCases(t, "fn", NewCmdGetRoute, []cmdtest.Case[Options]{
		{Name: "name", Args: []string{"hello"}, Want: &Options{Name: "hello"}},
		{Name: "no name", WantCode: 3, WantErr: "which function? tcb fn get-route NAME"},
		{Name: "two", Args: []string{"a", "b"}, WantCode: 3, WantErr: "too many arguments"},
	})
}
