package get

import (
	"reflect"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/cmdtest"
	"github.com/tcb-go/tcb/pkg/cmd/token/shared"
)

func TestNewCmdGet(t *testing.T) {
	// want compares the options (the source by its flags) and whether
	// --store was given.
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
	const margin = 5 * time.Minute
	cmdtest.RunCases(t, "token", NewCmdGet, []cmdtest.Case[Options]{
		{Name: "defaults", Check: want(Options{Margin: margin}, false)},
		{Name: "app and store", Args: []string{"--appid", "wx0123456789abcdef", "--store", "redis://127.0.0.1:6379/0", "--refresh-margin", "1m"},
			Check: want(Options{Source: shared.Source{AppID: "wx0123456789abcdef", Store: "redis://127.0.0.1:6379/0"}, Margin: time.Minute}, true)},
		{Name: "server", Args: []string{"--server", "http://10.0.0.5:8081"}, Check: want(Options{Source: shared.Source{Server: "http://10.0.0.5:8081"}, Margin: margin}, false)},
		{Name: "legacy with a secret file", Args: []string{"--legacy", "--secret-file", "/run/secrets/wx"}, Check: want(Options{SecretFile: "/run/secrets/wx", Legacy: true, Margin: margin}, false)},
		{Name: "force refresh", Args: []string{"--force-refresh"}, Check: want(Options{ForceRefresh: true, Margin: margin}, false)},
		{Name: "server and store", Args: []string{"--server", "http://x", "--store", "file"}, WantCode: 3, WantErr: "--server and --store cannot be combined"},
		{Name: "margin too small", Args: []string{"--refresh-margin", "500ms"}, WantCode: 3, WantErr: "--refresh-margin must be between 1s and 1h"},
		{Name: "margin too large", Args: []string{"--refresh-margin", "2h"}, WantCode: 3, WantErr: "--refresh-margin must be between 1s and 1h"},
		{Name: "force refresh with legacy", Args: []string{"--force-refresh", "--legacy"}, WantCode: 3, WantErr: "--force-refresh uses stable_token; it cannot be combined with --legacy"},
		{Name: "an argument", Args: []string{"wx0123456789abcdef"}, WantCode: 3, WantErr: `unexpected argument "wx0123456789abcdef"`},
	})
}
