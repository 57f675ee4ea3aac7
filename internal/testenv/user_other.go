//go:build !unix

package testenv

import "os/exec"

type osUser struct {
	name     string
	uid, gid int
}

func serverUser(...string) (*osUser, error) { return nil, nil }

func runAs(*exec.Cmd, *osUser) {}

func chownTree(string, *osUser) error { return nil }
