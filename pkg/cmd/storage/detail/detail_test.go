package detail

import (
	"strings"
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdDetail(t *testing.T) {
	cmdtest.RunCases(t, "storage", NewCmdDetail, []cmdtest.Case[Options]{
		{Name: "file", Args: []string{"a/b.png"}, Want: &Options{Cloud: "a/b.png"}},
		{Name: "too long", Args: []string{strings.Repeat("k", 851)}, WantCode: 3, WantErr: "850-byte limit"},
		{Name: "none", WantCode: 3, WantErr: "which file?"},
	})
}
