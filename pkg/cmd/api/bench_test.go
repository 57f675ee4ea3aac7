package api

import (
	"context"
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
	"github.com/tcb-go/tcb/internal/emulatortest"
)

// BenchmarkAPIOverhead compares `tcb api tcb DescribeEnvs` run in process
// (flag parsing, body checks, the Factory's client, the call, the JSON
// printed) with the bare signed call through pkg/cloudapi, against one
// in-process emulator: the command's own cost, without process startup
// (scripts/bench-api.sh measures whole processes).
func BenchmarkAPIOverhead(b *testing.B) {
	emu := emulatortest.Start(b, emulatortest.Options{})
	emu.NewEnv("bench")
	b.Run("bare-call", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := emu.Client.CallVersion(context.Background(), "tcb", "2018-06-08", "DescribeEnvs", []byte("{}")); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("tcb-api", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			e := cmdtest.New(b).Setenv("TCB_EMULATOR_HOST", emu.Addr())
			e.Out.Reset()
			if err := e.Run("", NewCmdAPI(e.F, nil), "tcb", "DescribeEnvs", "--jq", ".EnvList[0].EnvId"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
