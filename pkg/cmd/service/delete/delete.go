// Package delete implements `tcb service delete`.
package delete

import (
	"context"
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// Options of service delete.
type Options struct {
	F         *cmdutil.Factory
	Path      string
	ServiceID string
	Name      string
	DryRun    bool
}

// NewCmdDelete builds `tcb service delete`.
func NewCmdDelete(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "delete",
		Short: "Delete paths of the HTTP access service",
		Long: heredoc.Doc(`
			Delete HTTP access paths (DeleteCloudBaseGWAPI): the one at --service-path,
			the one with --service-id, or every path of the function --name. The
			function itself stays. Asks to confirm unless --yes; --dry-run shows what
			would go.
		`),
		Example: "$ tcb service delete -p /api --yes\n$ tcb service delete -n api --dry-run",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			n := 0
			for _, s := range []string{opts.Path, opts.ServiceID, opts.Name} {
				if s != "" {
					n++
				}
			}
			if n == 0 {
				return cmdutil.FlagErrorf("service delete: name what to delete with --service-path, --service-id or --name")
			}
			opts.Path = cloudapi.NormalizeServicePath(opts.Path)
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Path, "service-path", "p", "", "Delete the path at this path")
	cmd.Flags().StringVarP(&opts.ServiceID, "service-id", "i", "", "Delete the path with this id (APIId)")
	cmd.Flags().StringVarP(&opts.Name, "name", "n", "", "Delete every path of this function")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "Show what would be deleted, delete nothing")
	return cmd
}

// Run deletes the paths.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	api, envID, err := f.CloudTarget()
	if err != nil {
		return err
	}
	out, err := api.DescribeGWAPIs(ctx, envID, cloudapi.DescribeCloudBaseGWAPIRequest{Path: opts.Path, APIId: opts.ServiceID, Name: opts.Name, Limit: 1000})
	if err != nil {
		return fmt.Errorf("service delete: %w", err)
	}
	if len(out.APISet) == 0 {
		return cmdutil.NotFoundErrorf("service delete: no HTTP access path of %s matches", envID).WithHint("`tcb service list` shows the paths")
	}
	paths := make([]map[string]string, 0, len(out.APISet))
	for _, a := range out.APISet {
		paths = append(paths, map[string]string{"apiId": a.APIId, "path": a.Path, "function": a.Name})
	}
	if opts.DryRun {
		if f.WantsJSON() {
			return cmdutil.PrintJSON(f.IOStreams.Out, map[string]any{"dryRun": true, "deleted": paths}, f.Globals.JQ)
		}
		for _, p := range paths {
			fmt.Fprintf(f.IOStreams.Out, "would delete %s (%s)\n", p["path"], p["function"])
		}
		return nil
	}
	if err := f.ConfirmOrYes("service delete", fmt.Sprintf("Delete %d HTTP access path(s) of %s?", len(paths), envID)); err != nil {
		return err
	}
	err = f.IOStreams.RunWithProgress("Deleting", func() error {
		return api.DeleteGWAPI(ctx, envID, cloudapi.DeleteCloudBaseGWAPIRequest{Path: opts.Path, APIId: opts.ServiceID, Name: opts.Name})
	})
	if err != nil {
		return fmt.Errorf("service delete: %w", err)
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, map[string]any{"dryRun": false, "deleted": paths}, f.Globals.JQ)
	}
	for _, p := range paths {
		fmt.Fprintf(f.IOStreams.ErrOut, "%s deleted %s (%s)\n", f.IOStreams.ColorScheme().SuccessIcon(), p["path"], p["function"])
	}
	return nil
}
