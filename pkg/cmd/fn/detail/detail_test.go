package detail

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdDetail(t *testing.T) {
	cmdtest.RunCases(t, "fn", NewCmdDetail, []cmdtest.Case[Options]{
		{Name: "name", Args: []string{"hello"}, Want: &Options{Name: "hello"}},
		{Name: "info", As: "info", Args: []string{"hello"}, Want: &Options{Name: "hello"}},
		{Name: "no name", WantCode: 3, WantErr: "which function? tcb fn detail NAME"},
		{Name: "two names", Args: []string{"a", "b"}, WantCode: 3, WantErr: "too many arguments"},
	})
}
