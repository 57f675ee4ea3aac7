// Command gen-docs writes the command reference under docs/commands from
// tcb's cobra tree:
//
//	go run ./cmd/gen-docs [-out docs/commands]
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/tcb-go/tcb/internal/docgen"
	"github.com/tcb-go/tcb/pkg/app"
)

func main() {
	out := flag.String("out", "docs/commands", "output directory")
	flag.Parse()
	if err := docgen.Write(app.DocRoot(), *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen-docs:", err)
		os.Exit(1)
	}
}
