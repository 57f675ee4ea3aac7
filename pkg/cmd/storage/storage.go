// Package storage is the `tcb storage` command group.
package storage

import (
	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/storage/acl"
	"github.com/tcb-go/tcb/pkg/cmd/storage/delete"
	"github.com/tcb-go/tcb/pkg/cmd/storage/detail"
	"github.com/tcb-go/tcb/pkg/cmd/storage/download"
	"github.com/tcb-go/tcb/pkg/cmd/storage/list"
	"github.com/tcb-go/tcb/pkg/cmd/storage/upload"
	"github.com/tcb-go/tcb/pkg/cmd/storage/url"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// NewCmdStorage builds `tcb storage`.
func NewCmdStorage(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "storage <command>",
		Short: "Upload, download, list and delete cloud storage files; URLs and the storage ACL",
		Long: "Work with the files of the environment's storage bucket (cloud://<env>.<bucket>/<path>): " +
			"parallel transfers, unchanged files skipped by checksum, large files in resumable parts.",
	}
	cmd.AddCommand(upload.NewCmdUpload(f, nil))
	cmd.AddCommand(download.NewCmdDownload(f, nil))
	cmd.AddCommand(list.NewCmdList(f, nil))
	cmd.AddCommand(delete.NewCmdDelete(f, nil))
	cmd.AddCommand(url.NewCmdURL(f, nil))
	cmd.AddCommand(detail.NewCmdDetail(f, nil))
	cmd.AddCommand(acl.NewCmdGetACL(f, nil))
	cmd.AddCommand(acl.NewCmdSetACL(f, nil))
	return cmd
}
