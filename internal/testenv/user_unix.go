//go:build unix

package testenv

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// osUser is an account a server runs as.
type osUser struct {
	name     string
	uid, gid int
}

// serverUser is who runs a server that refuses root (PostgreSQL): nil
// (the current user) unless the tests run as root, then the first of
// names that exists. CI runs the suite as root on a fresh machine where
// the Debian package created the postgres account.
func serverUser(names ...string) (*osUser, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, n := range names {
		u, err := user.Lookup(n)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return &osUser{name: n, uid: uid, gid: gid}, nil
	}
	return nil, fmt.Errorf("running as root and none of the accounts %v exists to run the server as", names)
}

func runAs(cmd *exec.Cmd, u *osUser) {
	if u == nil {
		return
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(u.uid), Gid: uint32(u.gid)}
}

// chownTree gives dir and everything in it to u (nil: nothing to do).
func chownTree(dir string, u *osUser) error {
	if u == nil {
		return nil
	}
	return filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, u.uid, u.gid)
	})
}
