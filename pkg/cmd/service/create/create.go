// Package create implements `tcb service create`.
package create

import (
	"context"
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// Options of service create.
type Options struct {
	F        *cmdutil.Factory
	Path     string
	Function string
}

// NewCmdCreate builds `tcb service create`.
func NewCmdCreate(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Serve a function at a path of the HTTP access service",
		Long: heredoc.Doc(`
			Bind a path of the environment's HTTP access service to a cloud function
			(CreateCloudBaseGWAPI). Requests to the path, and to every path below it,
			reach the function: an event function gets the integration request
			(path, httpMethod, headers, queryStringParameters, body, isBase64Encoded),
			a web function (deployed with --httpFn) the request itself.

			The path gets a leading / when it has none. Without --service-path and
			--function tcb asks on a terminal.
		`),
		Example: heredoc.Doc(`
			$ tcb service create -p /api -f api
			$ curl http://$TCB_ENV_ID.service.localhost:9800/api/users   # on the emulator
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Path == "" || opts.Function == "" {
				if !f.IOStreams.CanPrompt() {
					return cmdutil.NoTTYError("service create", "--service-path and --function")
				}
			}
			if opts.Path != "" {
				opts.Path = cloudapi.NormalizeServicePath(opts.Path)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Path, "service-path", "p", "", "Path of the HTTP access service, e.g. /api")
	cmd.Flags().StringVarP(&opts.Function, "function", "f", "", "Name of the function the path serves")
	return cmd
}

// Run creates the path.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	api, envID, err := f.CloudTarget()
	if err != nil {
		return err
	}
	if opts.Function == "" {
		fns, err := api.ListFunctions(ctx, envID)
		if err != nil {
			return fmt.Errorf("service create: listing functions: %w", err)
		}
		if len(fns) == 0 {
			return cmdutil.NotFoundErrorf("service create: %s has no functions", envID).WithHint("deploy one first: tcb fn deploy NAME")
		}
		names := make([]string, len(fns))
		for i, fn := range fns {
			names[i] = fn.FunctionName
		}
		i, err := f.Prompter.Select("Function to serve", names, 0)
		if err != nil {
			return err
		}
		opts.Function = names[i]
	}
	if opts.Path == "" {
		p, err := f.Prompter.Input("Path of the HTTP access service", "/"+opts.Function)
		if err != nil {
			return err
		}
		opts.Path = cloudapi.NormalizeServicePath(p)
		if opts.Path == "" {
			return cmdutil.FlagErrorf("service create: the path must not be empty")
		}
	}
	var id string
	var svc *cloudapi.DescribeCloudBaseGWServiceResponse
	err = f.IOStreams.RunWithProgress(fmt.Sprintf("Serving %s at %s", opts.Function, opts.Path), func() error {
		id, err = api.CreateGWAPI(ctx, envID, opts.Path, opts.Function)
		if err != nil {
			return err
		}
		svc, err = api.DescribeGWService(ctx, envID, "")
		return err
	})
	if err != nil {
		if cloudapi.IsCode(err, "InvalidParameter.APICreated") {
			return cmdutil.FlagErrorf("service create: the path %s already exists", opts.Path).
				WithHint("`tcb service list` shows the paths; `tcb service delete -p %s` frees it", opts.Path)
		}
		return fmt.Errorf("service create: %w", err)
	}
	url := cloudapi.ServiceOrigin(svc.DefaultDomain) + opts.Path
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, map[string]string{"apiId": id, "path": opts.Path, "function": opts.Function, "url": url}, f.Globals.JQ)
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "%s %s now serves %s\n", f.IOStreams.ColorScheme().SuccessIcon(), opts.Path, opts.Function)
	fmt.Fprintln(f.IOStreams.Out, url)
	return nil
}
