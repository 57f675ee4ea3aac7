// Package code implements `tcb fn code download`.
package code

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/fn/shared"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/fndeploy"
	"github.com/tcb-go/tcb/pkg/funcpack"
)

// NewCmdCode builds `tcb fn code`.
func NewCmdCode(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "code <command>", Short: "Download a deployed function's code"}
	cmd.AddCommand(NewCmdDownload(f, nil))
	return cmd
}

// DownloadOptions of fn code download.
type DownloadOptions struct {
	F     *cmdutil.Factory
	Name  string
	Dest  string
	Force bool
	// defaultDest: no DEST was given.
	defaultDest bool
}

// NewCmdDownload builds `tcb fn code download`.
func NewCmdDownload(f *cmdutil.Factory, runF func(context.Context, *DownloadOptions) error) *cobra.Command {
	opts := &DownloadOptions{F: f}
	cmd := &cobra.Command{
		Use:   "download <name> [dest]",
		Short: "Download and safely unpack a function's code",
		Long: heredoc.Doc(`
			Download the deployed code (GetFunctionAddress), check it against the cloud's
			CodeSha256 and unpack it into DEST with a safe unzip: no path
			or symlink escapes, size and file-count caps. A non-empty DEST is replaced only
			after the new tree is complete; tcb asks first on a terminal, else --force is
			required.

			DEST defaults to the function's directory in the project here (functionRoot
			of cloudbaserc.json, cloudfunctionRoot of a WeChat project.config.json), else
			./NAME. Without NAME on a terminal, tcb offers the environment's functions to
			pick from; elsewhere NAME is required (exit 3).
		`),
		Example: "$ tcb fn code download hello\n$ tcb fn code download hello ./backup/hello --force",
		Args:    cmdutil.ArgsOrPrompt(f, 1, -1, downloadUsage),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 2 {
				return cmdutil.FlagErrorf("too many arguments: tcb fn code download NAME [DEST]")
			}
			opts.defaultDest = len(args) <= 1
			if len(args) > 0 {
				opts.Name, opts.Dest = args[0], args[0]
			}
			if len(args) == 2 {
				opts.Dest = args[1]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return RunDownload(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Force, "force", false, "replace a non-empty destination without asking")
	return cmd
}

const downloadUsage = "which function? tcb fn code download NAME [DEST]"

// RunDownload downloads.
func RunDownload(ctx context.Context, opts *DownloadOptions) error {
	f := opts.F
	ios := f.IOStreams
	if opts.Name == "" {
		name, err := shared.ChooseFunction(ctx, f, downloadUsage)
		if err != nil {
			return err
		}
		opts.Name, opts.Dest = name, name
	}
	if opts.defaultDest {
		dir, err := projectDir(f, opts.Name)
		if err != nil {
			return err
		}
		if dir != "" {
			opts.Dest = dir
		}
	}
	empty, err := fndeploy.IsEmptyDir(opts.Dest)
	if err != nil {
		return cmdutil.LocalErrorf("%s: %v", opts.Dest, err)
	}
	if !empty && !opts.Force {
		if !ios.CanPrompt() {
			return cmdutil.NoTTYError(fmt.Sprintf("fn code download: %s is not empty", opts.Dest), "--force to replace it")
		}
		ok, err := f.Prompter.Confirm(fmt.Sprintf("%s is not empty. Replace it?", opts.Dest), false)
		if err != nil {
			return err
		}
		if !ok {
			return cmdutil.Errorf("fn code download: cancelled")
		}
	}
	client, envID, err := f.CloudTarget()
	if err != nil {
		return err
	}
	addr, err := client.GetFunctionAddress(ctx, envID, opts.Name)
	if err != nil {
		return fmt.Errorf("fn code download: %w", err)
	}
	var zip []byte
	err = ios.RunWithProgress("Downloading "+opts.Name, func() error {
		zip, err = fndeploy.DownloadCode(ctx, &http.Client{Timeout: 5 * time.Minute}, addr.Url, addr.CodeSha256)
		return err
	})
	if err != nil {
		return cmdutil.APIErrorf("fn code download: %v", err)
	}
	st, err := fndeploy.ExtractReplace(zip, opts.Dest)
	if err != nil {
		return cmdutil.LocalErrorf("fn code download: unpacking into %s: %v", opts.Dest, err)
	}
	out := map[string]any{"function": opts.Name, "dest": opts.Dest, "files": st.Files, "bytes": st.Bytes, "code_sha256": addr.CodeSha256}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(ios.Out, out, f.Globals.JQ)
	}
	fmt.Fprintf(ios.ErrOut, "%s Unpacked %s into %s (%d files, %s, sha256 %s)\n", ios.ColorScheme().SuccessIcon(),
		opts.Name, opts.Dest, st.Files, funcpack.FormatSize(st.Bytes), addr.CodeSha256[:min(12, len(addr.CodeSha256))])
	return nil
}

// projectDir is where name's code lives in the project here ("" without a
// project).
func projectDir(f *cmdutil.Factory, name string) (string, error) {
	fn, p, err := shared.ConfiguredFunction(f, name, "dir")
	if err != nil || p == nil {
		return "", err
	}
	if fn != nil && fn.Dir != "" {
		return fn.Dir, nil
	}
	if err := p.Resolved("functionRoot"); err != nil {
		return "", err
	}
	if p.FunctionRoot != "" {
		return filepath.Join(p.FunctionRoot, name), nil
	}
	return "", nil
}
