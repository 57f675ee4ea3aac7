// Command cloudbase is tcb under the official CLI's other name, so that
// `go install ./cmd/...` gives both, like the release archives.
package main

import (
	"os"

	"github.com/tcb-go/tcb/pkg/app"
)

func main() { os.Exit(app.Main()) }
