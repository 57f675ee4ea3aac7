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

// envsAPI answers DescribeEnvs with two environments, one with a Chinese
// alias; the times are China time without a zone, as the cloud writes them.
func envsAPI(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a := r.Header.Get("X-TC-Action"); a != "DescribeEnvs" {
			t.Errorf("unexpected action %q", a)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"Response":{"EnvList":[
			{"EnvId":"test-a1b2c3","Alias":"测试环境","PackageName":"个人版","Source":"qcloud","Status":"NORMAL","Region":"ap-shanghai","CreateTime":"2026-12-05 11:02:03"},
			{"EnvId":"demo-x9y8z7","Alias":"demo","PackageName":"Basic","Source":"miniapp","Status":"INITIALIZING","Region":"ap-guangzhou","CreateTime":"2026-01-01 00:30:00"}
		],"RequestId":"req-1"}}`))
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
	vars := map[string]string{"TCB_CONFIG_DIR": t.TempDir(), "TCB_EMULATOR_HOST": envsAPI(t), "TZ": tz}
	f.Getenv = func(k string) string { return vars[k] }
	f.Prompter = prompt.NoTTY{}
	f.Globals.UTC, f.Globals.JSON = utc, json
	if err := Run(context.Background(), &Options{F: f}); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestEnvListShowsTimesInTheLocalZone(t *testing.T) {
	got := iostreams.StripANSI(runList(t, "Europe/Berlin", true, false, false))
	want := "" +
		"ALIAS     ENVID        PACKAGE  SOURCE   STATUS        REGION        CREATETIME\n" +
		"测试环境  test-a1b2c3  个人版   qcloud   NORMAL        ap-shanghai   2026-12-05 04:02:03 CET\n" +
		"demo      demo-x9y8z7  Basic    miniapp  INITIALIZING  ap-guangzhou  2025-12-31 17:30:00 CET\n"
	if got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestEnvListUTC(t *testing.T) {
	got := iostreams.StripANSI(runList(t, "Asia/Shanghai", true, true, false))
	if !strings.Contains(got, "2026-12-05 03:02:03 UTC\n") || !strings.Contains(got, "2025-12-31 16:30:00 UTC\n") {
		t.Fatalf("--utc:\n%s", got)
	}
}

func TestEnvListPipedIsRFC3339(t *testing.T) {
	got := runList(t, "Asia/Shanghai", false, false, false)
	want := "测试环境\ttest-a1b2c3\t个人版\tqcloud\tNORMAL\tap-shanghai\t2026-12-05T11:02:03+08:00\n" +
		"demo\tdemo-x9y8z7\tBasic\tminiapp\tINITIALIZING\tap-guangzhou\t2026-01-01T00:30:00+08:00\n"
	if got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

// --json keeps the API's own strings.
func TestEnvListJSONKeepsTheAPIsTimes(t *testing.T) {
	got := runList(t, "Europe/Berlin", true, true, true)
	if !strings.Contains(got, `"CreateTime": "2026-12-05 11:02:03"`) {
		t.Fatalf("--json changed the time:\n%s", got)
	}
}
