package create

import (
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdCreate(t *testing.T) {
	cmdtest.RunCases(t, "env", NewCmdCreate, []cmdtest.Case[Options]{
		{Name: "alias", Args: []string{"demo"}, Want: &Options{Alias: "demo", Timeout: 5 * time.Minute}},
		{Name: "every flag", Args: []string{"shop-1", "--package", "baas_pf_standard", "--no-wait", "--timeout", "90s", "--use"},
			Want: &Options{Alias: "shop-1", PackageID: "baas_pf_standard", NoWait: true, Timeout: 90 * time.Second, Use: true}},
		{Name: "no alias on a terminal is asked for", TTY: true, Want: &Options{Timeout: 5 * time.Minute}},
		{Name: "no alias without a terminal", WantCode: 3, WantErr: "env create: not running interactively, pass an alias argument"},
		{Name: "alias starting with a digit", Args: []string{"1demo"}, WantCode: 3, WantErr: "must start with a lowercase letter"},
		{Name: "alias ending with a dash", Args: []string{"demo-"}, WantCode: 3, WantErr: "must not end with '-'"},
		{Name: "alias too long", Args: []string{"abcdefghijklmnopqrstu"}, WantCode: 3, WantErr: "the limit is 20"},
		{Name: "zero timeout", Args: []string{"demo", "--timeout", "0s"}, WantCode: 3, WantErr: "--timeout must be positive"},
		{Name: "bad timeout", Args: []string{"demo", "--timeout", "soon"}, WantCode: 3, WantErr: `invalid argument "soon" for "--timeout"`},
		{Name: "two aliases", Args: []string{"a", "b"}, WantCode: 3, WantErr: "too many arguments"},
	})
}
