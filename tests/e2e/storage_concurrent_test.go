package e2e

import (
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// Two `tcb storage upload` processes of one key at once, by the same user
// (one config dir, so one resume state): multipart files (over the 16 MB
// threshold) and simple ones. Both finish, the key then holds one of the
// two files whole, and no multipart upload is left open.
func TestStorageConcurrentUploadsOfOneKey(t *testing.T) {
	t.Parallel()
	emu := startEmulatorProcess(t, "--latency", "10ms")
	c := newCLI(t, emu)
	env := c.createEnv("sameky")
	c.env = append(c.env, "TCB_ENV_ID="+env)
	dir := t.TempDir()
	write := func(name string, seed uint64, n int) []byte {
		r := rand.New(rand.NewPCG(seed, seed^0xabcdef))
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tc := range []struct {
		name string
		size int
	}{{"multipart", 20 << 20}, {"simple", 3 << 20}} {
		a := write(tc.name+"-a.bin", 1, tc.size)
		b := write(tc.name+"-b.bin", 2, tc.size+4096)
		key := "same/" + tc.name + ".bin"
		var wg sync.WaitGroup
		outs := make([][]byte, 2)
		errs := make([]error, 2)
		start := make(chan struct{})
		for i, f := range []string{tc.name + "-a.bin", tc.name + "-b.bin"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cmd := exec.Command(filepath.Join(BinDir(), "tcb"), "storage", "upload", filepath.Join(dir, f), key, "--force")
				cmd.Env = c.env
				<-start
				outs[i], errs[i] = cmd.CombinedOutput()
			}()
		}
		close(start)
		wg.Wait()
		for i := range errs {
			if errs[i] != nil {
				t.Errorf("%s: upload %d: %v\n%s", tc.name, i, errs[i], outs[i])
			}
		}
		local := filepath.Join(t.TempDir(), "back.bin")
		c.run("storage", "download", key, local)
		got, _ := os.ReadFile(local)
		if !bytes.Equal(got, a) && !bytes.Equal(got, b) {
			t.Errorf("%s: the key holds %d bytes that are neither upload whole", tc.name, len(got))
		}
		if st := stStateOf(t, emu); st.Storage.OpenUploads != 0 {
			t.Errorf("%s: %d multipart uploads left open", tc.name, st.Storage.OpenUploads)
		}
	}
}
