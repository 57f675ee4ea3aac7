package set

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdSet(t *testing.T) {
	cmdtest.RunCases(t, "config", NewCmdSet, []cmdtest.Case[Options]{
		{Name: "key and value", Args: []string{"region", "ap-guangzhou"}, Want: &Options{Key: "region", Value: "ap-guangzhou"}},
		{Name: "empty value", Args: []string{"output", ""}, Want: &Options{Key: "output"}},
		{Name: "value that looks like a flag", Args: []string{"token-server", "--", "-x"}, Want: &Options{Key: "token-server", Value: "-x"}},
		{Name: "no value", Args: []string{"region"}, WantCode: 3, WantErr: "usage: tcb config set <key> <value>"},
		{Name: "nothing", WantCode: 3, WantErr: "usage: tcb config set <key> <value>"},
		{Name: "three words", Args: []string{"region", "ap-guangzhou", "x"}, WantCode: 3, WantErr: "too many arguments"},
	})
}
