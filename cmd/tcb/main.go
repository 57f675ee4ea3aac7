// Command tcb is the Tencent CloudBase CLI (also installed as cloudbase).
package main

import (
	"os"

	"github.com/tcb-go/tcb/pkg/app"
)

func main() { os.Exit(app.Main()) }
