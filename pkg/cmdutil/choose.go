package cmdutil

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/iostreams"
	"github.com/tcb-go/tcb/pkg/project"
)

// Choose asks the user to pick one of options when prompting is possible;
// otherwise it fails with exit 3 naming flag, the flag or argument that
// answers the question. An empty list fails with exit 3 too: there is
// nothing to choose, so the answer has to come from elsewhere.
func (f *Factory) Choose(question, flag string, options []string, def int) (int, error) {
	if !f.IOStreams.CanPrompt() {
		return -1, NoTTYError(question, flag)
	}
	if len(options) == 0 {
		return -1, FlagErrorf("%s: nothing to choose from, pass %s", question, flag)
	}
	return f.Prompter.Select(question, options, def)
}

// Columns lays rows of cells out as aligned lines, for select options.
func Columns(rows [][]string) []string {
	var width []int
	for _, r := range rows {
		for i, c := range r {
			if i >= len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		var b strings.Builder
		for j, c := range r {
			if j > 0 {
				b.WriteString("  ")
			}
			b.WriteString(c)
			if j < len(r)-1 {
				b.WriteString(strings.Repeat(" ", width[j]-len([]rune(c))))
			}
		}
		out[i] = strings.TrimRight(b.String(), " ")
	}
	return out
}

// EnvOptions are the select lines of envs: alias, EnvId, status.
func EnvOptions(envs []cloudapi.EnvInfo) []string {
	rows := make([][]string, len(envs))
	for i, e := range envs {
		alias := e.Alias
		if alias == "" {
			alias = "-"
		}
		rows[i] = []string{alias, e.EnvId, e.Status}
	}
	return Columns(rows)
}

// chooseEnv asks for the environment of this run from the account's
// environments, and says how to make the choice the default.
func (f *Factory) chooseEnv() (string, error) {
	client, err := f.CloudAPI()
	if err != nil {
		return "", err
	}
	ctx := f.ctx()
	var envs []cloudapi.EnvInfo
	err = f.IOStreams.RunWithProgress("Listing environments", func() error {
		var err error
		envs, err = client.DescribeEnvs(ctx)
		return err
	})
	if err != nil {
		if ctx.Err() != nil {
			// Ctrl-C while listing: interrupted (exit 130), whatever
			// the transport made of the cancelled call.
			return "", ctx.Err()
		}
		return "", Wrap("listing environments", err)
	}
	if len(envs) == 0 {
		return "", FlagErrorf("no environment selected, and the account has none").WithHint("create one with `tcb env create --alias NAME`")
	}
	i, err := f.Choose("Environment", "-e ENV_ID", EnvOptions(envs), 0)
	if err != nil {
		return "", err
	}
	id := envs[i].EnvId
	cs := f.IOStreams.ErrColorScheme()
	fmt.Fprintf(f.IOStreams.ErrOut, "%s run `tcb env use %s` to make it the default, or pass -e %s\n", cs.Yellow("hint:"), id, id)
	f.chosenEnvID = id
	return id, nil
}

// ChooseRegion asks for a CloudBase region, current first selected; off
// a terminal it fails naming flag.
func (f *Factory) ChooseRegion(flag, current string) (string, error) {
	rows := make([][]string, len(project.Regions))
	def := 0
	for i, r := range project.Regions {
		rows[i] = []string{r.ID, r.Name}
		if r.ID == current {
			def = i
		}
	}
	i, err := f.Choose("Region", flag, Columns(rows), def)
	if err != nil {
		return "", err
	}
	return project.Regions[i].ID, nil
}

// ArgsOrPrompt accepts between min and max arguments (max < 0: any), and
// also fewer than min when the missing ones can be asked for (a terminal
// that may be prompted): the command then asks. Off a terminal, missing
// arguments fail with msg (exit 3), as ExactArgs does.
func ArgsOrPrompt(f *Factory, min, max int, msg string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if max >= 0 && len(args) > max {
			return FlagErrorf("too many arguments: %q (expected %d)", args[max:], max)
		}
		if len(args) < min && !f.IOStreams.CanPrompt() {
			return FlagErrorf("%s", msg)
		}
		return nil
	}
}

// ShowRemoval lists on stderr what a delete is about to remove, before
// it asks.
func ShowRemoval(ios *iostreams.IOStreams, envID string, what []string) {
	cs := ios.ErrColorScheme()
	where := ""
	if envID != "" {
		where = " from " + envID
	}
	fmt.Fprintf(ios.ErrOut, "%s This removes%s:\n", cs.WarningIcon(), where)
	for _, w := range what {
		fmt.Fprintf(ios.ErrOut, "  - %s\n", w)
	}
}
