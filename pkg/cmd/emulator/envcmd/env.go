// Package envcmd implements `tcb emulator env`.
package envcmd

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"strconv"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/emulator"
)

// Options of emulator env.
type Options struct {
	F      *cmdutil.Factory
	Listen string
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
		`),
		Example:     "$ eval \"$(tcb emulator env)\"\n$ eval \"$(tcb emulator env --listen 127.0.0.1:9900)\"",
		Args:        cmdutil.NoArgs,
		Annotations: map[string]string{"skipAuth": "true"},
		RunE: func(cmd *cobra.Command, args []string) error {
			if !validListen(opts.Listen) {
				return cmdutil.FlagErrorf("--listen %q: expected host:port of a running emulator", opts.Listen)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Listen, "listen", emulator.DefaultListen, "the emulator's address")
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
	return hostnamePattern.MatchString(host)
}

var hostnamePattern = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$`)

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
	vars := Vars(opts.Listen)
	if opts.F.WantsJSON() {
		m := map[string]string{}
		for _, kv := range vars {
			m[kv[0]] = kv[1]
		}
		return cmdutil.PrintJSON(opts.F.IOStreams.Out, m, opts.F.Globals.JQ)
	}
	for _, kv := range vars {
		if _, err := fmt.Fprintf(opts.F.IOStreams.Out, "export %s=%s\n", kv[0], kv[1]); err != nil {
			return err
		}
	}
	return nil
}
