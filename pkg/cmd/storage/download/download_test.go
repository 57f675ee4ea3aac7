package download

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdDownload(t *testing.T) {
	cmdtest.RunCases(t, "storage", NewCmdDownload, []cmdtest.Case[Options]{
		{Name: "file", Args: []string{"a/b.png", "b.png"}, Want: &Options{Cloud: "a/b.png", Local: "b.png", Parallel: 16}},
		{Name: "dir", Args: []string{"assets", "./out", "-d"}, Want: &Options{Cloud: "assets", Local: "./out", Dir: true, Parallel: 16}},
		{Name: "whole bucket", Args: []string{"", "./out", "--dir", "--parallel", "2"}, Want: &Options{Local: "./out", Dir: true, Parallel: 2}},
		{Name: "empty path without -d", Args: []string{"", "x"}, WantCode: 3, WantErr: "the cloud path is empty"},
		{Name: "traversal", Args: []string{"../secret", "x"}, WantCode: 3, WantErr: "'..' segments are refused"},
		{Name: "one arg", Args: []string{"a"}, WantCode: 3},
	})
}
