package acl

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdGetACL(t *testing.T) {
	cmdtest.RunCases(t, "storage", NewCmdGetACL, []cmdtest.Case[Options]{
		{Name: "plain", Want: &Options{}},
		{Name: "argument", Args: []string{"x"}, WantCode: 3},
	})
}

func TestNewCmdSetACL(t *testing.T) {
	cmdtest.RunCases(t, "storage", NewCmdSetACL, []cmdtest.Case[Options]{
		{Name: "tag", Args: []string{"PRIVATE"}, Want: &Options{ACL: "PRIVATE"}},
		{Name: "lower case", Args: []string{"adminonly"}, Want: &Options{ACL: "ADMINONLY"}},
		{Name: "prompt on a terminal", TTY: true, Want: &Options{}},
		{Name: "no tag without a terminal", WantCode: 3, WantErr: "storage set-acl: not running interactively"},
		{Name: "unknown tag", Args: []string{"EVERYONE"}, WantCode: 3, WantErr: `ACL "EVERYONE" is not one of READONLY, PRIVATE, ADMINWRITE, ADMINONLY`},
	})
}
