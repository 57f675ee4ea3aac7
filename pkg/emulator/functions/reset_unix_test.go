//go:build unix

package functions

import (
	"context"
	"net/http"
	"strconv"
	"syscall"
	"testing"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/pkg/cloudapi"
)

const pidFn = `exports.main = async () => process.pid;`

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

func waitDead(t *testing.T, pid int) {
	t.Helper()
	emulatortest.Eventually(t, func() bool { return !alive(pid) }, "node process %d to exit", pid)
}

// Reset stops the instances and forgets everything; Close leaves no node
// process behind.
func TestResetAndCloseStopInstances(t *testing.T) {
	t.Parallel()
	h := start(t, "", Options{})
	ns := h.newEnv()
	h.create(ns, "pid", nodeFn(t, pidFn), nil)
	pid, err := strconv.Atoi(h.invoke(ns, "pid", `{}`).RetMsg)
	if err != nil || !alive(pid) {
		t.Fatalf("pid %d: %v", pid, err)
	}
	resp, err := http.Post(h.Endpoint()+"/_emulator/reset", "application/json", nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("reset: %v %v", resp, err)
	}
	resp.Body.Close()
	waitDead(t, pid)
	if st := stateOf(t, h); st.Count != 0 || st.Instances.Total != 0 || st.Invocations != 0 {
		t.Fatalf("state after reset: %+v", st)
	}
	if code := h.callErr("GetFunction", &cloudapi.GetFunctionRequest{Namespace: ns, FunctionName: "pid"}, &cloudapi.GetFunctionResponse{}); code != "ResourceNotFound.Namespace" {
		t.Fatalf("after reset: %q", code)
	}

	ns = h.newEnv()
	h.create(ns, "pid", nodeFn(t, pidFn), nil)
	pid2, _ := strconv.Atoi(h.invoke(ns, "pid", `{}`).RetMsg)
	if !alive(pid2) || pid2 == pid {
		t.Fatalf("pid after reset: %d", pid2)
	}
	if err := h.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitDead(t, pid2)
}
