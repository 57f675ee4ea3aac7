// Package detail implements `tcb storage detail`.
package detail

import (
	"context"
	"fmt"
	"sort"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/storage/xfer"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/storage"
)

// Options of storage detail.
type Options struct {
	F     *cmdutil.Factory
	Cloud string
}

// NewCmdDetail builds `tcb storage detail`.
func NewCmdDetail(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	return &cobra.Command{
		Use:     "detail <cloudPath>",
		Short:   "Show a cloud storage file's size, type, checksum and metadata",
		Example: "$ tcb storage detail images/logo.png\n$ tcb storage detail images/logo.png --json --jq .size",
		Args:    cmdutil.ExactArgs(1, "which file? tcb storage detail CLOUDPATH"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cloud = args[0]
			if _, err := storage.CloudPath(opts.Cloud, false); err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
}

// Run shows the file.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	t, err := xfer.Storage(ctx, f, storage.DefaultParallel)
	if err != nil {
		return err
	}
	info, err := t.Client.Stat(ctx, opts.Cloud)
	if err != nil {
		if storage.IsNotFound(err) {
			return cmdutil.NotFoundErrorf("storage detail: %s is not in the storage bucket", opts.Cloud)
		}
		return fmt.Errorf("storage detail: %w", err)
	}
	type out struct {
		*storage.Info
		FileID string `json:"fileId"`
	}
	fileID := "cloud://" + t.EnvID + "." + t.Bucket.Bucket + "/" + info.Key
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, out{Info: info, FileID: fileID}, f.Globals.JQ)
	}
	fields := [][2]string{
		{"Key", info.Key},
		{"FileID", fileID},
		{"Size", fmt.Sprintf("%s (%d bytes)", xfer.HumanBytes(info.Size), info.Size)},
		{"Type", info.ContentType},
		{"ETag", info.ETag},
		{"CRC64", info.CRC64},
		{"Modified", f.FormatTime(info.LastModified)},
	}
	if info.CacheControl != "" {
		fields = append(fields, [2]string{"CacheControl", info.CacheControl})
	}
	keys := make([]string, 0, len(info.Meta))
	for k := range info.Meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fields = append(fields, [2]string{"meta " + k, info.Meta[k]})
	}
	return cmdutil.PrintFields(f.IOStreams, fields)
}
