// Package api implements `tcb api SERVICE ACTION`: one signed Tencent
// Cloud API 3.0 call of any product and action, like `gh api` for GitHub:
// the escape hatch for what tcb has no command for.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// Options of tcb api.
type Options struct {
	F       *cmdutil.Factory
	Service string
	Action  string
	// Body is the --body flag as given: JSON, @file or @- (stdin).
	Body    string
	Version string
}

// NewCmdAPI builds `tcb api`.
func NewCmdAPI(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "api <service> <action>",
		Short: "Make a signed Tencent Cloud API call",
		Long: heredoc.Docf(`
			Call any Tencent Cloud API 3.0 action with your credentials and print the
			"Response" object as JSON (RequestId included).

			The parameters are --body: a JSON object, @FILE to read one from a file, or @- to
			read it from standard input (none means {}). With -e, the environment id is added as
			EnvId (as Namespace for scf) unless the body names one already; a body naming
			another is an error.

			--version defaults to the version CloudBase tooling uses for these services:
			%s. Other services need --version.

			Calls go to <service>.tencentcloudapi.com, or to --endpoint / TCB_EMULATOR_HOST.
			Errors exit like every other command: 2 for rejected keys, 3 for invalid
			parameters or an unknown action, 4 for a missing resource, 5 for other API errors.
		`, strings.Join(knownPairs(), ", ")),
		Example: heredoc.Doc(`
			$ tcb api tcb DescribeEnvs
			$ tcb api tcb DescribeAuthDomains -e demo-a1b2c3 --jq '.Domains[].Domain'
			$ tcb api scf ListFunctions -e demo-a1b2c3 --body '{"Limit": 100}'
			$ tcb api tcb RunCommands -e demo-a1b2c3 --body @commands.json
			$ echo '{"Limit": 5}' | tcb api cvm DescribeInstances --version 2017-03-12 -r ap-guangzhou --body @-
		`),
		Args: cmdutil.ExactArgs(2, "tcb api needs a service and an action, e.g. `tcb api tcb DescribeEnvs`"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Service, opts.Action = args[0], args[1]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Body, "body", "b", "", "parameters: a JSON object, @FILE, or @- for stdin")
	cmd.Flags().StringVar(&opts.Version, "version", "", "API version (YYYY-MM-DD); known services have a default")
	return cmd
}

func knownPairs() []string {
	var out []string
	for _, s := range cloudapi.KnownServices() {
		out = append(out, s+" "+cloudapi.KnownVersions[s])
	}
	return out
}

// Params resolves the body and the environment into the call's
// parameters (JSON).
func Params(opts *Options, stdin io.Reader) ([]byte, error) {
	raw, err := readBody(opts.Body, stdin)
	if err != nil {
		return nil, err
	}
	params, err := cloudapi.ParseParams(raw)
	if err != nil {
		return nil, cmdutil.FlagErrorf("--body: %v", err)
	}
	if env := strings.TrimSpace(opts.F.Globals.EnvID); env != "" {
		key := "EnvId"
		if opts.Service == "scf" {
			key = "Namespace"
		}
		if cur, ok := params[key]; ok {
			var s string
			if json.Unmarshal(cur, &s) != nil || s != env {
				return nil, cmdutil.FlagErrorf("--body names %s %s but -e names %s", key, cur, env)
			}
		} else {
			params[key], _ = json.Marshal(env)
		}
	}
	return json.Marshal(params)
}

func readBody(spec string, stdin io.Reader) ([]byte, error) {
	switch {
	case spec == "@-":
		b, err := io.ReadAll(io.LimitReader(stdin, cloudapi.MaxParamsSize+1))
		if err != nil {
			return nil, cmdutil.LocalErrorf("--body @-: reading standard input: %v", err)
		}
		return b, nil
	case strings.HasPrefix(spec, "@"):
		path := spec[1:]
		if path == "" {
			return nil, cmdutil.FlagErrorf("--body @: name a file (@params.json) or @- for standard input")
		}
		f, err := os.Open(path)
		if err != nil {
			return nil, cmdutil.LocalErrorf("--body: %v", err)
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && !st.Mode().IsRegular() && st.Mode()&os.ModeNamedPipe == 0 && st.Mode()&os.ModeCharDevice == 0 {
			return nil, cmdutil.LocalErrorf("--body: %s is not a regular file", path)
		}
		b, err := io.ReadAll(io.LimitReader(f, cloudapi.MaxParamsSize+1))
		if err != nil {
			return nil, cmdutil.LocalErrorf("--body: reading %s: %v", path, err)
		}
		return b, nil
	}
	return []byte(spec), nil
}

// Run makes the call and prints the response.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	version := opts.Version
	if version == "" {
		version = cloudapi.KnownVersions[opts.Service]
		if version == "" {
			return cmdutil.FlagErrorf("service %q has no default version: pass --version YYYY-MM-DD", opts.Service).
				WithHint("known services: %s", strings.Join(cloudapi.KnownServices(), ", "))
		}
	}
	if err := cloudapi.ValidateCall(opts.Service, opts.Action, version); err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	body, err := Params(opts, f.IOStreams.In)
	if err != nil {
		return err
	}
	client, err := f.CloudAPI()
	if err != nil {
		return err
	}
	raw, err := client.CallVersion(ctx, opts.Service, version, opts.Action, body)
	if err != nil {
		return fmt.Errorf("api %s: %w", opts.Service, err)
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return cmdutil.APIErrorf("%s %s: the response is not JSON: %v", opts.Service, opts.Action, err)
	}
	return cmdutil.PrintJSON(f.IOStreams.Out, v, f.Globals.JQ)
}
