package refresh

import (
	"reflect"
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
	"github.com/tcb-go/tcb/pkg/cmd/token/shared"
)

func TestNewCmdRefresh(t *testing.T) {
	want := func(w Options, storeSet bool) func(*testing.T, *Options) {
		return func(t *testing.T, o *Options) {
			if o.StoreSet() != storeSet {
				t.Errorf("--store given: %v, want %v", o.StoreSet(), storeSet)
			}
			got := cmdtest.Comparable(o)
			got.Source = shared.Source{AppID: o.AppID, Server: o.Server, Store: o.Store}
			if !reflect.DeepEqual(got, w) {
				t.Errorf("options\n got: %+v\nwant: %+v", got, w)
			}
		}
	}
	cmdtest.RunCases(t, "token", NewCmdRefresh, []cmdtest.Case[Options]{
		{Name: "re-check", Check: want(Options{}, false)},
		{Name: "stale", Args: []string{"--stale", "TOKEN-1", "--appid", "wx0123456789abcdef"},
			Check: want(Options{Source: shared.Source{AppID: "wx0123456789abcdef"}, Stale: "TOKEN-1"}, false)},
		{Name: "force", Args: []string{"--force", "--yes", "--store", "file", "--secret-file", "-"},
			Check: want(Options{Source: shared.Source{Store: "file"}, Force: true, SecretFile: "-"}, true)},
		{Name: "legacy through a server", Args: []string{"--legacy", "--server", "http://10.0.0.5:8081"},
			Check: want(Options{Source: shared.Source{Server: "http://10.0.0.5:8081"}, Legacy: true}, false)},
		{Name: "force and stale", Args: []string{"--force", "--stale", "T"}, WantCode: 3, WantErr: "--force and --stale cannot be combined"},
		{Name: "force and legacy", Args: []string{"--force", "--legacy"}, WantCode: 3, WantErr: "--force uses stable_token; it cannot be combined with --legacy"},
		{Name: "empty stale", Args: []string{"--stale", ""}, WantCode: 3, WantErr: "--stale needs the token that failed"},
		{Name: "server and store", Args: []string{"--server", "http://x", "--store", "file"}, WantCode: 3, WantErr: "--server and --store cannot be combined"},
		{Name: "an argument", Args: []string{"TOKEN"}, WantCode: 3, WantErr: `unexpected argument "TOKEN"`},
	})
}
