//go:build !unix

package token

import "testing"

// testPausedHolder needs SIGSTOP and SIGCONT.
func testPausedHolder(t *testing.T, _ storeBackend, _ []string) { t.Skip("needs SIGSTOP") }
