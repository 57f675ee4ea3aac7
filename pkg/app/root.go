package app

import (
	"github.com/spf13/cobra"

	configcmd "github.com/tcb-go/tcb/pkg/cmd/config"
	dbcmd "github.com/tcb-go/tcb/pkg/cmd/db"
	emulatorcmd "github.com/tcb-go/tcb/pkg/cmd/emulator"
	envcmd "github.com/tcb-go/tcb/pkg/cmd/env"
	fncmd "github.com/tcb-go/tcb/pkg/cmd/fn"
	"github.com/tcb-go/tcb/pkg/cmd/login"
	"github.com/tcb-go/tcb/pkg/cmd/logout"
	"github.com/tcb-go/tcb/pkg/cmd/root"
	tokencmd "github.com/tcb-go/tcb/pkg/cmd/token"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/iostreams"
	"github.com/tcb-go/tcb/pkg/prompt"
)

// NewRoot assembles the whole command tree.
func NewRoot(f *cmdutil.Factory) *cobra.Command {
	return root.NewCmdRoot(f,
		login.NewCmdLogin(f, nil),
		logout.NewCmdLogout(f, nil),
		configcmd.NewCmdConfig(f),
		envcmd.NewCmdEnv(f),
		fncmd.NewCmdFn(f),
		dbcmd.NewCmdDB(f),
		emulatorcmd.NewCmdEmulator(f),
		tokencmd.NewCmdToken(f),
	)
}

// projectLoader reads the project config for env-id and region
// resolution.
func projectLoader(f *cmdutil.Factory) func() (*cmdutil.ProjectInfo, error) {
	return f.ProjectInfoFromConfig
}

// DocRoot is the command tree for documentation: a factory with empty
// streams, so nothing depends on the caller's terminal or environment.
func DocRoot() *cobra.Command {
	ios, _, _, _ := iostreams.Test()
	f := cmdutil.New("docs", ios)
	f.Getenv = func(string) string { return "" }
	f.Prompter = prompt.NoTTY{}
	root := NewRoot(f)
	root.DisableAutoGenTag = true
	root.InitDefaultCompletionCmd()
	return root
}
