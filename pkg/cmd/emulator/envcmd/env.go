// Package envcmd implements `tcb emulator env`.
package envcmd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/emulator"
	"github.com/tcb-go/tcb/pkg/emulator/discovery"
)

// Options of emulator env.
type Options struct {
	F      *cmdutil.Factory
	Listen string
	Unset  bool
}

// NewCmdEnv builds `tcb emulator env`.
func NewCmdEnv(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "env",
		Short: "Print shell export lines that point tcb (and SDKs) at the emulator",
		Long: heredoc.Doc(`
			Print export lines for a POSIX shell: TCB_EMULATOR_HOST, the development
			TENCENTCLOUD_SECRETID/SECRETKEY, and the emulator's demo WeChat app
			(TCB_WX_APPID/TCB_WX_SECRET). --json prints the same as an object.

			Without --listen, the address is the running emulator's (see tcb emulator
			status); with several running, the one TCB_EMULATOR_HOST names, else pass
			--listen. With none running it is TCB_EMULATOR_HOST, else 127.0.0.1:9800.

			--unset prints the unset line that undoes the exports, so the development
			keys do not linger once you go back to the real cloud (tcb refuses to send
			them there anyway).
		`),
		Example: heredoc.Doc(`
			$ eval "$(tcb emulator env)"
			$ eval "$(tcb emulator env --listen 127.0.0.1:9900)"
			$ eval "$(tcb emulator env --unset)"
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Unset && cmd.Flags().Changed("listen") {
				return cmdutil.FlagErrorf("--unset and --listen are mutually exclusive")
			}
			if cmd.Flags().Changed("listen") && !validListen(opts.Listen) {
				return cmdutil.FlagErrorf("--listen %q: expected host:port of a running emulator", opts.Listen)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Listen, "listen", "", "the emulator's address (default: the running emulator's, else "+emulator.DefaultListen+")")
	cmd.Flags().BoolVar(&opts.Unset, "unset", false, "print the line that removes the variables instead")
	return cmd
}

// validListen accepts host:port with a numeric port 1-65535 and a host that
// is an IP address or a DNS name. The value is printed unquoted for `eval`,
// so anything else (";", "$(...)", spaces) must never get through.
func validListen(listen string) bool {
	host, port, err := net.SplitHostPort(listen)
	if err != nil || host == "" {
		return false
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 || strconv.Itoa(p) != port {
		return false
	}
	if net.ParseIP(host) != nil {
		return true
	}
	return validHostname(host)
}

// validHostname accepts DNS names: dot-separated labels of 1-63 letters,
// digits and inner hyphens.
func validHostname(host string) bool {
	if len(host) > 253 {
		return false
	}
	for _, label := range strings.Split(host, ".") {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// Vars returns the variables, in print order.
func Vars(listen string) [][2]string {
	return [][2]string{
		{"TCB_EMULATOR_HOST", listen},
		{"TENCENTCLOUD_SECRETID", config.EmulatorSecretID},
		{"TENCENTCLOUD_SECRETKEY", config.EmulatorSecretKey},
		{"TCB_WX_APPID", config.EmulatorWxAppID},
		{"TCB_WX_SECRET", config.EmulatorWxSecret},
	}
}

// Run prints the lines.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	if opts.Unset {
		return printUnset(f)
	}
	listen := opts.Listen
	if listen == "" {
		var err error
		if listen, err = discover(ctx, f); err != nil {
			return err
		}
	}
	vars := Vars(listen)
	if f.WantsJSON() {
		m := map[string]string{}
		for _, kv := range vars {
			m[kv[0]] = kv[1]
		}
		return cmdutil.PrintJSON(f.IOStreams.Out, m, f.Globals.JQ)
	}
	for _, kv := range vars {
		if _, err := fmt.Fprintf(f.IOStreams.Out, "export %s=%s\n", kv[0], kv[1]); err != nil {
			return err
		}
	}
	return nil
}

// discover finds the address of the running emulator.
func discover(ctx context.Context, f *cmdutil.Factory) (string, error) {
	var live []discovery.Instance
	if dir, err := config.Dir(f.Getenv); err == nil {
		live, _, _ = discovery.Scan(ctx, discovery.UserDir(dir))
	}
	in, err := discovery.Choose(live, "", f.EmulatorHost())
	var amb *discovery.AmbiguousError
	switch {
	case err == nil:
		addr := discovery.ClientAddr(in.Listen)
		if !validListen(addr) {
			return "", cmdutil.LocalErrorf("the emulator record %s holds an unusable address", in.Path)
		}
		return addr, nil
	case errors.As(err, &amb):
		return "", cmdutil.FlagErrorf("%v: pick one with --listen", err).
			WithHint("for example: eval \"$(tcb emulator env --listen %s)\"", amb.Instances[0].Listen)
	}
	addr := emulator.DefaultListen
	if h := discovery.HostPort(f.EmulatorHost()); h != "" && validListen(h) {
		addr = h
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "note: no running emulator found; printing %s (start one with `tcb emulator start --detach`)\n", addr)
	return addr, nil
}

// printUnset prints the line that removes every variable Vars sets.
func printUnset(f *cmdutil.Factory) error {
	vars := Vars("")
	names := make([]string, len(vars))
	for i, kv := range vars {
		names[i] = kv[0]
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, map[string][]string{"unset": names}, f.Globals.JQ)
	}
	_, err := fmt.Fprintf(f.IOStreams.Out, "unset %s\n", strings.Join(names, " "))
	return err
}
