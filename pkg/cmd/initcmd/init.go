// Package initcmd implements `tcb init`: lay out a new project from one
// of the templates embedded in tcb (pkg/projinit).
package initcmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/project"
	"github.com/tcb-go/tcb/pkg/projinit"
	"github.com/tcb-go/tcb/pkg/token"
)

// Options of tcb init.
type Options struct {
	F        *cmdutil.Factory
	Dir      string
	Template string
	AppID    string
	Runtime  string
	Force    bool
}

// NewCmdInit builds `tcb init`.
func NewCmdInit(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "init [dir]",
		Short: "Start a project from a template",
		Long: heredoc.Docf(`
			Write a new project into DIR (default: the current directory) from a template
			built into tcb:

			  miniprogram    a WeChat mini program in the DevTools layout: project.config.json
			                 with cloudfunctionRoot, a miniprogram/ stub, and
			                 cloudfunctions/hello using wx-server-sdk and tcb-router
			  cloudbaserc    a cloudbaserc.json project with a Node.js function in functions/
			  token-server   a deployment of tcb token serve: apps.json, the AppSecret file
			                 and a bearer keys file (both 0600), a systemd unit and a Dockerfile

			On a terminal tcb asks for what the flags do not say: the template, the
			environment (a select of the account's environments when logged in), the
			runtime and the WeChat AppID. --yes takes the defaults instead. Without a
			terminal, --template is required (and --appid for token-server).

			The AppSecret of token-server comes from TCB_WX_SECRET, else a hidden prompt;
			without either, the appsecret file holds a placeholder to replace.

			Existing files are never overwritten without asking: identical files are left
			alone, and for a file that differs tcb asks (default: keep it). Without a
			terminal, differing files make tcb stop (exit 3) before writing anything,
			unless --force. Everything is asked before anything is written, so Ctrl-C
			leaves the directory as it was.

			The generated project deploys as it is: %[1]stcb fn deploy --all%[1]s.
		`, "`"),
		Example: heredoc.Doc(`
			$ tcb init
			$ tcb init my-app --template cloudbaserc -e my-env-1a2b3c --yes
			$ tcb init shop --template miniprogram --appid wx0123456789abcdef -e shop-4d5e6f
			$ TCB_WX_SECRET=... tcb init token --template token-server --appid wx0123456789abcdef --yes
		`),
		Args: cmdutil.MaxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = "."
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			if opts.Template != "" {
				if _, ok := projinit.Lookup(opts.Template); !ok {
					return cmdutil.FlagErrorf("--template %q: want one of %s", opts.Template, strings.Join(projinit.Names(), ", "))
				}
			} else if !f.IOStreams.CanPrompt() {
				return cmdutil.NoTTYError("init: which template?", "--template ("+strings.Join(projinit.Names(), ", ")+")")
			}
			if opts.Runtime != "" {
				r, ok := project.NormalizeRuntime(opts.Runtime)
				if !ok || !project.IsNodeRuntime(r) {
					return cmdutil.FlagErrorf("--runtime %q: want a Node.js runtime such as %s", opts.Runtime, projinit.DefaultRuntime)
				}
				opts.Runtime = r
			}
			if opts.AppID != "" {
				if err := token.ValidAppID(opts.AppID); err != nil {
					return cmdutil.FlagErrorf("--appid: %v", err)
				}
			}
			if e := strings.TrimSpace(f.Globals.EnvID); e != "" {
				if err := config.ValidateEnvID(e); err != nil {
					return cmdutil.FlagErrorf("--env-id: %v", err)
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Template, "template", "t", "", "template: "+strings.Join(projinit.Names(), ", "))
	fl.StringVar(&opts.AppID, "appid", "", "WeChat mini program AppID (miniprogram, token-server)")
	fl.StringVar(&opts.Runtime, "runtime", "", "Node.js runtime of the functions (cloudbaserc; default "+projinit.DefaultRuntime+")")
	fl.BoolVar(&opts.Force, "force", false, "overwrite files that differ without asking")
	return cmd
}

// Run asks, plans, checks and writes.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	ios := f.IOStreams
	ask := ios.CanPrompt() && !f.Globals.Yes
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return cmdutil.LocalErrorf("%s: %v", opts.Dir, err)
	}
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return cmdutil.LocalErrorf("%s is not a directory", opts.Dir)
	}

	name := opts.Template
	if name == "" {
		options := make([]string, len(projinit.Templates))
		rows := make([][]string, len(projinit.Templates))
		for i, t := range projinit.Templates {
			rows[i] = []string{t.Name, t.Summary}
		}
		copy(options, cmdutil.Columns(rows))
		i, err := f.Choose("Template", "--template", options, 0)
		if err != nil {
			return err
		}
		name = projinit.Templates[i].Name
	}
	tmpl, _ := projinit.Lookup(name)

	a := projinit.Answers{Name: filepath.Base(dir), Runtime: opts.Runtime, AppID: opts.AppID, Region: f.Globals.Region}
	if a.Region != "" {
		if a.Region, err = config.NormalizeRegion(a.Region); err != nil {
			return cmdutil.FlagErrorf("--region: %v", err)
		}
	}
	a.EnvID = strings.TrimSpace(f.Globals.EnvID)
	if a.EnvID == "" && ask && name != "token-server" {
		if a.EnvID, err = askEnv(ctx, f); err != nil {
			return err
		}
	}
	if tmpl.NeedsRuntime && a.Runtime == "" {
		a.Runtime = projinit.DefaultRuntime
		if ask {
			var node []string
			def := 0
			for _, r := range project.Runtimes {
				if project.IsNodeRuntime(r) {
					if r == projinit.DefaultRuntime {
						def = len(node)
					}
					node = append(node, r)
				}
			}
			i, err := f.Prompter.Select("Runtime", node, def)
			if err != nil {
				return err
			}
			a.Runtime = node[i]
		}
	}
	if tmpl.NeedsAppID && a.AppID == "" {
		if a.AppID, err = askAppID(f, tmpl, ask); err != nil {
			return err
		}
	}
	if tmpl.NeedsSecret {
		a.AppSecret = strings.TrimSpace(f.Getenv("TCB_WX_SECRET"))
		if a.AppSecret == "" && ask {
			if a.AppSecret, err = f.Prompter.Password(fmt.Sprintf("AppSecret of %s (empty: fill in appsecret later)", a.AppID)); err != nil {
				return err
			}
		}
	}

	files, err := projinit.Plan(name, a)
	if err != nil {
		return err
	}
	states, err := projinit.Check(dir, files)
	if err != nil {
		return cmdutil.LocalErrorf("%v", err)
	}
	skip := map[string]bool{}
	var differ []string
	for i, st := range states {
		switch st {
		case projinit.Blocked:
			return cmdutil.LocalErrorf("cannot write %s: something else than a file is in the way", filepath.Join(opts.Dir, files[i].Path))
		case projinit.Same:
			skip[files[i].Path] = true
		case projinit.Different:
			differ = append(differ, files[i].Path)
		}
	}
	overwritten := map[string]bool{}
	if len(differ) > 0 && !opts.Force {
		if !ios.CanPrompt() {
			return cmdutil.NoTTYError(fmt.Sprintf("init: %s exist(s) and differ(s) from the template", strings.Join(differ, ", ")), "--force to overwrite")
		}
		for _, p := range differ {
			ok, err := f.Prompter.Confirm(fmt.Sprintf("%s exists and differs. Overwrite it?", p), false)
			if err != nil {
				return err
			}
			if !ok {
				skip[p] = true
			}
		}
	}
	for _, p := range differ {
		if !skip[p] {
			overwritten[p] = true
		}
	}

	written, err := projinit.Write(dir, files, skip)
	if err != nil {
		return cmdutil.LocalErrorf("init: writing %s: %v (written so far: %v)", opts.Dir, err, written)
	}
	type fileResult struct {
		Path   string `json:"path"`
		Action string `json:"action"` // created, overwritten, unchanged, kept
	}
	var results []fileResult
	for i, fl := range files {
		act := "created"
		switch {
		case states[i] == projinit.Same:
			act = "unchanged"
		case overwritten[fl.Path]:
			act = "overwritten"
		case skip[fl.Path]:
			act = "kept"
		}
		results = append(results, fileResult{fl.Path, act})
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(ios.Out, map[string]any{"template": name, "dir": dir, "env_id": a.EnvID, "files": results}, f.Globals.JQ)
	}
	cs := ios.ErrColorScheme()
	for _, r := range results {
		fmt.Fprintf(ios.ErrOut, "  %-11s %s\n", r.Action, r.Path)
	}
	fmt.Fprintf(ios.ErrOut, "%s %s project in %s\n", cs.SuccessIcon(), name, opts.Dir)
	if name == "token-server" && a.AppSecret == "" {
		fmt.Fprintf(ios.ErrOut, "%s appsecret holds a placeholder: write the AppSecret of %s into it\n", cs.WarningIcon(), a.AppID)
	}
	fmt.Fprintln(ios.ErrOut, "Next:")
	if opts.Dir != "." {
		fmt.Fprintf(ios.ErrOut, "  cd %s\n", opts.Dir)
	}
	switch name {
	case "token-server":
		fmt.Fprintln(ios.ErrOut, "  tcb token serve --apps apps.json --auth-key-file keys")
	case "miniprogram":
		if a.EnvID != "" {
			fmt.Fprintf(ios.ErrOut, "  tcb env use %s\n", a.EnvID)
		} else {
			fmt.Fprintln(ios.ErrOut, "  tcb env use ENV_ID")
		}
		fmt.Fprintln(ios.ErrOut, "  tcb fn deploy --all")
		fmt.Fprintln(ios.ErrOut, `  tcb fn invoke hello --params '{"$url":"hello"}'`)
	default:
		fmt.Fprintln(ios.ErrOut, "  tcb fn deploy --all")
		fmt.Fprintln(ios.ErrOut, "  tcb fn invoke hello")
	}
	return nil
}

// askEnv offers the account's environments when logged in, else asks for
// an id; empty means "decide later".
func askEnv(ctx context.Context, f *cmdutil.Factory) (string, error) {
	var envs []cloudapi.EnvInfo
	if client, err := f.CloudAPI(); err == nil {
		_ = f.IOStreams.RunWithProgress("Listing environments", func() error {
			envs, err = client.DescribeEnvs(ctx)
			return err
		})
	}
	if err := ctx.Err(); err != nil {
		// Ctrl-C while listing: stop (exit 130), not fall back to typing.
		return "", err
	}
	if len(envs) == 0 {
		for {
			v, err := f.Prompter.Input("Environment id (empty: decide later)", "")
			if err != nil {
				return "", err
			}
			v = strings.TrimSpace(v)
			if v == "" {
				return "", nil
			}
			if err := config.ValidateEnvID(v); err != nil {
				fmt.Fprintf(f.IOStreams.ErrOut, "%s %v\n", f.IOStreams.ErrColorScheme().WarningIcon(), err)
				continue
			}
			return v, nil
		}
	}
	options := append([]string{"(none: decide later)"}, cmdutil.EnvOptions(envs)...)
	i, err := f.Prompter.Select("Environment", options, 1)
	if err != nil || i == 0 {
		return "", err
	}
	return envs[i-1].EnvId, nil
}

// askAppID asks for the WeChat AppID, or takes the default: the
// profile's app, else DevTools' tourist AppID for a mini program; a
// token server needs a real one.
func askAppID(f *cmdutil.Factory, t projinit.Template, ask bool) (string, error) {
	def := ""
	if c, err := f.Credentials(); err == nil && c.WxAppID != "" && c.WxAppID != config.EmulatorWxAppID {
		def = c.WxAppID
	}
	if !t.AppIDRequired && def == "" {
		def = projinit.TouristAppID
	}
	if !ask {
		if def == "" {
			return "", cmdutil.NoTTYError("init: the "+t.Name+" template needs a WeChat AppID", "--appid")
		}
		return def, nil
	}
	for {
		v, err := f.Prompter.Input("WeChat AppID", def)
		if err != nil {
			return "", err
		}
		v = strings.TrimSpace(v)
		if v == "" {
			fmt.Fprintf(f.IOStreams.ErrOut, "%s the %s template needs an AppID\n", f.IOStreams.ErrColorScheme().WarningIcon(), t.Name)
			continue
		}
		if err := token.ValidAppID(v); err != nil {
			fmt.Fprintf(f.IOStreams.ErrOut, "%s %v\n", f.IOStreams.ErrColorScheme().WarningIcon(), err)
			continue
		}
		return v, nil
	}
}
