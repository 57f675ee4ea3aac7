package delete

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdDelete(t *testing.T) {
	cmdtest.RunCases(t, "storage", NewCmdDelete, []cmdtest.Case[Options]{
		{Name: "file", Args: []string{"a.png", "--yes"}, Want: &Options{Cloud: "a.png"}},
		{Name: "dir", Args: []string{"tmp", "-d", "-y"}, Want: &Options{Cloud: "tmp", Dir: true}},
		{Name: "everything", Args: []string{"-d", "--dry-run"}, Want: &Options{Dir: true, DryRun: true}},
		{Name: "terminal asks", Args: []string{"a"}, TTY: true, Want: &Options{Cloud: "a"}},
		{Name: "no yes without a terminal", Args: []string{"a"}, WantCode: 3, WantErr: "storage delete: not running interactively, pass --yes (or --dry-run to preview)"},
		{Name: "nothing named", Args: []string{"--yes"}, WantCode: 3, WantErr: "which file?"},
		{Name: "absolute", Args: []string{"/etc", "-d", "--yes"}, WantCode: 3, WantErr: "absolute"},
	})
}
