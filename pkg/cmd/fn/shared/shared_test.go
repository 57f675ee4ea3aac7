package shared

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/iostreams"
)

func TestNodeNotice(t *testing.T) {
	node := "v20.20.2"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/_emulator/state" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(`{"functions":{"node":"` + node + `"}}`))
	}))
	defer srv.Close()
	ios, _, _, _ := iostreams.Test()
	f := cmdutil.New("test", ios)
	vars := map[string]string{"TCB_EMULATOR_HOST": strings.TrimPrefix(srv.URL, "http://")}
	f.Getenv = func(k string) string { return vars[k] }
	ctx := context.Background()

	got := NodeNotice(ctx, f, []string{"Nodejs22.21", "Nodejs18.15", "Nodejs22.21"})
	if !strings.Contains(got, "runs Nodejs22.21 functions with its node v20.20.2") || strings.Contains(got, "18.15") {
		t.Errorf("notice: %q", got)
	}
	if got := NodeNotice(ctx, f, []string{"Nodejs18.15", "Python3.9"}); got != "" {
		t.Errorf("no newer runtime, yet: %q", got)
	}
	node = "v22.12.0"
	if got := NodeNotice(ctx, f, []string{"Nodejs22.21"}); got != "" {
		t.Errorf("same major, yet: %q", got)
	}
	vars["TCB_EMULATOR_HOST"] = ""
	if got := NodeNotice(ctx, f, []string{"Nodejs22.21"}); got != "" {
		t.Errorf("not the emulator, yet: %q", got)
	}
}
