package download

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdDownload(t *testing.T) {
	cmdtest.RunCases(t, "hosting", NewCmdDownload, []cmdtest.Case[Options]{
		{Name: "file here", Args: []string{"index.html"}, Want: &Options{Cloud: "index.html", Parallel: 16}},
		{Name: "site to a dir", Args: []string{"", "./backup", "-d"}, Want: &Options{Local: "./backup", Dir: true, Parallel: 16}},
		{Name: "none", WantCode: 3, WantErr: "which file?"},
		{Name: "traversal", Args: []string{"a/../../x"}, WantCode: 3, WantErr: "'..'"},
	})
}
