package upload

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdUpload(t *testing.T) {
	cmdtest.RunCases(t, "storage", NewCmdUpload, []cmdtest.Case[Options]{
		{Name: "file", Args: []string{"a.png"}, Want: &Options{Local: "a.png", Parallel: 16, Times: 1, Interval: 500}},
		{Name: "dir to a prefix", Args: []string{"./dist", "assets/", "--force", "--parallel", "4"},
			Want: &Options{Local: "./dist", Cloud: "assets/", Force: true, Parallel: 4, Times: 1, Interval: 500}},
		{Name: "dry run", Args: []string{"x", "y", "--dry-run"}, Want: &Options{Local: "x", Cloud: "y", DryRun: true, Parallel: 16, Times: 1, Interval: 500}},
		{Name: "official retry flags", Args: []string{"x", "--times", "3", "--interval", "100"}, Want: &Options{Local: "x", Parallel: 16, Times: 3, Interval: 100}},
		{Name: "absolute cloud path", Args: []string{"x", "/etc/x"}, WantCode: 3, WantErr: "absolute paths are refused"},
		{Name: "dot dot", Args: []string{"x", "a/../../b"}, WantCode: 3, WantErr: "'..' segments are refused"},
		{Name: "NUL", Args: []string{"x", "a\x00b"}, WantCode: 3, WantErr: "control character"},
		{Name: "no local", Args: nil, WantCode: 3, WantErr: "what to upload?"},
		{Name: "three args", Args: []string{"a", "b", "c"}, WantCode: 3, WantErr: "too many arguments"},
		{Name: "parallel range", Args: []string{"a", "--parallel", "0"}, WantCode: 3, WantErr: "--parallel must be between 1 and 64"},
	})
}
