package root

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// environmentHelp documents every environment variable tcb reads.
var environmentHelp = `tcb reads these environment variables. Flags win over them; they win over
the saved profile.

  TENCENTCLOUD_SECRETID, TENCENTCLOUD_SECRETKEY, TENCENTCLOUD_SESSIONTOKEN
      Tencent Cloud API keys (also spelled TENCENTCLOUD_SECRET_ID,
      TENCENTCLOUD_SECRET_KEY, TENCENTCLOUD_SESSION_TOKEN). They take
      precedence over the keys saved by 'tcb login'. Setting only one
      of the pair is an error (exit 2), not a fallback to the profile.

  TCB_ENV_ID        environment id; beats cloudbaserc.json and 'tcb env use',
                    loses to -e/--env-id
  TCB_REGION        region, e.g. ap-shanghai; loses to -r/--region
  TCB_PROFILE       profile to use instead of "default"; loses to --profile
  TCB_CONFIG_DIR    where config.json and credentials.json live
                    (default: the OS config dir + /tcb, e.g. ~/.config/tcb)

  TCB_WX_APPID, TCB_WX_SECRET
      WeChat mini-program AppID and AppSecret, for access_token and the
      database HTTP API; they beat 'tcb login --wx-appid --wx-secret'.
      TCB_WX_APPID alone uses the secret saved for that same AppID.

  TCB_TOKEN_SERVER, TCB_TOKEN_SERVER_KEY
      URL and bearer key of a central token server ('tcb token serve');
      'tcb token get' asks it instead of WeChat.

  TCB_EMULATOR_HOST host:port of a local emulator ('tcb emulator start').
                    Every API call goes there; when no keys are configured
                    the emulator's development keys are used.

  TCB_WECHAT_API    base URL of the WeChat API (default https://api.weixin.qq.com,
                    or the emulator when TCB_EMULATOR_HOST is set), e.g. a proxy
  TCB_TOKEN_STORE   default of 'tcb token --store': file, file:PATH or
                    redis://[user:password@]host:port/db (keeps a password out
                    of the process list)

  NO_COLOR          any value turns colors off (so does --no-color)
  CLICOLOR_FORCE    non-zero forces colors even when not on a terminal
  TCB_FORCE_TTY     behave as if stdout were a terminal (a number sets the width)
  TCB_PROMPT_DISABLED  never prompt, as if not on a terminal
  CI                set by CI systems; tcb never prompts without a terminal anyway
`

func exitCodesHelp() string {
	var b strings.Builder
	b.WriteString("tcb exits with one of these codes (the same table as the official CLI v3):\n\n")
	for _, e := range cmdutil.ExitCodeTable {
		fmt.Fprintf(&b, "  %3d  %s\n", e.Code, e.Meaning)
	}
	b.WriteString("\nAPI errors map by code: AuthFailure.* -> 2, InvalidParameter*, MissingParameter*\nand UnknownParameter -> 3, ResourceNotFound* -> 4, anything else -> 5.\n")
	return b.String()
}

// newHelpTopic builds a command that only carries text: `tcb help TOPIC`
// (or `tcb TOPIC`) prints it.
func newHelpTopic(name, short, long string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   name,
		Short: short,
		Long:  long,
	}
	cmd.SetHelpFunc(func(c *cobra.Command, _ []string) { fmt.Fprint(c.OutOrStdout(), long) })
	cmd.SetUsageFunc(func(c *cobra.Command) error { return nil })
	return cmd
}
