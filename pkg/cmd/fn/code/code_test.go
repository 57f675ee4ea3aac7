package code

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdDownload(t *testing.T) {
	cmdtest.RunCases(t, "fn code", NewCmdDownload, []cmdtest.Case[DownloadOptions]{
		{Name: "default destination", Args: []string{"hello"}, Want: &DownloadOptions{Name: "hello", Dest: "hello", defaultDest: true}},
		{Name: "destination", Args: []string{"hello", "./backup/hello", "--force"}, Want: &DownloadOptions{Name: "hello", Dest: "./backup/hello", Force: true}},
		{Name: "no name", WantCode: 3, WantErr: "which function? tcb fn code download NAME [DEST]"},
		{Name: "three words", Args: []string{"a", "b", "c"}, WantCode: 3, WantErr: "too many arguments: tcb fn code download NAME [DEST]"},
	})
}
