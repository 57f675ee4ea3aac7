//go:build !unix

package functions

import "os/exec"

// setProcessGroup is a no-op where process groups do not exist; the
// default cancellation kills npm itself.
func setProcessGroup(cmd *exec.Cmd) {}
