package cmdutil

import (
	"github.com/spf13/cobra"
)

// ExactArgs requires n arguments; msg explains what is missing.
func ExactArgs(n int, msg string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return FlagErrorf("%s", msg)
		}
		if len(args) > n {
			return FlagErrorf("too many arguments: %q (expected %d)", args[n:], n)
		}
		return nil
	}
}

// MaxArgs accepts at most n arguments.
func MaxArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > n {
			return FlagErrorf("too many arguments: %q (expected at most %d)", args[n:], n)
		}
		return nil
	}
}

// NoArgs rejects positional arguments.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return FlagErrorf("unexpected argument %q for %q", args[0], cmd.CommandPath())
	}
	return nil
}

// MinArgs requires at least n arguments.
func MinArgs(n int, msg string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return FlagErrorf("%s", msg)
		}
		return nil
	}
}
