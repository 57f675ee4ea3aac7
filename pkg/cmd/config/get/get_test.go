package get

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdGet(t *testing.T) {
	cmdtest.RunCases(t, "config", NewCmdGet, []cmdtest.Case[Options]{
		{Name: "key", Args: []string{"env-id"}, Want: &Options{Key: "env-id"}},
		{Name: "any key reaches run", Args: []string{"nope"}, Want: &Options{Key: "nope"}},
		{Name: "no key", WantCode: 3, WantErr: "which setting? keys: env-id, region"},
		{Name: "two keys", Args: []string{"env-id", "region"}, WantCode: 3, WantErr: "too many arguments"},
		{Name: "unknown flag", Args: []string{"env-id", "--bogus"}, WantCode: 3, WantErr: "unknown flag --bogus"},
	})
}
