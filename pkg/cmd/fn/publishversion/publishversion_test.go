package publishversion

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdPublishVersion(t *testing.T) {
	cmdtest.RunCases(t, "fn", NewCmdPublishVersion, []cmdtest.Case[Options]{
		{Name: "name", Args: []string{"hello"}, Want: &Options{Name: "hello"}},
		{Name: "description", Args: []string{"hello", "first cut"}, Want: &Options{Name: "hello", Description: "first cut"}},
		{Name: "no name", WantCode: 3, WantErr: "which function? tcb fn publish-version NAME"},
		{Name: "three", Args: []string{"a", "b", "c"}, WantCode: 3, WantErr: "too many arguments"},
	})
}
