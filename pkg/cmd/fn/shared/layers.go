package shared

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/fnlayer"
)

// RequireLayerVersion checks the --layer and --layer-version flags of the
// commands on one layer version; what, when not empty, says what the
// version is for in the error.
func RequireLayerVersion(layer string, version int64, what string) error {
	if layer == "" {
		return cmdutil.FlagErrorf("--layer is required: the layer's alias")
	}
	if version < 1 {
		if what != "" {
			what = ": " + what
		}
		return cmdutil.FlagErrorf("--layer-version is required%s (1 or more)", what)
	}
	return nil
}

// LayerTarget is Target for a command on the layer alias: the client, the
// environment and the layer's full name (an invalid alias is a usage error).
func LayerTarget(f *cmdutil.Factory, alias string) (*cloudapi.Client, string, string, error) {
	client, envID, err := f.CloudTarget()
	if err != nil {
		return nil, "", "", err
	}
	if err := fnlayer.CheckAlias(alias, envID); err != nil {
		return nil, "", "", cmdutil.FlagErrorf("%v", err)
	}
	return client, envID, fnlayer.Name(alias, envID), nil
}

// ChangeLayers changes the layers bound to function (fnlayer.Apply) behind
// the progress line progress, and reports the layers it binds after; cmd
// (e.g. "fn layer bind") prefixes errors, and a change refused as invalid
// is a usage error.
func ChangeLayers(ctx context.Context, f *cmdutil.Factory, client *cloudapi.Client, envID, cmd, progress, function string, change func([]fnlayer.Ref) ([]fnlayer.Ref, error)) error {
	var bound []fnlayer.Ref
	err := f.IOStreams.RunWithProgress(progress, func() error {
		var err error
		bound, err = fnlayer.Apply(ctx, client, envID, function, change)
		return err
	})
	var ie *fnlayer.InvalidError
	if errors.As(err, &ie) {
		return cmdutil.FlagErrorf("%s: %v", cmd, err)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	return printLayers(f, function, bound)
}

// printLayers reports the layers now bound to a function.
func printLayers(f *cmdutil.Factory, function string, bound []fnlayer.Ref) error {
	if bound == nil {
		bound = []fnlayer.Ref{}
	}
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, map[string]any{"function": function, "layers": bound}, f.Globals.JQ)
	}
	names := make([]string, len(bound))
	for i, r := range bound {
		names[i] = r.String()
	}
	list := strings.Join(names, ", ")
	if list == "" {
		list = "none"
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "%s %s binds: %s\n", f.IOStreams.ColorScheme().SuccessIcon(), function, list)
	return nil
}
