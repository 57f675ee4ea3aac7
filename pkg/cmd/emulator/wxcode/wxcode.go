// Package wxcode implements `tcb emulator wechat-code`.
package wxcode

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/emulator"
	"github.com/tcb-go/tcb/pkg/emulator/wxapi"
)

// Options of emulator wechat-code.
type Options struct {
	F       *cmdutil.Factory
	OpenID  string
	UnionID string
	Phone   string
	AppID   string

	// HTTPClient is the client for the emulator (tests); nil means a
	// client with a 10 s timeout.
	HTTPClient *http.Client
}

// Result is the --json output (the emulator's answer).
type Result = wxapi.MintedCode

// NewCmdWechatCode builds `tcb emulator wechat-code`.
func NewCmdWechatCode(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "wechat-code",
		Short: "Mint a wx.login or getPhoneNumber code on the running emulator",
		Long: heredoc.Docf(`
			Ask the running emulator (TCB_EMULATOR_HOST, else %[2]s) for the code a
			mini program gets from wx.login (--openid) or from a getPhoneNumber button
			(--phone), and print it. A backend exchanges it exactly as on WeChat:
			GET /sns/jscode2session for a login code (the answer carries the openid, and
			the unionid when --unionid is given), POST /wxa/business/getuserphonenumber
			for a phone code. A code works once, for 5 minutes, for one app: --appid,
			else TCB_WX_APPID, else the emulator's demo app.

			--json prints the emulator's answer (fields: code, kind, appid, openid, phone,
			expires_in, expires_at). The same is available without tcb:
			%[1]sPOST /_emulator/wechat/code?openid=ID&appid=APPID%[1]s (or %[1]s?phone=...%[1]s).
		`, "`", emulator.DefaultListen),
		Example: heredoc.Doc(`
			$ tcb emulator wechat-code --openid oAlice
			$ curl "http://$TCB_EMULATOR_HOST/sns/jscode2session?appid=$TCB_WX_APPID&secret=$TCB_WX_SECRET&grant_type=authorization_code&js_code=$(tcb emulator wechat-code --openid oAlice)"
			$ tcb emulator wechat-code --phone "+86 13800138000" --json
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if (opts.OpenID == "") == (opts.Phone == "") {
				return cmdutil.FlagErrorf("give --openid (a login code) or --phone (a phone number code)")
			}
			if opts.UnionID != "" && opts.OpenID == "" {
				return cmdutil.FlagErrorf("--unionid goes with --openid")
			}
			if opts.Phone != "" {
				if _, _, err := wxapi.ParsePhone(opts.Phone); err != nil {
					return cmdutil.FlagErrorf("--phone: %v", err)
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.OpenID, "openid", "", "the user's openid: mint a login code (wx.login)")
	fl.StringVar(&opts.UnionID, "unionid", "", "the user's unionid, returned by jscode2session with --openid")
	fl.StringVar(&opts.Phone, "phone", "", "a phone number (13800138000 or \"+1 4155552671\"): mint a getPhoneNumber code")
	fl.StringVar(&opts.AppID, "appid", "", "the mini program (default: TCB_WX_APPID, else the emulator's demo app)")
	return cmd
}

// Run mints the code and prints it.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	host := f.EmulatorHost()
	if host == "" {
		host = emulator.DefaultListen
	}
	base := host
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	q := url.Values{}
	appid := opts.AppID
	if appid == "" {
		appid = strings.TrimSpace(f.Getenv("TCB_WX_APPID"))
	}
	if appid != "" {
		q.Set("appid", appid)
	}
	if opts.OpenID != "" {
		q.Set("openid", opts.OpenID)
		if opts.UnionID != "" {
			q.Set("unionid", opts.UnionID)
		}
	} else {
		q.Set("phone", opts.Phone)
	}
	res, err := mint(ctx, opts.HTTPClient, strings.TrimRight(base, "/")+wxapi.PathMintCode+"?"+q.Encode())
	if err != nil {
		var ce *cmdutil.Error
		if errors.As(err, &ce) {
			return ce
		}
		return cmdutil.APIErrorf("wechat-code: %v", err).
			WithHint("is the emulator running at %s? start it with `tcb emulator start`, or point TCB_EMULATOR_HOST at it", host)
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, res, f.Globals.JQ)
	}
	_, err = fmt.Fprintln(f.IOStreams.Out, res.Code)
	return err
}

// mint posts to the emulator; a refusal (HTTP 400) is invalid input.
func mint(ctx context.Context, client *http.Client, u string) (*Result, error) {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, err
	}
	var out struct {
		Result
		Error string `json:"error"`
	}
	_ = json.Unmarshal(body, &out)
	switch {
	case resp.StatusCode == http.StatusBadRequest && out.Error != "":
		return nil, cmdutil.FlagErrorf("wechat-code: %s", out.Error)
	case resp.StatusCode != http.StatusOK || out.Code == "":
		msg := out.Error
		if msg == "" {
			msg = strings.TrimSpace(string(body))
			if len(msg) > 200 {
				msg = msg[:200]
			}
		}
		return nil, fmt.Errorf("the emulator answered HTTP %d: %s (is it a tcb emulator recent enough to mint codes?)", resp.StatusCode, msg)
	}
	res := out.Result
	return &res, nil
}
