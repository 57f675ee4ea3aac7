// Package cmdutil holds what every command shares: the Factory that owns
// every external dependency (settings, credentials, the project config, the
// Cloud API and WeChat clients, access_tokens), the command errors and the
// one mapping from kinds of failure to exit codes (exitcode.go), the global
// flags, and the JSON/--jq and table output helpers.
package cmdutil

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/iostreams"
	"github.com/tcb-go/tcb/pkg/project"
	"github.com/tcb-go/tcb/pkg/prompt"
)

// Globals are the global flags, filled in by the root command before any
// command runs.
type Globals struct {
	EnvID      string
	Region     string
	Profile    string
	JSON       bool
	JQ         string
	Yes        bool
	Endpoint   string
	ConfigFile string
	Mode       string
	Verbose    bool
	NoColor    bool
	UTC        bool // show times in UTC instead of the local zone
}

// Creds are the resolved credentials and where each part came from.
type Creds struct {
	config.Credentials
	CloudSource  config.Source
	WeChatSource config.Source
}

// Factory builds the dependencies of commands on first use. The function
// fields are set by New and may be replaced (by tests, say) before a
// command runs.
type Factory struct {
	AppVersion     string
	ExecutableName string

	IOStreams *iostreams.IOStreams
	Prompter  prompt.Prompter
	Getenv    func(string) string
	Globals   *Globals

	// ProjectConfig loads the project config of the working directory
	// (cloudbaserc.json, package.json "cloudbase", WeChat
	// project.config.json, or --config-file) once; (nil, nil) when there is
	// none and --config-file named none. EnvID and Region read it.
	ProjectConfig func() (*project.Project, error)
	// WeChatBaseURL is where WeChat API calls go: TCB_WECHAT_API, else the
	// emulator from TCB_EMULATOR_HOST, else https://api.weixin.qq.com.
	WeChatBaseURL func() (string, error)
	// WeChatTokens hands out access_tokens for the WeChat app of the
	// credentials: from the token server when one is configured, else from
	// the default token store, fetching with the app's secret when needed.
	// Stale tokens are reported back (compare-and-refresh).
	WeChatTokens func() (*WeChatTokens, error)

	// Context is the run's context, cancelled by the first Ctrl-C (app.Main
	// sets it to the interrupt context); calls the Factory makes on its
	// own, such as listing the environments for the env select of
	// RequireEnvID, stop with it. nil means context.Background().
	Context context.Context

	// chosenEnvID is the environment picked at the prompt of
	// RequireEnvID, for the rest of the run.
	chosenEnvID string

	once     sync.Once
	store    *config.Store
	storeErr error
}

// New returns a factory for the process environment.
func New(version string, ios *iostreams.IOStreams) *Factory {
	f := &Factory{
		AppVersion:     version,
		ExecutableName: "tcb",
		IOStreams:      ios,
		Getenv:         os.Getenv,
		Globals:        &Globals{},
	}
	f.ProjectConfig = sync.OnceValues(f.loadProjectConfig)
	f.WeChatBaseURL = f.weChatBaseURL
	f.WeChatTokens = f.weChatTokens
	return f
}

// Config returns the store of $TCB_CONFIG_DIR (see config.Dir), one per
// Factory: it reads config.json and credentials.json once each.
func (f *Factory) Config() (*config.Store, error) {
	f.once.Do(func() {
		dir, err := config.Dir(f.Getenv)
		if err != nil {
			f.storeErr = err
			return
		}
		f.store = config.Open(dir)
	})
	return f.store, f.storeErr
}

// Profile is the active profile: --profile, TCB_PROFILE, or "default".
func (f *Factory) Profile() (string, error) {
	p := f.Globals.Profile
	if p == "" {
		p = f.Getenv("TCB_PROFILE")
	}
	if p == "" {
		p = config.DefaultProfile
	}
	if err := config.ValidateProfileName(p); err != nil {
		return "", FlagErrorf("%v", err)
	}
	return p, nil
}

// Settings returns the settings of the active profile (Profile).
func (f *Factory) Settings() (config.Settings, error) {
	st, err := f.Config()
	if err != nil {
		return config.Settings{}, err
	}
	p, err := f.Profile()
	if err != nil {
		return config.Settings{}, err
	}
	return st.Settings(p)
}

// EmulatorHost returns TCB_EMULATOR_HOST (host:port) when set.
func (f *Factory) EmulatorHost() string {
	return strings.TrimSpace(f.Getenv("TCB_EMULATOR_HOST"))
}

// emulatorURL is the base URL of the emulator of TCB_EMULATOR_HOST, ""
// when it is not set.
func (f *Factory) emulatorURL() string {
	h := f.EmulatorHost()
	if h == "" || strings.Contains(h, "://") {
		return h
	}
	return "http://" + h
}

// Endpoint is where Tencent Cloud API calls go: --endpoint, else the
// emulator from TCB_EMULATOR_HOST, else "" (the public endpoints).
func (f *Factory) Endpoint() string {
	if f.Globals.Endpoint != "" {
		return f.Globals.Endpoint
	}
	return f.emulatorURL()
}

// Credentials resolves credentials: environment variables over the
// profile; with TCB_EMULATOR_HOST set and nothing configured, the
// emulator's development keys.
func (f *Factory) Credentials() (Creds, error) {
	var c Creds
	id, key, token := config.EnvCredentials(f.Getenv)
	switch {
	case id != "" && key != "":
		c.SecretID, c.SecretKey, c.SessionToken = id, key, token
		c.CloudSource = config.SourceEnv
	case id != "" || key != "" || token != "":
		// Half a pair is a mistake (a typo, a missing CI secret), not a
		// reason to fall back to the profile's keys and act on another
		// account.
		return c, AuthErrorf("%s", halfEnvKeys(id, key)).
			WithHint("set both TENCENTCLOUD_SECRETID and TENCENTCLOUD_SECRETKEY, or unset them all to use the profile")
	}
	appid, secret := strings.TrimSpace(f.Getenv("TCB_WX_APPID")), strings.TrimSpace(f.Getenv("TCB_WX_SECRET"))
	if appid != "" {
		c.WxAppID, c.WxSecret = appid, secret
		c.WeChatSource = config.SourceEnv
	}
	// TCB_WX_APPID alone names the app; its secret may still be the one
	// saved for that app in the profile.
	wantSavedSecret := c.WeChatSource == config.SourceEnv && c.WxSecret == ""
	if c.CloudSource == config.SourceNone || c.WeChatSource == config.SourceNone || wantSavedSecret {
		st, err := f.Config()
		if err != nil {
			return c, err
		}
		p, err := f.Profile()
		if err != nil {
			return c, err
		}
		pc, err := st.Credentials(p)
		if err != nil {
			return c, err
		}
		if c.CloudSource == config.SourceNone && pc.HasCloudKeys() {
			c.SecretID, c.SecretKey, c.SessionToken = pc.SecretID, pc.SecretKey, pc.SessionToken
			c.CloudSource = config.SourceProfile
		}
		switch {
		case c.WeChatSource == config.SourceNone && pc.WxAppID != "":
			c.WxAppID, c.WxSecret = pc.WxAppID, pc.WxSecret
			c.WeChatSource = config.SourceProfile
		case wantSavedSecret && pc.WxAppID == c.WxAppID && pc.WxSecret != "":
			c.WxSecret = pc.WxSecret
			c.WeChatSource = config.SourceProfile
		}
	}
	if f.EmulatorHost() != "" {
		if c.CloudSource == config.SourceNone {
			c.SecretID, c.SecretKey = config.EmulatorSecretID, config.EmulatorSecretKey
			c.CloudSource = config.SourceEmulator
		}
		switch {
		case c.WeChatSource == config.SourceNone:
			c.WxAppID, c.WxSecret = config.EmulatorWxAppID, config.EmulatorWxSecret
			c.WeChatSource = config.SourceEmulator
		case c.WxSecret == "" && c.WxAppID == config.EmulatorWxAppID:
			c.WxSecret, c.WeChatSource = config.EmulatorWxSecret, config.SourceEmulator
		}
	}
	if err := f.checkDevCredentials(c); err != nil {
		return c, err
	}
	return c, nil
}

// halfEnvKeys says which of the Tencent Cloud key variables is missing.
func halfEnvKeys(id, key string) string {
	switch {
	case id != "" && key == "":
		return "TENCENTCLOUD_SECRETID is set but TENCENTCLOUD_SECRETKEY is not"
	case key != "" && id == "":
		return "TENCENTCLOUD_SECRETKEY is set but TENCENTCLOUD_SECRETID is not"
	}
	return "TENCENTCLOUD_SESSIONTOKEN is set without TENCENTCLOUD_SECRETID and TENCENTCLOUD_SECRETKEY"
}

// checkDevCredentials refuses the emulator's public development keys when
// the calls would go to the real cloud: after `eval "$(tcb emulator env)"`
// and `unset TCB_EMULATOR_HOST`, the keys are still in the environment
// and must not be sent to Tencent Cloud or WeChat. It runs before any
// network call.
func (f *Factory) checkDevCredentials(c Creds) error {
	if c.SecretID == config.EmulatorSecretID && f.Endpoint() == "" {
		return devKeysError("Tencent Cloud API keys", "TENCENTCLOUD_SECRETID holds the emulator's public development key", c.CloudSource,
			"unset TENCENTCLOUD_SECRETID TENCENTCLOUD_SECRETKEY")
	}
	wxSecret := c.WxSecret
	if wxSecret == "" {
		wxSecret = strings.TrimSpace(f.Getenv("TCB_WX_SECRET"))
	}
	if wxSecret == config.EmulatorWxSecret && f.EmulatorHost() == "" && strings.TrimSpace(f.Getenv("TCB_WECHAT_API")) == "" {
		return devKeysError("WeChat AppSecret", "TCB_WX_SECRET holds the emulator's public development AppSecret", c.WeChatSource, "unset TCB_WX_APPID TCB_WX_SECRET")
	}
	return nil
}

func devKeysError(what, envProblem string, src config.Source, unset string) *Error {
	if src == config.SourceProfile {
		return AuthErrorf("the profile's %s are the emulator's public development keys, and no emulator is targeted (TCB_EMULATOR_HOST or --endpoint): refusing to send them to the real cloud", what).
			WithHint("log in with real keys (`tcb login`), use another --profile, or point at the emulator with eval \"$(tcb emulator env)\"")
	}
	return AuthErrorf("%s, but TCB_EMULATOR_HOST is not set: refusing to send it to the real cloud", envProblem).
		WithHint("for the real cloud run `%s` (or eval \"$(tcb emulator env --unset)\"); for the emulator run eval \"$(tcb emulator env)\"", unset)
}

// Region resolves the region: -r, TCB_REGION, the project config, the
// profile, then ap-shanghai. Sources are read in that order and only until
// one names a region, so a broken lower source (an unreadable config.json,
// say) does not get in the way of -r.
func (f *Factory) Region() (string, error) {
	sources := []func() (v, from string, err error){
		func() (string, string, error) { return f.Globals.Region, "--region", nil },
		func() (string, string, error) { return f.Getenv("TCB_REGION"), "TCB_REGION", nil },
		func() (string, string, error) {
			p, err := f.ProjectConfig()
			if err != nil || p == nil {
				return "", "", err
			}
			return p.Region, p.ConfigPath, p.Resolved("region")
		},
		func() (string, string, error) {
			st, err := f.Settings()
			return st.Region, "profile setting region", err
		},
	}
	for _, src := range sources {
		v, from, err := src()
		if err != nil {
			return "", err
		}
		if strings.TrimSpace(v) == "" {
			continue
		}
		r, err := config.NormalizeRegion(v)
		if err != nil {
			return "", FlagErrorf("%s: %v", from, err)
		}
		return r, nil
	}
	return config.DefaultRegion, nil
}

// EnvID resolves the environment, lowest priority first: the profile's
// default (tcb env use) < the project config's envId < TCB_ENV_ID < -e.
// It returns "" when nothing names one.
func (f *Factory) EnvID() (string, error) {
	if f.chosenEnvID != "" {
		return f.chosenEnvID, nil
	}
	if v := strings.TrimSpace(f.Globals.EnvID); v != "" {
		return v, nil
	}
	if v := strings.TrimSpace(f.Getenv("TCB_ENV_ID")); v != "" {
		return v, nil
	}
	p, err := f.ProjectConfig()
	if err != nil {
		return "", err
	}
	if err := p.Resolved("envId"); err != nil {
		return "", err
	}
	if p != nil && p.EnvID != "" {
		return p.EnvID, nil
	}
	st, err := f.Settings()
	if err != nil {
		return "", err
	}
	return st.EnvID, nil
}

// RequireEnvID is EnvID that, when nothing names one, asks for one of
// the account's environments on a terminal and fails (exit 3) elsewhere.
// The listing of environments stops when f.Context is cancelled (Ctrl-C:
// exit 130).
func (f *Factory) RequireEnvID() (string, error) {
	id, err := f.EnvID()
	if err != nil {
		return "", err
	}
	if id == "" && f.IOStreams.CanPrompt() {
		return f.chooseEnv()
	}
	if id == "" {
		return "", FlagErrorf("no environment selected").WithHint("pass -e ENV_ID, set TCB_ENV_ID, put envId in cloudbaserc.json, or run `tcb env use ENV_ID`")
	}
	return id, nil
}

// ctx is f.Context, or context.Background() when none is set.
func (f *Factory) ctx() context.Context {
	if f.Context != nil {
		return f.Context
	}
	return context.Background()
}

// CloudAPI returns a Tencent Cloud API client for the resolved credentials,
// region and endpoint; no credentials is an auth error (exit 2).
func (f *Factory) CloudAPI() (*cloudapi.Client, error) {
	creds, err := f.Credentials()
	if err != nil {
		return nil, err
	}
	if !creds.HasCloudKeys() {
		return nil, AuthErrorf("not logged in: no Tencent Cloud API keys").
			WithHint("run `tcb login`, or set TENCENTCLOUD_SECRETID and TENCENTCLOUD_SECRETKEY (or TCB_EMULATOR_HOST for the local emulator)")
	}
	region, err := f.Region()
	if err != nil {
		return nil, err
	}
	return f.NewCloudAPI(creds.Credentials, region)
}

// NewCloudAPI builds a client for explicit credentials (login verifies keys
// before storing them).
func (f *Factory) NewCloudAPI(c config.Credentials, region string) (*cloudapi.Client, error) {
	if c.SecretID == config.EmulatorSecretID && f.Endpoint() == "" {
		return nil, AuthErrorf("%s is the emulator's public development key, and no emulator is targeted: refusing to send it to Tencent Cloud", c.SecretID).
			WithHint("for the emulator set TCB_EMULATOR_HOST (eval \"$(tcb emulator env)\") or pass --endpoint; for the real cloud use your own keys")
	}
	var trace io.Writer
	if f.Globals.Verbose {
		trace = f.IOStreams.ErrOut
	}
	client, err := cloudapi.New(cloudapi.Options{
		Credential: cloudapi.Credential{SecretID: c.SecretID, SecretKey: c.SecretKey, Token: c.SessionToken},
		Region:     region,
		Endpoint:   f.Endpoint(),
		Trace:      trace,
	})
	if err != nil {
		return nil, FlagErrorf("%v", err)
	}
	return client, nil
}

// WantsJSON reports whether output should be JSON: --json, --jq, or the
// profile's output setting.
func (f *Factory) WantsJSON() bool {
	if f.Globals.JSON || f.Globals.JQ != "" {
		return true
	}
	if st, err := f.Settings(); err == nil && st.Output == "json" {
		return true
	}
	return false
}

// ConfirmOrYes asks to confirm a destructive action unless --yes was given;
// without a terminal and without --yes it fails with exit 3 naming --yes.
func (f *Factory) ConfirmOrYes(what, question string) error {
	if f.Globals.Yes {
		return nil
	}
	if !f.IOStreams.CanPrompt() {
		return NoTTYError(what, "--yes")
	}
	ok, err := f.Prompter.Confirm(question, false)
	if err != nil {
		return err
	}
	if !ok {
		return &Error{Code: ExitError, Err: errors.New(what + ": cancelled")}
	}
	return nil
}
