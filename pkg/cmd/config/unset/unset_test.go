package unset

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdUnset(t *testing.T) {
	cmdtest.RunCases(t, "config", NewCmdUnset, []cmdtest.Case[Options]{
		{Name: "key", Args: []string{"env-id"}, Want: &Options{Key: "env-id"}},
		{Name: "no key", WantCode: 3, WantErr: "which setting? keys: env-id, region"},
		{Name: "two keys", Args: []string{"env-id", "region"}, WantCode: 3, WantErr: "too many arguments"},
	})
}
