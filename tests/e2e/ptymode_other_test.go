//go:build !linux

package e2e

import "os"

// ptyRaw cannot tell the terminal's mode here: keys are sent as soon as
// the prompt shows.
func ptyRaw(*os.File) bool { return true }
