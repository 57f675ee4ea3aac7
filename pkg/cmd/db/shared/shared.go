// Package shared holds what the `tcb db` commands have in common: choosing
// the transport (WeChat HTTP API or Tencent Cloud API), reading statements,
// printing documents, and naming the command in its failures.
package shared

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/database"
	"github.com/tcb-go/tcb/pkg/dbquery"
)

// Target is an open database connection.
type Target struct {
	Backend database.Backend
	Env     string
	Close   func()
}

// AddViaFlag adds --via.
func AddViaFlag(cmd *cobra.Command, via *string) {
	cmd.Flags().StringVar(via, "via", "auto", "transport: wechat (CloudBase HTTP API, needs the WeChat app), api (Tencent Cloud API RunCommands), or auto")
}

// Open picks the transport: --via, else the WeChat HTTP API when WeChat
// credentials (or a token server) are configured, else the Tencent Cloud
// API when API keys are.
func Open(f *cmdutil.Factory, via string) (*Target, error) {
	creds, err := f.Credentials()
	if err != nil {
		return nil, err
	}
	hasServer := strings.TrimSpace(f.Getenv(cmdutil.EnvTokenServer)) != ""
	if st, err := f.Settings(); err == nil && st.TokenServer != "" {
		hasServer = true
	}
	switch via {
	case "auto":
		switch {
		case creds.WxAppID != "" && (creds.WxSecret != "" || hasServer):
			via = "wechat"
		case creds.HasCloudKeys():
			via = "api"
		default:
			return nil, cmdutil.AuthErrorf("no credentials for the database").
				WithHint("save a WeChat app (tcb login --wx-appid ... --wx-secret ...) or API keys (tcb login --secret-id ...)")
		}
	case "wechat", "api":
	default:
		return nil, cmdutil.FlagErrorf("--via must be wechat, api or auto, not %q", via)
	}
	env, err := f.RequireEnvID()
	if err != nil {
		return nil, err
	}
	if via == "api" {
		client, err := f.CloudAPI()
		if err != nil {
			return nil, err
		}
		return &Target{Backend: &database.API{Client: client, Env: env}, Env: env, Close: func() {}}, nil
	}
	tokens, err := f.WeChatTokens()
	if err != nil {
		return nil, cmdutil.CallError("database", err)
	}
	client, err := f.WeChatClient()
	if err != nil {
		tokens.Close()
		return nil, err
	}
	b := &database.WeChat{Client: client, Tokens: tokens.Source, Env: env}
	return &Target{Backend: b, Env: env, Close: tokens.Close}, nil
}

// IsStatement reports whether arg is a statement rather than a collection
// name ("-" reads one from stdin).
func IsStatement(arg string) bool {
	a := strings.TrimSpace(arg)
	return a == "-" || strings.HasPrefix(a, "db.") || strings.Contains(a, "(")
}

// ParseStatement parses a statement (or "-" for stdin) and checks its
// action is one of allowed.
func ParseStatement(f *cmdutil.Factory, arg string, allowed ...dbquery.Action) (*dbquery.Query, error) {
	if strings.TrimSpace(arg) == "-" {
		b, err := io.ReadAll(io.LimitReader(f.IOStreams.In, 1<<20+1))
		if err != nil {
			return nil, cmdutil.FlagErrorf("reading the statement from stdin: %v", err)
		}
		if len(b) > 1<<20 {
			return nil, cmdutil.FlagErrorf("the statement on stdin is over 1 MiB")
		}
		arg = string(b)
	}
	q, err := dbquery.Parse(strings.TrimSpace(arg))
	if err != nil {
		return nil, cmdutil.FlagErrorf("invalid statement: %v", err)
	}
	for _, a := range allowed {
		if q.Action == a {
			return q, nil
		}
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	return nil, cmdutil.FlagErrorf("this command runs %s statements; the statement is a %s", strings.Join(names, "/"), q.Action)
}

// Explain prints the MongoDB form and sends nothing.
func Explain(f *cmdutil.Factory, q *dbquery.Query) error {
	b, err := q.Explain()
	if err != nil {
		return err
	}
	if f.Globals.JQ != "" {
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		return cmdutil.PrintJSON(f.IOStreams.Out, v, f.Globals.JQ)
	}
	_, err = fmt.Fprintln(f.IOStreams.Out, strings.TrimRight(string(b), "\n"))
	return err
}

// Resolve reads the command's argument: a statement (whose action must be
// one of allowed), or a collection name turned into a query by fromFlags.
// Either way a bad input is exit 3.
func Resolve(f *cmdutil.Factory, arg string, fromFlags func() (*dbquery.Query, error), allowed ...dbquery.Action) (*dbquery.Query, error) {
	if IsStatement(arg) {
		return ParseStatement(f, arg, allowed...)
	}
	q, err := fromFlags()
	if err != nil {
		return nil, cmdutil.FlagErrorf("%v", err)
	}
	return q, nil
}
