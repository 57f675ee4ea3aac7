package status

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdStatus(t *testing.T) {
	cmdtest.RunCases(t, "emulator", NewCmdStatus, []cmdtest.Case[Options]{
		{Name: "every emulator", Check: func(t *testing.T, o *Options) {
			if o.Listen != "" || o.Now == nil {
				t.Errorf("listen %q, clock set %v", o.Listen, o.Now != nil)
			}
		}},
		{Name: "listen", Args: []string{"--listen", "127.0.0.1:9800"}, Want: &Options{Listen: "127.0.0.1:9800"}},
		{Name: "listen without port", Args: []string{"--listen", "127.0.0.1"}, WantCode: 3, WantErr: `--listen "127.0.0.1": expected host:port`},
		{Name: "an argument", Args: []string{"x"}, WantCode: 3, WantErr: `unexpected argument "x"`},
	})
}
