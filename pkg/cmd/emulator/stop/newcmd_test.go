package stop

import (
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdStop(t *testing.T) {
	cmdtest.RunCases(t, "emulator", NewCmdStop, []cmdtest.Case[Options]{
		{Name: "the only one", Want: &Options{Timeout: 30 * time.Second}},
		{Name: "listen", Args: []string{"--listen", "127.0.0.1:9900", "--timeout", "5s"}, Want: &Options{Listen: "127.0.0.1:9900", Timeout: 5 * time.Second}},
		{Name: "all", Args: []string{"--all"}, Want: &Options{All: true, Timeout: 30 * time.Second}},
		{Name: "all and listen", Args: []string{"--all", "--listen", "127.0.0.1:9900"}, WantCode: 3, WantErr: "--all and --listen are mutually exclusive"},
		{Name: "listen without port", Args: []string{"--listen", "x"}, WantCode: 3, WantErr: `--listen "x": expected host:port`},
		{Name: "zero timeout", Args: []string{"--timeout", "0s"}, WantCode: 3, WantErr: "--timeout must be positive"},
		{Name: "an argument", Args: []string{"x"}, WantCode: 3, WantErr: `unexpected argument "x"`},
	})
}
