package list

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/iostreams"
	"github.com/tcb-go/tcb/pkg/prompt"
)

// functionsAPI answers ListFunctions with China-time strings, as SCF does.
func functionsAPI(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a := r.Header.Get("X-TC-Action"); a != "ListFunctions" {
			t.Errorf("unexpected action %q", a)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"Response":{"Functions":[
			{"FunctionName":"hello","Runtime":"Nodejs18.15","Status":"Active","AddTime":"2026-12-05 11:02:03","ModTime":"2026-12-06 08:00:00"},
			{"FunctionName":"订单通知","Runtime":"Nodejs16.13","Status":"UpdateFailed","AddTime":"2026-07-01 12:00:00","ModTime":"2026-07-01 12:00:00"}
		],"TotalCount":2,"RequestId":"req-1"}}`))
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func runList(t *testing.T, tz string, tty, utc, json bool) string {
	t.Helper()
	if _, err := time.LoadLocation(tz); err != nil {
		t.Skipf("no tz data for %s", tz)
	}
	ios, _, out, _ := iostreams.Test()
	ios.SetStdoutTTY(tty)
	ios.SetColorEnabled(tty)
	f := cmdutil.New("test", ios)
	vars := map[string]string{"TCB_CONFIG_DIR": t.TempDir(), "TCB_EMULATOR_HOST": functionsAPI(t), "TCB_ENV_ID": "demo-a1b2c3", "TZ": tz}
	f.Getenv = func(k string) string { return vars[k] }
	f.Prompter = prompt.NoTTY{}
	f.Globals.UTC, f.Globals.JSON = utc, json
	if err := Run(context.Background(), &Options{F: f}); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestFnListShowsTimesInTheLocalZoneAligned(t *testing.T) {
	out := runList(t, "America/New_York", true, false, false)
	if !strings.Contains(out, "\x1b[31mUpdateFailed\x1b[0m") {
		t.Errorf("status not colored: %q", out)
	}
	got := iostreams.StripANSI(out)
	want := "" +
		"NAME      RUNTIME      STATUS        CREATED                  MODIFIED\n" +
		"hello     Nodejs18.15  Active        2026-12-04 22:02:03 EST  2026-12-05 19:00:00 EST\n" +
		"订单通知  Nodejs16.13  UpdateFailed  2026-07-01 00:00:00 EDT  2026-07-01 00:00:00 EDT\n"
	if got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestFnListUTCAndPiped(t *testing.T) {
	got := runList(t, "Asia/Shanghai", false, true, false)
	want := "hello\tNodejs18.15\tActive\t2026-12-05T03:02:03Z\t2026-12-06T00:00:00Z\n" +
		"订单通知\tNodejs16.13\tUpdateFailed\t2026-07-01T04:00:00Z\t2026-07-01T04:00:00Z\n"
	if got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

func TestFnListJSONKeepsTheAPIsTimes(t *testing.T) {
	got := runList(t, "America/New_York", false, false, true)
	if !strings.Contains(got, `"AddTime": "2026-12-05 11:02:03"`) || !strings.Contains(got, `"ModTime": "2026-12-06 08:00:00"`) {
		t.Fatalf("--json changed the times:\n%s", got)
	}
}
