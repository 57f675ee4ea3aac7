package list

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdList(t *testing.T) {
	cmdtest.RunCases(t, "storage", NewCmdList, []cmdtest.Case[Options]{
		{Name: "all", Want: &Options{}},
		{Name: "prefix", Args: []string{"images/"}, Want: &Options{Cloud: "images/"}},
		{Name: "alias", As: "ls", Args: []string{"a"}, Want: &Options{Cloud: "a"}},
		{Name: "absolute", Args: []string{"/images"}, WantCode: 3, WantErr: "absolute"},
		{Name: "two", Args: []string{"a", "b"}, WantCode: 3},
	})
}
