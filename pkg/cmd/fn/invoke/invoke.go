// Package invoke implements `tcb fn invoke`.
package invoke

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/cmd/fn/shared"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// Options of fn invoke.
type Options struct {
	F      *cmdutil.Factory
	Name   string
	Params string
	Async  bool
	Via    string
	// Qualifier is the version or alias to run ("" = $LATEST).
	Qualifier string

	// Simulated mini-program caller (emulator only).
	OpenID, AppID, UnionID string
}

const usage = "which function? tcb fn invoke NAME"

// NewCmdInvoke builds `tcb fn invoke`.
func NewCmdInvoke(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "invoke <name>",
		Short: "Invoke a function and print what it returns",
		Long: heredoc.Doc(`
			Invoke a function synchronously. The return value goes to stdout; the log tail,
			duration, billed time, memory and request id go to stderr. --json prints the
			API's Result object. A function that throws, times out or crashes exits with
			code 1. --via wechat calls the WeChat CloudBase HTTP API (invokecloudfunction)
			instead, with the access_token of the configured WeChat app; it prints only
			the return value (resp_data).

			The event is --params (JSON text, or @file.json), else the function's "params"
			in cloudbaserc.json, else {}. On a terminal without --params (and without
			--yes), tcb asks: the project's params, an event written in $EDITOR (checked
			to be JSON before anything is sent), or {}. Without NAME on a terminal, tcb
			offers the environment's functions.

			Against the emulator, --openid simulates a mini-program user's call: the
			function's getWXContext() reports that OPENID, the APPID of --appid (default:
			the configured WeChat app) and --unionid, with SOURCE wx_client, and every
			function it calls with callFunction sees the same user (SOURCE wx_client,scf).
			Without it, an API invocation carries no user, and --via wechat carries the
			calling app's APPID with SOURCE wx_http, as on the platform.
		`),
		Example: heredoc.Doc(`
			$ tcb fn invoke hello --params '{"name":"tcb"}'
			$ tcb fn invoke hello --params @event.json --json
			$ tcb fn invoke nightly --async
			$ tcb fn invoke todo --params '{"$url":"list"}' --openid oUser123
		`),
		Args: cmdutil.ArgsOrPrompt(f, 1, 1, usage),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Name = args[0]
			}
			if opts.Via != "api" && opts.Via != "wechat" {
				return cmdutil.FlagErrorf("--via must be api or wechat")
			}
			if opts.Via == "wechat" && opts.Async {
				return cmdutil.FlagErrorf("--async needs --via api")
			}
			if opts.Via == "wechat" && opts.Qualifier != "" {
				return cmdutil.FlagErrorf("--qualifier needs --via api (invokecloudfunction always goes through $DEFAULT)")
			}
			if opts.OpenID == "" && (opts.AppID != "" || opts.UnionID != "") {
				return cmdutil.FlagErrorf("--appid and --unionid describe the user of --openid: give --openid too")
			}
			if opts.OpenID != "" {
				if opts.Via == "wechat" {
					return cmdutil.FlagErrorf("--openid simulates a mini-program call; --via wechat is a server's call, which has no user")
				}
				if f.EmulatorHost() == "" && f.Globals.Endpoint == "" {
					return cmdutil.FlagErrorf("--openid works only against the emulator (TCB_EMULATOR_HOST or --endpoint): the cloud's Invoke cannot act as a mini-program user")
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Params, "params", "", "event as JSON, or @file.json")
	cmd.Flags().BoolVar(&opts.Async, "async", false, "invoke asynchronously (InvocationType Event): print only the request id")
	cmd.Flags().StringVar(&opts.Qualifier, "qualifier", "", "version or alias to run: 3, $LATEST (the default), $DEFAULT (follows tcb fn config-route)")
	cmd.Flags().StringVar(&opts.Via, "via", "api", "api (Tencent Cloud API Invoke) or wechat (CloudBase HTTP API invokecloudfunction, 5 s limit)")
	cmd.Flags().StringVar(&opts.OpenID, "openid", "", "emulator: invoke as this mini-program user (getWXContext().OPENID)")
	cmd.Flags().StringVar(&opts.AppID, "appid", "", "emulator: the user's mini-program AppID (default: the configured WeChat app)")
	cmd.Flags().StringVar(&opts.UnionID, "unionid", "", "emulator: the user's UNIONID")
	return cmd
}

// Run invokes.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	if opts.Name == "" {
		name, err := shared.ChooseFunction(ctx, f, usage)
		if err != nil {
			return err
		}
		opts.Name = name
	}
	var def json.RawMessage
	if cfg, _, err := shared.ConfiguredFunction(f, opts.Name, "params"); err != nil {
		return err
	} else if cfg != nil {
		def = cfg.Params
	}
	var event []byte
	var err error
	if opts.Params == "" && f.IOStreams.CanPrompt() && !f.Globals.Yes {
		event, err = shared.AskEvent(f, opts.Name, def)
	} else {
		event, err = shared.ReadParams(opts.Params, def)
	}
	if err != nil {
		return err
	}
	if opts.Via == "wechat" {
		return viaWeChat(ctx, f, opts.Name, event)
	}
	client, envID, err := f.CloudTarget()
	if err != nil {
		return err
	}
	req := &cloudapi.InvokeRequest{FunctionName: opts.Name, Namespace: envID, ClientContext: string(event), LogType: "Tail", Qualifier: opts.Qualifier}
	if opts.Async {
		req.InvocationType, req.LogType = "Event", ""
	}
	var caller *cloudapi.WxCaller
	if opts.OpenID != "" {
		caller = &cloudapi.WxCaller{OpenID: opts.OpenID, AppID: opts.AppID, UnionID: opts.UnionID}
		if caller.AppID == "" {
			if c, err := f.Credentials(); err == nil {
				caller.AppID = c.WxAppID
			}
		}
	}
	var resp *cloudapi.InvokeResponse
	err = f.IOStreams.RunWithProgress("Invoking "+opts.Name, func() error {
		resp, err = client.InvokeAs(ctx, req, 310*time.Second, caller)
		return err
	})
	if err != nil {
		return fmt.Errorf("fn invoke %s: %w", opts.Name, err)
	}
	r := resp.Result
	return Print(f, opts.Name, &r, opts.Async)
}

// Print shows an invocation result (shared with `tcb fn run`) and returns
// exit 1 for a failed invocation.
func Print(f *cmdutil.Factory, name string, r *cloudapi.Result, async bool) error {
	return PrintResult(f, name, r, PrintOptions{Async: async})
}

// PrintOptions adjust PrintResult.
type PrintOptions struct {
	// Async: only the request id is known.
	Async bool
	// LogStreamed: r.Log was already written to stderr as it happened (fn
	// run), so it is not shown again; it still tells whether the stack
	// trace was part of it.
	LogStreamed bool
}

// PrintResult shows an invocation result: the return value on stdout; the
// log, the figures and, for a failure, the stack trace on stderr. The stack
// is shown once: not again when the log already holds it (an uncaught
// exception, or one the function logged itself). A failed invocation
// returns exit 1 with SCF's message.
func PrintResult(f *cmdutil.Factory, name string, r *cloudapi.Result, o PrintOptions) error {
	ios := f.IOStreams
	if f.WantsJSON() {
		if err := cmdutil.PrintJSON(ios.Out, r, f.Globals.JQ); err != nil {
			return err
		}
		if r.InvokeResult != 0 {
			return cmdutil.SilentExit{Code: cmdutil.ExitError}
		}
		return nil
	}
	cs := ios.ColorScheme()
	if o.Async {
		fmt.Fprintln(ios.Out, r.FunctionRequestId)
		return nil
	}
	if r.InvokeResult == 0 {
		fmt.Fprintln(ios.Out, formatValue(r.RetMsg, ios.IsStdoutTTY()))
	}
	if !o.LogStreamed && strings.TrimSpace(r.Log) != "" {
		fmt.Fprintln(ios.ErrOut, cs.Gray("--- log ---"))
		fmt.Fprint(ios.ErrOut, r.Log)
		if !strings.HasSuffix(r.Log, "\n") {
			fmt.Fprintln(ios.ErrOut)
		}
		fmt.Fprintln(ios.ErrOut, cs.Gray("-----------"))
	}
	fmt.Fprintf(ios.ErrOut, "RequestId %s · Duration %.2f ms · Billed %d ms · Memory %s\n",
		r.FunctionRequestId, r.Duration, r.BillDuration, shared.FormatMem(r.MemUsage))
	if r.InvokeResult == 0 {
		return nil
	}
	msg, stack := describeFailure(r.ErrMsg)
	if stack != "" && !StackInLog(stack, r.Log) {
		fmt.Fprintln(ios.ErrOut, cs.Gray(strings.TrimRight(stack, "\n")))
	}
	return cmdutil.Errorf("function %s failed: %s", name, msg)
}

// Failure is SCF's error JSON: the ErrMsg of a failed invocation, and the
// RetMsg of its log record.
//
//	{"errorCode":-1,"errorMessage":"kaboom","requestId":"...","stackTrace":"Error: kaboom\n    at ...","statusCode":430}
type Failure struct {
	ErrorCode    any    `json:"errorCode"`
	ErrorMessage string `json:"errorMessage"`
	StackTrace   string `json:"stackTrace"`
	StatusCode   int    `json:"statusCode"`
}

// ParseFailure reads SCF's error JSON; ok is false for anything else.
func ParseFailure(s string) (e Failure, ok bool) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "{") || json.Unmarshal([]byte(s), &e) != nil || e.ErrorMessage == "" {
		return Failure{}, false
	}
	return e, true
}

// failureKinds names SCF's failure status codes.
var failureKinds = map[int]string{430: "user code exception", 433: "timed out", 434: "out of memory", 437: "handler not found", 439: "process exited", 407: "response too large"}

// Summary is the message on one line with what kind of failure it was:
// "kaboom (user code exception, status 430)".
func (e Failure) Summary() string {
	msg := oneLine(e.ErrorMessage)
	if kind := failureKinds[e.StatusCode]; kind != "" {
		return fmt.Sprintf("%s (%s, status %d)", msg, kind, e.StatusCode)
	}
	if e.StatusCode != 0 {
		return fmt.Sprintf("%s (status %d)", msg, e.StatusCode)
	}
	return msg
}

// describeFailure extracts the one-line message and the stack from SCF's
// error JSON.
func describeFailure(errMsg string) (string, string) {
	e, ok := ParseFailure(errMsg)
	if !ok {
		if strings.TrimSpace(errMsg) == "" {
			return "unknown error", ""
		}
		return oneLine(errMsg), ""
	}
	return e.Summary(), e.StackTrace
}

// StackInLog reports whether log already shows stack: the runtime logs an
// uncaught exception itself, and functions often console.error their own.
// The first stack frame is what is compared, since the logged copy may
// carry more frames (the runtime's) than SCF's stackTrace.
func StackInLog(stack, log string) bool {
	stack = strings.TrimSpace(stack)
	if stack == "" || log == "" {
		return false
	}
	for _, l := range strings.Split(stack, "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "at ") {
			return strings.Contains(log, l)
		}
	}
	return strings.Contains(log, stack)
}

// oneLine joins a multi-line message into one line, so the error stays the
// single "error: ..." line.
func oneLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.Join(lines, " ")
}

func formatValue(ret string, tty bool) string {
	if !tty {
		return ret
	}
	var buf bytes.Buffer
	if json.Indent(&buf, []byte(ret), "", "  ") == nil {
		return buf.String()
	}
	return ret
}
