package storage_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/emulator"
	"github.com/tcb-go/tcb/pkg/emulator/cos"
	"github.com/tcb-go/tcb/pkg/emulator/wxapi"
	"github.com/tcb-go/tcb/pkg/storage"
)

// BenchmarkUploadTree uploads a tree shaped like the budget's (files of
// 1 KB to 400 KB, 200 KB on average; 100 of them here) to an in-process
// emulator, 16 at once as `tcb storage upload` does, client and emulator
// in one profile:
//
//	go test -run '^$' -bench UploadTree -cpuprofile /tmp/up.prof ./pkg/storage
func BenchmarkUploadTree(b *testing.B) {
	wx := wxapi.New(wxapi.Options{})
	emu := emulatortest.Start(b, emulatortest.Options{Options: emulator.Options{}}, wx, cos.New(cos.Options{Tokens: wx}))
	env := emu.NewEnv("bu")
	bk, err := storage.StorageBucket(emu.Ctx, emu.Client, env, "")
	if err != nil {
		b.Fatal(err)
	}
	c, err := storage.New(storage.Options{Credentials: storage.Credentials{SecretID: config.EmulatorSecretID, SecretKey: config.EmulatorSecretKey},
		Bucket: bk.Bucket, Region: bk.Region, Endpoint: emu.Endpoint(), Parallel: 16})
	if err != nil {
		b.Fatal(err)
	}
	src := b.TempDir()
	files := map[string][]byte{}
	var total int64
	for i := range 100 {
		n := 1024 + (i*7919)%400000
		files[fmt.Sprintf("d%d/f%d.bin", i%10, i)] = random(uint64(i), n)
		total += int64(n)
	}
	writeTree(b, src, files)
	ctx := context.Background()
	b.SetBytes(total)
	b.ResetTimer()
	for i := range b.N {
		plan, err := c.PlanUpload(ctx, src, fmt.Sprintf("run%d/", i), true)
		if err != nil {
			b.Fatal(err)
		}
		if bad := failed(c.UploadPlanned(ctx, plan, storage.UploadOptions{}, nil)); len(bad) > 0 {
			b.Fatal(bad)
		}
	}
}
