package status

import (
	"reflect"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/cmdtest"
	"github.com/tcb-go/tcb/pkg/cmd/token/shared"
)

func TestNewCmdStatus(t *testing.T) {
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
	cmdtest.RunCases(t, "token", NewCmdStatus, []cmdtest.Case[Options]{
		{Name: "defaults", Check: want(Options{Margin: 5 * time.Minute}, false)},
		{Name: "store and margin", Args: []string{"--appid", "wx0123456789abcdef", "--store", "redis://127.0.0.1:6379/0", "--refresh-margin", "30s"},
			Check: want(Options{Source: shared.Source{AppID: "wx0123456789abcdef", Store: "redis://127.0.0.1:6379/0"}, Margin: 30 * time.Second}, true)},
		{Name: "server", Args: []string{"--server", "http://10.0.0.5:8081"}, Check: want(Options{Source: shared.Source{Server: "http://10.0.0.5:8081"}, Margin: 5 * time.Minute}, false)},
		{Name: "server and store", Args: []string{"--server", "http://x", "--store", "file"}, WantCode: 3, WantErr: "--server and --store cannot be combined"},
		{Name: "bad margin", Args: []string{"--refresh-margin", "soon"}, WantCode: 3, WantErr: `invalid argument "soon" for "--refresh-margin"`},
		{Name: "an argument", Args: []string{"x"}, WantCode: 3, WantErr: `unexpected argument "x"`},
	})
}
