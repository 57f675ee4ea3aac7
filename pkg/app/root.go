package app

import (
	"github.com/spf13/cobra"

	apicmd "github.com/tcb-go/tcb/pkg/cmd/api"
	configcmd "github.com/tcb-go/tcb/pkg/cmd/config"
	dbcmd "github.com/tcb-go/tcb/pkg/cmd/db"
	emulatorcmd "github.com/tcb-go/tcb/pkg/cmd/emulator"
	envcmd "github.com/tcb-go/tcb/pkg/cmd/env"
	fncmd "github.com/tcb-go/tcb/pkg/cmd/fn"
	hostingcmd "github.com/tcb-go/tcb/pkg/cmd/hosting"
	"github.com/tcb-go/tcb/pkg/cmd/initcmd"
	"github.com/tcb-go/tcb/pkg/cmd/login"
	"github.com/tcb-go/tcb/pkg/cmd/logout"
	logscmd "github.com/tcb-go/tcb/pkg/cmd/logs"
	"github.com/tcb-go/tcb/pkg/cmd/root"
	servicecmd "github.com/tcb-go/tcb/pkg/cmd/service"
	storagecmd "github.com/tcb-go/tcb/pkg/cmd/storage"
	tokencmd "github.com/tcb-go/tcb/pkg/cmd/token"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/iostreams"
	"github.com/tcb-go/tcb/pkg/prompt"
)

// groups are the command groups below the root, with the names (and
// aliases) they are called by; TestGroupNames holds the names to the
// commands.
var groups = []struct {
	names []string
	build func(*cmdutil.Factory) *cobra.Command
}{
	{[]string{"login"}, func(f *cmdutil.Factory) *cobra.Command { return login.NewCmdLogin(f, nil) }},
	{[]string{"logout"}, func(f *cmdutil.Factory) *cobra.Command { return logout.NewCmdLogout(f, nil) }},
	{[]string{"init"}, func(f *cmdutil.Factory) *cobra.Command { return initcmd.NewCmdInit(f, nil) }},
	{[]string{"config"}, configcmd.NewCmdConfig},
	{[]string{"env"}, envcmd.NewCmdEnv},
	{[]string{"fn", "functions"}, fncmd.NewCmdFn},
	{[]string{"db"}, dbcmd.NewCmdDB},
	{[]string{"storage"}, storagecmd.NewCmdStorage},
	{[]string{"hosting"}, hostingcmd.NewCmdHosting},
	{[]string{"service"}, servicecmd.NewCmdService},
	{[]string{"emulator"}, emulatorcmd.NewCmdEmulator},
	{[]string{"token"}, tokencmd.NewCmdToken},
	{[]string{"api"}, func(f *cmdutil.Factory) *cobra.Command { return apicmd.NewCmdAPI(f, nil) }},
	{[]string{"logs"}, logscmd.NewCmdLogs},
}

// NewRoot assembles the whole command tree.
func NewRoot(f *cmdutil.Factory) *cobra.Command {
	return withGroups(root.NewCmdRoot(f), f, func(string) bool { return true })
}

// withGroups adds to the root the groups whose name want accepts.
func withGroups(cmd *cobra.Command, f *cmdutil.Factory, want func(name string) bool) *cobra.Command {
	for _, g := range groups {
		if want(g.names[0]) {
			cmd.AddCommand(g.build(f))
		}
	}
	rejectUnknownSubcommands(cmd)
	return cmd
}

// rejectUnknownSubcommands makes the root and every command group fail
// with exit 3 on an unknown subcommand, all with the same message and
// suggestions (root.UnknownCommandError). Cobra checks subcommand names only
// at the root, in its own words: a group without Run prints its help and
// exits 0 for any argument, so a typo such as `tcb env delet ID --yes` would
// pass silently in a CI script. A group run without arguments still prints
// its help.
func rejectUnknownSubcommands(c *cobra.Command) {
	for _, sub := range c.Commands() {
		rejectUnknownSubcommands(sub)
	}
	if !c.HasSubCommands() || c.Runnable() {
		return
	}
	c.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		return root.UnknownCommandError(cmd, args[0])
	}
	c.RunE = func(cmd *cobra.Command, args []string) error { return cmd.Help() }
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
