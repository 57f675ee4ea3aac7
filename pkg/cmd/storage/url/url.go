// Package url implements `tcb storage url`.
package url

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/storage/xfer"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/storage"
)

// Options of storage url.
type Options struct {
	F      *cmdutil.Factory
	Paths  []string
	MaxAge time.Duration
	maxAge string
}

// NewCmdURL builds `tcb storage url`.
func NewCmdURL(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "url <cloudPath>...",
		Short: "Print temporary download URLs of cloud storage files",
		Long: heredoc.Doc(`
			Print a signed download URL for each CLOUDPATH, one per line, that works for
			--max-age (seconds, or a duration such as 10m; default 3600, at most 7 days)
			and is refused afterwards. The files are checked to exist first.
		`),
		Example: heredoc.Doc(`
			$ tcb storage url images/logo.png
			$ tcb storage url a.txt b.txt --max-age 10m --json
		`),
		Args: cmdutil.MinArgs(1, "which file? tcb storage url CLOUDPATH..."),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, p := range args {
				if _, err := storage.CloudPath(p, false); err != nil {
					return cmdutil.FlagErrorf("%v", err)
				}
			}
			opts.Paths = args
			d, err := parseAge(opts.maxAge)
			if err != nil {
				return err
			}
			opts.MaxAge = d
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.maxAge, "max-age", "3600", "how long the URLs work: seconds, or a duration (10m, 2h)")
	return cmd
}

func parseAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		d = time.Duration(n) * time.Second
	} else if d, err = time.ParseDuration(s); err != nil {
		return 0, cmdutil.FlagErrorf("--max-age %q: give seconds or a duration such as 10m", s)
	}
	if d < time.Second || d > storage.MaxURLAge {
		return 0, cmdutil.FlagErrorf("--max-age must be between 1s and %s", storage.MaxURLAge)
	}
	return d, nil
}

type entry struct {
	CloudPath string    `json:"cloudPath"`
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// Run prints the URLs.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	t, err := xfer.Storage(ctx, f, storage.DefaultParallel)
	if err != nil {
		return err
	}
	var out []entry
	for _, p := range opts.Paths {
		if _, err := t.Client.Stat(ctx, p); err != nil {
			if storage.IsNotFound(err) {
				return cmdutil.NotFoundErrorf("storage url: %s is not in the storage bucket", p)
			}
			return fmt.Errorf("storage url: %w", err)
		}
		u, err := t.Client.PresignGet(ctx, p, opts.MaxAge)
		if err != nil {
			return fmt.Errorf("storage url: %w", err)
		}
		out = append(out, entry{CloudPath: p, URL: u, ExpiresAt: time.Now().Add(opts.MaxAge).UTC().Truncate(time.Second)})
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, out, f.Globals.JQ)
	}
	for _, e := range out {
		fmt.Fprintln(f.IOStreams.Out, e.URL)
	}
	return nil
}
