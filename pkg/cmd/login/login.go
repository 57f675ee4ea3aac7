// Package login implements `tcb login`: store Tencent Cloud API keys (and
// optionally WeChat mini-program credentials) in a profile, after checking
// them with a cheap API call.
package login

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/errkind"
)

// Options are the inputs of a login.
type Options struct {
	F *cmdutil.Factory

	SecretID     string
	SecretKey    string
	SessionToken string
	WxAppID      string
	WxSecret     string
	NoVerify     bool
	FromOfficial bool
	OfficialPath string
}

// NewCmdLogin builds `tcb login`.
func NewCmdLogin(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Save Tencent Cloud API keys (and WeChat app credentials) in a profile",
		Long: heredoc.Doc(`
			Save Tencent Cloud API keys in the active profile after checking them with a
			cheap API call (CheckTcbService). Rejected keys exit with code 2 and nothing
			is stored.

			On a terminal, tcb asks for the SecretId, the SecretKey (hidden), the region
			(a select of CloudBase's regions; -r answers it) and, once the keys are
			verified, the default environment (a select of the account's environments;
			-e answers it). Without a terminal, pass --secret-id and
			--secret-key; when --secret-key is omitted and stdin is not a terminal, the
			key is read from stdin, which keeps it out of the process list.

			--wx-appid/--wx-secret store a WeChat mini-program's AppID and AppSecret in the
			same profile, for access_token and the database HTTP API.

			--from-official imports permanent keys from the official Node CLI
			(~/.config/.cloudbase/auth.json).
		`),
		Example: heredoc.Doc(`
			$ tcb login
			$ tcb login --secret-id "$TENCENTCLOUD_SECRETID" --secret-key "$TENCENTCLOUD_SECRETKEY" -r ap-guangzhou
			$ printf '%s\n' "$KEY" | tcb login --secret-id AKIDxxxx
			$ tcb login --wx-appid wx0123456789abcdef --wx-secret "$WX_SECRET"
			$ tcb login --from-official
			$ tcb --profile staging login --secret-id ... --secret-key ...
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.FromOfficial && (opts.SecretID != "" || opts.SecretKey != "") {
				return cmdutil.FlagErrorf("--from-official cannot be combined with --secret-id/--secret-key")
			}
			if (opts.WxAppID == "") != (opts.WxSecret == "") {
				return cmdutil.FlagErrorf("--wx-appid and --wx-secret go together")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.SecretID, "secret-id", "", "Tencent Cloud API SecretId")
	fl.StringVar(&opts.SecretKey, "secret-key", "", "Tencent Cloud API SecretKey (omit to read it from stdin)")
	fl.StringVar(&opts.SessionToken, "session-token", "", "session token of temporary keys")
	fl.StringVar(&opts.WxAppID, "wx-appid", "", "WeChat mini-program AppID")
	fl.StringVar(&opts.WxSecret, "wx-secret", "", "WeChat mini-program AppSecret")
	fl.BoolVar(&opts.NoVerify, "no-verify", false, "store the keys without checking them")
	fl.BoolVar(&opts.FromOfficial, "from-official", false, "import permanent keys from the official CLI's auth.json")
	// The official CLI's spellings.
	fl.StringVar(&opts.SecretID, "apiKeyId", "", "same as --secret-id")
	fl.StringVar(&opts.SecretKey, "apiKey", "", "same as --secret-key")
	fl.StringVar(&opts.SessionToken, "token", "", "same as --session-token")
	for _, n := range []string{"apiKeyId", "apiKey", "token"} {
		_ = fl.MarkHidden(n)
	}
	return cmd
}

// Run performs the login.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	ios := f.IOStreams
	profile, err := f.Profile()
	if err != nil {
		return err
	}
	store, err := f.Config()
	if err != nil {
		return err
	}

	var creds config.Credentials
	interactive := false
	switch {
	case opts.FromOfficial:
		path := opts.OfficialPath
		if path == "" {
			if path, err = config.OfficialCredentialPath(); err != nil {
				return cmdutil.LocalErrorf("cannot locate the official CLI's credentials: %v", err)
			}
		}
		if creds, err = config.ReadOfficialCredentials(path); err != nil {
			return err
		}
	case opts.SecretID != "":
		creds.SecretID, creds.SecretKey, creds.SessionToken = opts.SecretID, opts.SecretKey, opts.SessionToken
		if creds.SecretKey == "" {
			if creds.SecretKey, err = readSecretKey(opts); err != nil {
				return err
			}
		}
	case opts.SecretKey != "":
		return cmdutil.FlagErrorf("--secret-key needs --secret-id")
	case opts.WxAppID != "":
		// WeChat credentials only.
	case ios.CanPrompt():
		interactive = true
		if creds, err = askKeys(f); err != nil {
			return err
		}
	default:
		return cmdutil.NoTTYError("login", "--secret-id and --secret-key (or --from-official, or --wx-appid and --wx-secret)")
	}
	creds.SecretID = strings.TrimSpace(creds.SecretID)
	creds.SecretKey = strings.TrimSpace(creds.SecretKey)
	if creds.SecretID != "" {
		if err := validateKeyShape(creds); err != nil {
			return err
		}
	}

	region, err := f.Region()
	if err != nil {
		return err
	}
	if interactive && f.Globals.Region == "" {
		if region, err = f.ChooseRegion("-r REGION", region); err != nil {
			return err
		}
	}

	verified := false
	var envs []cloudapi.EnvInfo
	if creds.SecretID != "" && !opts.NoVerify {
		client, err := f.NewCloudAPI(creds, region)
		if err != nil {
			return err
		}
		err = ios.RunWithProgress("Checking the keys", func() error {
			_, err := client.CheckTcbService(ctx)
			return err
		})
		if err != nil {
			var ae *cloudapi.APIError
			if errors.As(err, &ae) && ae.ErrorKind() == errkind.Auth {
				return cmdutil.AuthErrorf("login: the keys were rejected: %w", err).
					WithHint("check the SecretId and SecretKey (console: CAM > API keys); nothing was saved")
			}
			return fmt.Errorf("login: verifying the keys: %w", err)
		}
		verified = true
		if interactive && f.Globals.EnvID == "" {
			// A failed listing only means the default env is typed in;
			// Ctrl-C while listing ends the login with nothing saved.
			_ = ios.RunWithProgress("Listing environments", func() error {
				envs, _ = client.DescribeEnvs(ctx)
				return nil
			})
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}

	envID := strings.TrimSpace(f.Globals.EnvID)
	if interactive && envID == "" {
		if envID, err = askDefaultEnv(f, envs); err != nil {
			return err
		}
	}
	if envID != "" {
		if err := config.ValidateEnvID(envID); err != nil {
			return cmdutil.FlagErrorf("%v", err)
		}
	}

	err = store.UpdateCredentials(profile, func(c *config.Credentials) error {
		if creds.SecretID != "" {
			c.SecretID, c.SecretKey, c.SessionToken = creds.SecretID, creds.SecretKey, creds.SessionToken
		}
		if opts.WxAppID != "" {
			c.WxAppID, c.WxSecret = strings.TrimSpace(opts.WxAppID), strings.TrimSpace(opts.WxSecret)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if f.Globals.Region != "" || interactive || envID != "" {
		err = store.UpdateSettings(profile, func(s *config.Settings) error {
			if f.Globals.Region != "" || interactive {
				s.Region = region
			}
			if envID != "" {
				s.EnvID = envID
			}
			return nil
		})
		if err != nil {
			return err
		}
	}

	result := map[string]any{
		"profile":   profile,
		"secret_id": config.Mask(creds.SecretID),
		"verified":  verified,
		"region":    region,
		"env_id":    envID,
		"wx_appid":  opts.WxAppID,
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(ios.Out, result, f.Globals.JQ)
	}
	cs := ios.ColorScheme()
	switch {
	case creds.SecretID != "" && verified:
		fmt.Fprintf(ios.ErrOut, "%s Logged in with %s (profile %s, region %s)\n", cs.SuccessIcon(), config.Mask(creds.SecretID), profile, region)
	case creds.SecretID != "":
		fmt.Fprintf(ios.ErrOut, "%s Saved %s without checking it (profile %s)\n", cs.WarningIcon(), config.Mask(creds.SecretID), profile)
	}
	if opts.WxAppID != "" {
		fmt.Fprintf(ios.ErrOut, "%s Saved WeChat app %s (profile %s)\n", cs.SuccessIcon(), opts.WxAppID, profile)
	}
	if envID != "" {
		fmt.Fprintf(ios.ErrOut, "%s Default environment: %s\n", cs.SuccessIcon(), envID)
	}
	return nil
}

func validateKeyShape(c config.Credentials) error {
	if c.SecretKey == "" {
		return cmdutil.FlagErrorf("the SecretKey is empty")
	}
	if strings.ContainsAny(c.SecretID, " \t\r\n") || strings.ContainsAny(c.SecretKey, " \t\r\n") {
		return cmdutil.FlagErrorf("the SecretId or SecretKey contains whitespace (a copy-paste accident?)")
	}
	return nil
}

// readSecretKey gets the key when only --secret-id was given: from stdin
// when it is not a terminal, else from a hidden prompt.
func readSecretKey(opts *Options) (string, error) {
	ios := opts.F.IOStreams
	if !ios.IsStdinTTY() {
		line, err := bufio.NewReader(io.LimitReader(ios.In, 4096)).ReadString('\n')
		if err != nil && err != io.EOF {
			return "", cmdutil.FlagErrorf("reading the SecretKey from stdin: %v", err)
		}
		key := strings.TrimSpace(line)
		if key == "" {
			return "", cmdutil.FlagErrorf("--secret-id given but no SecretKey: pass --secret-key or pipe the key on stdin")
		}
		return key, nil
	}
	if !ios.CanPrompt() {
		return "", cmdutil.NoTTYError("login", "--secret-key")
	}
	return opts.F.Prompter.Password("SecretKey")
}

func askKeys(f *cmdutil.Factory) (config.Credentials, error) {
	var c config.Credentials
	var err error
	for c.SecretID == "" {
		if c.SecretID, err = f.Prompter.Input("SecretId", ""); err != nil {
			return c, err
		}
		c.SecretID = strings.TrimSpace(c.SecretID)
	}
	for c.SecretKey == "" {
		if c.SecretKey, err = f.Prompter.Password("SecretKey"); err != nil {
			return c, err
		}
		c.SecretKey = strings.TrimSpace(c.SecretKey)
	}
	return c, nil
}

func askDefaultEnv(f *cmdutil.Factory, envs []cloudapi.EnvInfo) (string, error) {
	if len(envs) == 0 {
		v, err := f.Prompter.Input("Default environment id (empty for none)", "")
		return strings.TrimSpace(v), err
	}
	options := append([]string{"(none)"}, cmdutil.EnvOptions(envs)...)
	i, err := f.Prompter.Select("Default environment", options, 1)
	if err != nil || i <= 0 {
		return "", err
	}
	return envs[i-1].EnvId, nil
}
