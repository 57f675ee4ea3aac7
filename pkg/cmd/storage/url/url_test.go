package url

import (
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdURL(t *testing.T) {
	cmdtest.RunCases(t, "storage", NewCmdURL, []cmdtest.Case[Options]{
		{Name: "default age", Args: []string{"a.png"}, Want: &Options{Paths: []string{"a.png"}, MaxAge: time.Hour, maxAge: "3600"}},
		{Name: "seconds", Args: []string{"a", "b", "--max-age", "60"}, Want: &Options{Paths: []string{"a", "b"}, MaxAge: time.Minute, maxAge: "60"}},
		{Name: "duration", Args: []string{"a", "--max-age", "2h"}, Want: &Options{Paths: []string{"a"}, MaxAge: 2 * time.Hour, maxAge: "2h"}},
		{Name: "too long", Args: []string{"a", "--max-age", "30d"}, WantCode: 3, WantErr: "--max-age"},
		{Name: "zero", Args: []string{"a", "--max-age", "0"}, WantCode: 3, WantErr: "between 1s"},
		{Name: "none", WantCode: 3, WantErr: "which file?"},
		{Name: "hostile", Args: []string{"ok", "../x"}, WantCode: 3, WantErr: "'..'"},
	})
}
