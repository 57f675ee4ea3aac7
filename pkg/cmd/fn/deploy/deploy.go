// Package deploy implements `tcb fn deploy`.
package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/cmd/fn/shared"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/fndeploy"
	"github.com/tcb-go/tcb/pkg/funcpack"
	"github.com/tcb-go/tcb/pkg/project"
)

// Options of fn deploy.
type Options struct {
	F        *cmdutil.Factory
	Names    []string
	Dir      string
	All      bool
	Force    bool
	DryRun   bool
	Parallel int
	Timeout  time.Duration

	Runtime           string
	Handler           string
	FnTimeout         int
	Memory            int
	Env               []string
	InstallDependency string
	HTTPFn            bool
	Path              string
	changed           func(string) bool
}

// NewCmdDeploy builds `tcb fn deploy`.
func NewCmdDeploy(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "deploy [name...]",
		Short: "Deploy functions: create or update, wait for Active, config, triggers",
		Long: heredoc.Doc(`
			Package each function directory (deterministic zip: the same tree always gives
			the same SHA-256) and deploy it: create it, or update an existing one — on a
			terminal tcb asks first; without one, --force is required. Each async step
			waits for the function to be Active. The code upload is skipped when the
			deployed code's CodeSha256 equals the local package's; the configuration is
			updated only when it differs; timer triggers from the config are created (or
			replaced when their schedule changed).

			Zips up to about 7.5 MB are sent inline in the API request; larger ones, up to
			the platform's 50 MB, are uploaded through COS first, as the official CLI does
			(scf GetTempCosInfo signs one PUT to SCF's temporary code bucket; the upload
			shows its bytes on a terminal). A package over 50 MB is refused before anything
			is uploaded.

			Functions come from cloudbaserc.json (functions[], functionDefaultConfig,
			{{env.X}} placeholders, .env files), package.json "cloudbase", or a WeChat
			project.config.json (cloudfunctionRoot). A name not in the config deploys
			./functions/NAME (or --dir) with defaults. --all deploys every configured
			function with --parallel workers and ends with a summary; any failure makes
			the exit code non-zero. Without names on a terminal, tcb offers the project's
			functions, all picked to begin with (space unpicks one); --all or --yes
			answer it, and off a terminal one of them is required.

			--path (or "path" in the config) binds an HTTP access path to the function
			after the deploy (tcb service create). --httpFn (or "type": "HTTP") deploys a
			web function: its scf_bootstrap starts the code's own web server (koa,
			express, ...), which must listen on $PORT (9000 on SCF).
		`),
		Example: heredoc.Doc(`
			$ tcb fn deploy hello
			$ tcb fn deploy --all --force
			$ tcb fn deploy hello --dir ./src/hello --runtime Nodejs18.15 --env LEVEL=debug --force
			$ tcb fn deploy --all --dry-run
			$ tcb fn deploy api --path /api           # then: curl $URL/api
			$ tcb fn deploy koa-app --httpFn --path /koa
		`),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Names = args
			opts.changed = cmd.Flags().Changed
			if opts.All && len(args) > 0 {
				return cmdutil.FlagErrorf("give function names or --all, not both")
			}
			if opts.Path != "" && len(args) != 1 {
				return cmdutil.FlagErrorf("--path binds one function: give exactly one name")
			}
			if opts.Dir != "" && len(args) != 1 {
				return cmdutil.FlagErrorf("--dir deploys one function: give exactly one name")
			}
			if opts.Parallel < 1 || opts.Parallel > 20 {
				return cmdutil.FlagErrorf("--parallel must be between 1 and 20")
			}
			switch opts.InstallDependency {
			case "", "true", "false":
			default:
				return cmdutil.FlagErrorf("--install-dependency must be true or false")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Dir, "dir", "", "function directory (for one function)")
	fl.BoolVar(&opts.All, "all", false, "deploy every function in the project config")
	fl.BoolVar(&opts.Force, "force", false, "update existing functions without asking")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "package and compare, but change nothing")
	fl.IntVar(&opts.Parallel, "parallel", 5, "functions deployed at the same time")
	fl.DurationVar(&opts.Timeout, "wait-timeout", 5*time.Minute, "how long to wait for each step to become Active")
	fl.StringVar(&opts.Runtime, "runtime", "", "runtime, e.g. Nodejs18.15 (overrides the config)")
	fl.StringVar(&opts.Handler, "handler", "", "handler, e.g. index.main (overrides the config)")
	fl.IntVar(&opts.FnTimeout, "timeout", 0, "function timeout in seconds, 1-900 (overrides the config)")
	fl.IntVar(&opts.Memory, "memory", 0, "memory in MB: 64, or 128-3072 in steps of 128 (overrides the config)")
	fl.StringArrayVar(&opts.Env, "env", nil, "environment variable KEY=VALUE, repeatable (merged over the config)")
	fl.StringVar(&opts.InstallDependency, "install-dependency", "", "install npm dependencies in the cloud: true or false")
	fl.BoolVar(&opts.HTTPFn, "httpFn", false, "deploy a web function (Type HTTP): scf_bootstrap starts its own server on $PORT")
	fl.StringVar(&opts.Path, "path", "", "HTTP access path serving the function, e.g. /api (tcb service)")
	return cmd
}

// Run deploys.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	ios := f.IOStreams
	specs, err := resolveSpecs(opts)
	if err != nil {
		return err
	}
	client, envID, err := f.CloudTarget()
	if err != nil {
		return err
	}

	reporter := newReporter(f, len(specs))
	d := &fndeploy.Deployer{API: client, Namespace: envID, WaitTimeout: opts.Timeout, DryRun: opts.DryRun}
	switch {
	case opts.Force:
		d.ConfirmUpdate = func(string) (bool, error) { return true, nil }
	case ios.CanPrompt() && !opts.DryRun:
		// Ask once, before any spinner starts, about every function that
		// exists already.
		approved, err := confirmUpdates(ctx, f, client, envID, specs)
		if err != nil {
			return err
		}
		d.ConfirmUpdate = func(name string) (bool, error) {
			ok, asked := approved[name]
			if !asked {
				return false, fmt.Errorf("function %s was created by someone else during this deploy; run it again to update it", name)
			}
			return ok, nil
		}
	}
	d.Events = reporter.event
	d.Progress = reporter.progress
	d.COS = fndeploy.CodeUpload{Endpoint: f.Endpoint(), Progress: reporter.upload}
	results := d.DeployAll(ctx, specs, opts.Parallel)
	reporter.stop()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	runtimes := make([]string, len(specs))
	for i, sp := range specs {
		runtimes[i] = sp.Runtime
	}
	if note := shared.NodeNotice(ctx, f, runtimes); note != "" {
		fmt.Fprintf(ios.ErrOut, "%s %s\n", ios.ColorScheme().Yellow("note:"), note)
	}
	return report(f, results, opts)
}

// confirmUpdates finds which of specs exist already and asks one question
// about all of them; the answer is recorded per existing function.
func confirmUpdates(ctx context.Context, f *cmdutil.Factory, client *cloudapi.Client, envID string, specs []fndeploy.Spec) (map[string]bool, error) {
	exists := make([]bool, len(specs))
	errs := make([]error, len(specs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	err := f.IOStreams.RunWithProgress("Checking which functions exist", func() error {
		for i, sp := range specs {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				_, err := client.GetFunction(ctx, envID, sp.Name)
				var nf *cloudapi.NotFoundError
				switch {
				case err == nil:
					exists[i] = true
				case !errors.As(err, &nf):
					errs[i] = err
				}
			}()
		}
		wg.Wait()
		return errors.Join(errs...)
	})
	if err != nil {
		return nil, fmt.Errorf("fn deploy: %w", err)
	}
	var names []string
	for i, sp := range specs {
		if exists[i] {
			names = append(names, sp.Name)
		}
	}
	approved := map[string]bool{}
	if len(names) == 0 {
		return approved, nil
	}
	q := fmt.Sprintf("Function %s already exists in %s. Update it?", names[0], envID)
	if len(names) > 1 {
		q = fmt.Sprintf("%d functions already exist in %s (%s). Update them?", len(names), envID, strings.Join(names, ", "))
	}
	ok, err := f.Prompter.Confirm(q, true)
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		approved[n] = ok
	}
	return approved, nil
}

// resolveSpecs decides which functions to deploy and with what settings.
func resolveSpecs(opts *Options) ([]fndeploy.Spec, error) {
	f := opts.F
	p, err := f.ProjectConfig()
	if err != nil {
		return nil, err
	}
	names := opts.Names
	if len(names) == 0 {
		if p == nil || len(p.Functions) == 0 {
			if p == nil {
				return nil, cmdutil.LocalErrorf("no function to deploy: no cloudbaserc.json, package.json \"cloudbase\" or project.config.json here").
					WithHint("name a function (tcb fn deploy NAME [--dir DIR]) or run in a project directory")
			}
			return nil, cmdutil.LocalErrorf("%s configures no functions", p.ConfigPath).WithHint("add functions[] or name one: tcb fn deploy NAME --dir DIR")
		}
		// All of them: an entry hidden by an unresolved placeholder
		// must not be skipped silently.
		if err := p.Resolved("functions", "functionDefaultConfig"); err != nil {
			return nil, err
		}
		if !opts.All && !f.Globals.Yes {
			if !f.IOStreams.CanPrompt() {
				return nil, cmdutil.NoTTYError("fn deploy", "--all (or function names)")
			}
			all := shared.Names(p)
			pre := make([]int, len(all))
			for i := range all {
				pre[i] = i
			}
			picked, err := f.Prompter.MultiSelect(fmt.Sprintf("Functions of %s to deploy (space toggles, enter deploys)", p.ConfigPath), all, pre)
			if err != nil {
				return nil, err
			}
			if len(picked) == 0 {
				return nil, cmdutil.Errorf("fn deploy: no function picked, nothing deployed")
			}
			for _, i := range picked {
				names = append(names, all[i])
			}
		} else {
			names = shared.Names(p)
		}
	}
	overrides, err := overridesOf(opts)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var specs []fndeploy.Spec
	for _, name := range names {
		if seen[name] {
			continue
		}
		seen[name] = true
		fn, _, err := fndeploy.Function(p, name)
		if err != nil {
			return nil, err
		}
		spec, err := fndeploy.NewSpec(fn, overrides)
		if err != nil {
			return nil, cmdutil.WithCode(cmdutil.ExitInput, fmt.Errorf("function %s: %w", name, err))
		}
		specs = append(specs, spec)
	}
	return specs, nil
}

// overridesOf reads the flags that override the project config.
func overridesOf(opts *Options) (fndeploy.Overrides, error) {
	env, err := shared.ParseEnvFlags(opts.Env)
	if err != nil {
		return fndeploy.Overrides{}, err
	}
	o := fndeploy.Overrides{Handler: opts.Handler, Timeout: opts.FnTimeout, MemorySize: opts.Memory, Env: env, HTTPFn: opts.HTTPFn, Path: opts.Path}
	if opts.Runtime != "" {
		r, ok := project.NormalizeRuntime(opts.Runtime)
		if !ok {
			return fndeploy.Overrides{}, cmdutil.FlagErrorf("--runtime %q is not a known runtime (e.g. %s)", opts.Runtime, strings.Join(project.Runtimes[:4], ", "))
		}
		o.Runtime = r
	}
	if opts.Dir != "" {
		dir, err := shared.AbsDir(opts.Dir)
		if err != nil {
			return fndeploy.Overrides{}, err
		}
		o.Dir = dir
	}
	if opts.InstallDependency != "" {
		b := opts.InstallDependency == "true"
		o.InstallDependency = &b
	}
	return o, nil
}

// report prints the outcome and decides the exit code.
func report(f *cmdutil.Factory, results []fndeploy.Result, opts *Options) error {
	ios := f.IOStreams
	failed := 0
	var firstErr error
	for _, r := range results {
		if r.Err != nil {
			failed++
			if firstErr == nil {
				firstErr = r.Err
			}
		}
	}
	if f.WantsJSON() {
		if err := cmdutil.PrintJSON(ios.Out, results, f.Globals.JQ); err != nil {
			return err
		}
	} else if !(len(results) == 1 && failed == 1) { // a single failure is said once, by the error

		cs := ios.ColorScheme()
		t := cmdutil.NewTable(ios, "Function", "Result", "Code", "Config", "Triggers", "Time", "Error")
		for _, r := range results {
			result := string(r.Action)
			if opts.DryRun && r.Err == nil {
				result = "would " + result
			}
			if r.Err != nil {
				result = "failed"
				if ios.IsStdoutTTY() {
					result = cs.Red(result)
				}
			}
			code := "unchanged"
			switch {
			case r.CodeUploaded && opts.DryRun:
				code = "would upload " + funcpack.FormatSize(r.ZipSize)
			case r.CodeUploaded:
				code = "uploaded " + funcpack.FormatSize(r.ZipSize)
			}
			cfg := "unchanged"
			switch {
			case r.ConfigUpdated && opts.DryRun:
				cfg = "would update"
			case r.ConfigUpdated:
				cfg = "updated"
			}
			if r.Err != nil {
				code, cfg = "-", "-"
			}
			t.Row(r.Name, result, code, cfg, strings.Join(r.Triggers, ","), r.Duration.Round(10*time.Millisecond).String(), errText(r.Err))
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	if failed == 0 {
		if !f.WantsJSON() && ios.IsStderrTTY() && !opts.DryRun {
			fmt.Fprintf(ios.ErrOut, "%s Deployed %d function(s)\n", ios.ColorScheme().SuccessIcon(), len(results))
		}
		return nil
	}
	if len(results) == 1 {
		if errors.Is(firstErr, fndeploy.ErrNeedsConfirmation) {
			return cmdutil.NoTTYError(fmt.Sprintf("fn deploy: function %s already exists", results[0].Name), "--force to update it")
		}
		return fmt.Errorf("deploy %s: %w", results[0].Name, firstErr)
	}
	for _, r := range results {
		if errors.Is(r.Err, fndeploy.ErrNeedsConfirmation) {
			return cmdutil.NoTTYError(fmt.Sprintf("fn deploy: %d of %d functions failed; some already exist", failed, len(results)), "--force to update them")
		}
	}
	return cmdutil.Errorf("fn deploy: %d of %d functions failed", failed, len(results))
}

// errText is an error as one table cell: its first line, at most 120
// characters (the whole error goes to stderr at the end).
func errText(err error) string {
	if err == nil {
		return ""
	}
	s, _, _ := strings.Cut(err.Error(), "\n")
	if r := []rune(s); len(r) > 120 {
		s = string(r[:119]) + "…"
	}
	return s
}

// reporter turns deploy events into a spinner (terminal) or plain lines.
type reporter struct {
	f     *cmdutil.Factory
	total int
	mu    sync.Mutex
	done  int
	last  map[string]string
	// uploads in flight: when each started and the last quarter said
	// off a terminal
	upStart   map[string]time.Time
	upQuarter map[string]int64
}

func newReporter(f *cmdutil.Factory, total int) *reporter {
	return &reporter{f: f, total: total, last: map[string]string{}, upStart: map[string]time.Time{}, upQuarter: map[string]int64{}}
}

func (r *reporter) event(e fndeploy.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ios := r.f.IOStreams
	if e.Step == "done" || e.Step == "failed" {
		r.done++
	}
	if e.Step == "failed" {
		e.Message = "failed" // why is said once, at the end
	}
	if e.Step == "warning" { // said on its own line, also on a terminal
		ios.StopProgressIndicator()
		fmt.Fprintf(ios.ErrOut, "%s %s: %s\n", ios.ColorScheme().WarningIcon(), e.Function, e.Message)
		return
	}
	if !ios.ProgressEnabled() {
		if e.Step == "wait" && r.last[e.Function] == e.Message {
			return
		}
		r.last[e.Function] = e.Message
		fmt.Fprintf(ios.ErrOut, "%s: %s\n", e.Function, e.Message)
		return
	}
	ios.StartProgressIndicator(fmt.Sprintf("[%d/%d] %s: %s", r.done, r.total, e.Function, e.Message))
}

// progress shows packaging progress of large trees on a terminal.
func (r *reporter) progress(name string, done, total int64) {
	if total < 8<<20 || !r.f.IOStreams.ProgressEnabled() {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.f.IOStreams.StartProgressIndicator(fmt.Sprintf("[%d/%d] %s: packaging %3.0f%% of %s", r.done, r.total, name,
		100*float64(done)/float64(total), funcpack.FormatSize(total)))
}

// upload shows the bytes of a COS upload: a live line on a terminal, a
// plain line at each quarter off it (the deployer says when it starts and
// ends).
func (r *reporter) upload(name string, done, total int64) {
	if total <= 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	start, ok := r.upStart[name]
	if !ok {
		start = time.Now()
		r.upStart[name] = start
	}
	ios := r.f.IOStreams
	if !ios.ProgressEnabled() {
		q := done * 4 / total
		if q > r.upQuarter[name] && q < 4 {
			r.upQuarter[name] = q
			fmt.Fprintf(ios.ErrOut, "%s: uploaded %s of %s\n", name, funcpack.FormatSize(done), funcpack.FormatSize(total))
		}
		return
	}
	rate := ""
	if el := time.Since(start); el > 200*time.Millisecond {
		rate = fmt.Sprintf(", %s/s", funcpack.FormatSize(int64(float64(done)/el.Seconds())))
	}
	ios.StartProgressIndicator(fmt.Sprintf("[%d/%d] %s: uploading %3.0f%% of %s%s", r.done, r.total, name,
		100*float64(done)/float64(total), funcpack.FormatSize(total), rate))
}

func (r *reporter) stop() { r.f.IOStreams.StopProgressIndicator() }
