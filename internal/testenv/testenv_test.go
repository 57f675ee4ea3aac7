package testenv

import (
	"strings"
	"testing"
)

func TestStartRedisRestartStop(t *testing.T) {
	u, ctl := StartRedis(t)
	if !strings.HasPrefix(u, "redis://127.0.0.1:") || ping(ctl.Addr) != nil {
		t.Fatalf("not running: %s", u)
	}
	ctl.Stop()
	if ping(ctl.Addr) == nil || ctl.Running() {
		t.Fatal("still answering after Stop")
	}
	ctl.Restart()
	if err := ping(ctl.Addr); err != nil {
		t.Fatalf("not answering after Restart: %v", err)
	}
}
