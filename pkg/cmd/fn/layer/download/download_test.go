package download

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdDownload(t *testing.T) {
	cmdtest.RunCases(t, "fn layer", NewCmdDownload, []cmdtest.Case[Options]{
		{Name: "all", Args: []string{"--layer", "utils", "--layer-version", "1", "--dest", "out"}, Want: &Options{Layer: "utils", Version: 1, Dest: "out"}},
		{Name: "force", Args: []string{"--layer", "utils", "--layer-version", "1", "--dest", "out", "--force"}, Want: &Options{Layer: "utils", Version: 1, Dest: "out", Force: true}},
		{Name: "no dest", Args: []string{"--layer", "utils", "--layer-version", "1"}, WantCode: 3, WantErr: "--dest is required"},
		{Name: "no version", Args: []string{"--layer", "utils", "--dest", "out"}, WantCode: 3, WantErr: "--layer-version is required"},
	})
}
