// Package app is tcb's entry point: it builds the Factory and the command
// tree, runs the command under a context cancelled by Ctrl-C/SIGTERM, and
// prints every failure with its hint and request id, exiting with the code
// cmdutil.ExitCode gives it.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/build"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/iostreams"
	"github.com/tcb-go/tcb/pkg/prompt"
)

// Main runs tcb with os.Args and returns the exit code.
func Main() int {
	ios := iostreams.System()
	f := cmdutil.New(build.Version, ios)
	f.Prompter = newPrompter(ios)
	root := newRootFor(f, os.Args[1:])

	ctx, stop := interruptContext()
	defer stop()
	f.Context = ctx // what the Factory calls on its own stops with Ctrl-C too

	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	if ctx.Err() != nil && !cmdutil.HasExitCode(err) {
		err = context.Canceled
	}
	return PrintError(ios.ErrOut, ios.ErrColorScheme(), cmd, err)
}

// interruptContext is cancelled by the first SIGINT or SIGTERM, which lets
// the command stop cleanly (exit 130). The default handling is restored
// right after, so a second Ctrl-C ends a command that is stuck where it
// cannot see the context (a read from a terminal or a pipe, for example);
// without that, every further Ctrl-C was swallowed too.
func interruptContext() (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	return ctx, stop
}

func newPrompter(ios *iostreams.IOStreams) prompt.Prompter {
	if !ios.CanPrompt() || ios.StdinFile() == nil || ios.StdoutFile() == nil {
		return prompt.NoTTY{}
	}
	return prompt.NewSurvey(ios.StdinFile(), ios.StdoutFile(), ios.ErrOut, ios.ColorEnabled())
}

// PrintError writes "error: ..." plus hint and request id lines and returns
// the exit code (cmdutil.ExitCode).
func PrintError(w io.Writer, cs *iostreams.ColorScheme, cmd *cobra.Command, err error) int {
	code := cmdutil.ExitCode(err)
	if errors.Is(err, cmdutil.ErrSilent) {
		return cmdutil.ExitError
	}
	var silent cmdutil.SilentExit
	if errors.As(err, &silent) {
		return silent.Code
	}
	if code == cmdutil.ExitInterrupted {
		fmt.Fprintln(w, cs.Red("interrupted"))
		return code
	}
	fmt.Fprintf(w, "%s %s\n", cs.Red("error:"), err.Error())
	var sg interface{ Suggestion() string }
	if errors.As(err, &sg) && sg.Suggestion() != "" {
		fmt.Fprintln(w, sg.Suggestion())
	}
	if hint := hintOf(err); hint != "" {
		fmt.Fprintf(w, "%s %s\n", cs.Yellow("hint:"), hint)
	} else if cmdutil.IsUsageError(err) && cmd != nil {
		fmt.Fprintf(w, "%s run `%s --help` for usage\n", cs.Yellow("hint:"), cmd.CommandPath())
	}
	var rid cmdutil.RequestIDer
	if errors.As(err, &rid) && rid.RequestID() != "" {
		fmt.Fprintf(w, "RequestId: %s\n", rid.RequestID())
	}
	return code
}

func hintOf(err error) string {
	for e := err; e != nil; e = errors.Unwrap(e) {
		switch x := e.(type) {
		case *cmdutil.Error:
			if x.Hint != "" {
				return x.Hint
			}
		case cmdutil.Hinter:
			if h := x.Hint(); h != "" {
				return h
			}
		}
	}
	return ""
}
