// Package run implements `tcb fn run`: run a function locally in Node with
// the same runtime the emulator uses, no cloud involved.
package run

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/cmd/fn/invoke"
	"github.com/tcb-go/tcb/pkg/cmd/fn/shared"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/fndeploy"
	"github.com/tcb-go/tcb/pkg/fnrun"
	"github.com/tcb-go/tcb/pkg/project"
)

// Options of fn run.
type Options struct {
	F       *cmdutil.Factory
	Name    string
	Path    string
	Params  string
	Handler string
	Timeout int
	Inspect string
}

// NewCmdRun builds `tcb fn run`.
func NewCmdRun(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run a function locally in Node (no cloud)",
		Long: heredoc.Doc(`
			Run a function once in a local node process with the runtime the emulator
			uses: exports.main(event, context), SCF-like context and environment, the
			configured environment variables, and your credentials as
			TENCENTCLOUD_SECRETID/SECRETKEY so server SDKs work. Logs stream to stderr as
			they happen; the return value goes to stdout.

			--name uses the function's entry in cloudbaserc.json; --path runs a directory
			with defaults.
		`),
		Example: heredoc.Doc(`
			$ tcb fn run --name hello --params '{"a":1}'
			$ tcb fn run --path ./functions/hello --params @event.json
			$ tcb fn run --name hello --inspect 9229
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if (opts.Name == "") == (opts.Path == "") {
				return cmdutil.FlagErrorf("give --name or --path")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Name, "name", "", "function from the project config")
	fl.StringVar(&opts.Path, "path", "", "function directory to run with defaults")
	fl.StringVar(&opts.Params, "params", "", "event as JSON, or @file.json")
	fl.StringVar(&opts.Handler, "handler", "", "handler (default: config or index.main)")
	fl.IntVar(&opts.Timeout, "timeout", 0, "timeout in seconds (default: config or 3)")
	fl.StringVar(&opts.Inspect, "inspect", "", "start node with --inspect-brk on this port and wait for a debugger")
	return cmd
}

// Run runs the function.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	var fn project.Function
	if opts.Name != "" {
		p, err := f.ProjectConfig()
		if err != nil {
			return err
		}
		if fn, _, err = fndeploy.Function(p, opts.Name); err != nil {
			return err
		}
	} else {
		dir, err := shared.AbsDir(opts.Path)
		if err != nil {
			return err
		}
		fn = project.DefaultFunction(filepath.Base(dir), dir)
	}
	if opts.Handler != "" {
		fn.Handler = opts.Handler
	}
	if opts.Timeout != 0 {
		fn.Timeout = opts.Timeout
	}
	fn = fn.WithDefaults()
	if !fnrun.IsNodeRuntime(fn.Runtime) {
		return cmdutil.FlagErrorf("fn run runs Node.js functions only; %s uses %s", fn.Name, fn.Runtime)
	}
	event, err := shared.ReadParams(opts.Params, fn.Params)
	if err != nil {
		return err
	}
	node, err := fnrun.LookNode("")
	if err != nil {
		return cmdutil.LocalErrorf("fn run needs node: %v", err).WithHint("install Node.js and make sure `node` is on PATH")
	}
	missingDeps := depsMissing(fn.Dir)
	if len(missingDeps) > 0 {
		fmt.Fprintf(f.IOStreams.ErrOut, "%s %s needs %s, which are not installed there: run `npm install` in %s\n",
			f.IOStreams.ColorScheme().Yellow("note:"), fn.Name, strings.Join(missingDeps, ", "), fn.Dir)
	}
	envID, _ := f.EnvID()
	ropts := fnrun.RunOptions{NodePath: node}
	ropts.LogWriter = f.IOStreams.ErrOut
	if creds, err := f.Credentials(); err == nil && creds.HasCloudKeys() {
		ropts.Credentials = &fnrun.Credentials{SecretID: creds.SecretID, SecretKey: creds.SecretKey, SessionToken: creds.SessionToken}
	}
	timeout := time.Duration(fn.Timeout) * time.Second
	if opts.Inspect != "" {
		ropts.NodeArgs = []string{"--inspect-brk=127.0.0.1:" + opts.Inspect}
		ropts.StartTimeout = time.Hour
		timeout = time.Hour
	}
	res, err := fnrun.RunOnce(ctx, fnrun.Function{
		Name: fn.Name, Namespace: envID, Handler: fn.Handler, Runtime: fn.Runtime, CodeDir: fn.Dir,
		Timeout: timeout, MemoryMB: fn.MemorySize, Env: fn.EnvVariables,
	}, event, ropts)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return err
		}
		return cmdutil.Errorf("fn run %s: %v", fn.Name, err)
	}
	r := &cloudapi.Result{RetMsg: res.RetMsg, ErrMsg: res.ErrMsg, Duration: res.Duration, BillDuration: res.BillDuration,
		MemUsage: res.MemUsage, FunctionRequestId: res.RequestID, InvokeResult: int64(res.InvokeResult)}
	// The log was streamed to stderr as it happened; only --json repeats it,
	// and the stack trace is not shown a second time when it was in it.
	r.Log = res.Log
	err = invoke.PrintResult(f, fn.Name, r, invoke.PrintOptions{LogStreamed: true})
	var ce *cmdutil.Error
	if errors.As(err, &ce) && strings.Contains(r.ErrMsg, "Cannot find module") && len(missingDeps) > 0 {
		return ce.WithHint("install the dependencies first: (cd %s && npm install)", fn.Dir)
	}
	return err
}

// depsMissing lists the dependencies of dir's package.json that no
// node_modules directory from dir upwards holds (Node's own lookup).
func depsMissing(dir string) []string {
	b, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return nil
	}
	var pkg struct {
		Dependencies map[string]any `json:"dependencies"`
	}
	if json.Unmarshal(b, &pkg) != nil {
		return nil
	}
	var missing []string
	for name := range pkg.Dependencies {
		found := false
		for d := dir; ; {
			if fi, err := os.Stat(filepath.Join(d, "node_modules", filepath.FromSlash(name))); err == nil && fi.IsDir() {
				found = true
				break
			}
			parent := filepath.Dir(d)
			if parent == d {
				break
			}
			d = parent
		}
		if !found {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	return missing
}
