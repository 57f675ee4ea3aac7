// Package acl implements `tcb storage get-acl` and `tcb storage set-acl`.
package acl

import (
	"context"
	"fmt"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/storage/xfer"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/storage"
)

// Options of get-acl and set-acl.
type Options struct {
	F   *cmdutil.Factory
	ACL string // set-acl
}

// NewCmdGetACL builds `tcb storage get-acl`.
func NewCmdGetACL(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	return &cobra.Command{
		Use:     "get-acl",
		Short:   "Show who may read and write the storage files (the storage ACL)",
		Example: "$ tcb storage get-acl\n$ tcb storage get-acl --json --jq .acl",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return RunGet(cmd.Context(), opts)
		},
	}
}

// RunGet prints the ACL.
func RunGet(ctx context.Context, opts *Options) error {
	f := opts.F
	t, err := xfer.Storage(ctx, f, storage.DefaultParallel)
	if err != nil {
		return err
	}
	tag, err := storage.GetACL(ctx, t.API, t.Bucket)
	if err != nil {
		return fmt.Errorf("storage get-acl: %w", err)
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, map[string]string{"acl": tag, "description": storage.ACLDescriptions[tag]}, f.Globals.JQ)
	}
	fmt.Fprintf(f.IOStreams.Out, "%s\t%s\n", tag, storage.ACLDescriptions[tag])
	return nil
}

// NewCmdSetACL builds `tcb storage set-acl`.
func NewCmdSetACL(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	var lines []string
	for _, t := range storage.ACLTags {
		lines = append(lines, fmt.Sprintf("  %-10s  %s", t, storage.ACLDescriptions[t]))
	}
	return &cobra.Command{
		Use:   "set-acl <READONLY|PRIVATE|ADMINWRITE|ADMINONLY>",
		Short: "Set who may read and write the storage files (the storage ACL)",
		Long: heredoc.Doc(`
			Set the storage ACL, which decides what mini-program and web users (not
			administrators) may do with the files:

		`) + strings.Join(lines, "\n") + "\n\nWithout an argument tcb asks on a terminal.",
		Example: "$ tcb storage set-acl PRIVATE",
		Args:    cmdutil.MaxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.ACL = strings.ToUpper(args[0])
				ok := false
				for _, t := range storage.ACLTags {
					ok = ok || t == opts.ACL
				}
				if !ok {
					return cmdutil.FlagErrorf("ACL %q is not one of %s", args[0], strings.Join(storage.ACLTags, ", "))
				}
			} else if !f.IOStreams.CanPrompt() {
				return cmdutil.NoTTYError("storage set-acl", "the ACL as an argument ("+strings.Join(storage.ACLTags, "|")+")")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return RunSet(cmd.Context(), opts)
		},
	}
}

// RunSet sets the ACL.
func RunSet(ctx context.Context, opts *Options) error {
	f := opts.F
	if opts.ACL == "" {
		var choices []string
		for _, t := range storage.ACLTags {
			choices = append(choices, t+" — "+storage.ACLDescriptions[t])
		}
		i, err := f.Prompter.Select("Storage ACL", choices, 0)
		if err != nil {
			return err
		}
		opts.ACL = storage.ACLTags[i]
	}
	t, err := xfer.Storage(ctx, f, storage.DefaultParallel)
	if err != nil {
		return err
	}
	if err := storage.SetACL(ctx, t.API, t.Bucket, opts.ACL); err != nil {
		return fmt.Errorf("storage set-acl: %w", err)
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, map[string]string{"acl": opts.ACL}, f.Globals.JQ)
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "%s Storage ACL of %s set to %s (%s)\n", f.IOStreams.ColorScheme().SuccessIcon(), t.EnvID, opts.ACL, storage.ACLDescriptions[opts.ACL])
	return nil
}
