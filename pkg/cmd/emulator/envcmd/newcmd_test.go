package envcmd

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdEnv(t *testing.T) {
	cmdtest.RunCases(t, "emulator", NewCmdEnv, []cmdtest.Case[Options]{
		{Name: "the running emulator", Want: &Options{}},
		{Name: "listen", Args: []string{"--listen", "127.0.0.1:9900"}, Want: &Options{Listen: "127.0.0.1:9900"}},
		{Name: "listen on a name", Args: []string{"--listen", "localhost:9900"}, Want: &Options{Listen: "localhost:9900"}},
		{Name: "unset", Args: []string{"--unset"}, Want: &Options{Unset: true}},
		{Name: "unset and listen", Args: []string{"--unset", "--listen", "127.0.0.1:9900"}, WantCode: 3, WantErr: "--unset and --listen are mutually exclusive"},
		{Name: "listen without port", Args: []string{"--listen", "127.0.0.1"}, WantCode: 3, WantErr: `--listen "127.0.0.1": expected host:port of a running emulator`},
		{Name: "port zero", Args: []string{"--listen", "127.0.0.1:0"}, WantCode: 3, WantErr: "expected host:port of a running emulator"},
		{Name: "shell in the host", Args: []string{"--listen", "$(id):9800"}, WantCode: 3, WantErr: "expected host:port of a running emulator"},
		{Name: "an argument", Args: []string{"x"}, WantCode: 3, WantErr: `unexpected argument "x"`},
	})
}
