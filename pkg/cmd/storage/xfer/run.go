package xfer

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/storage"
)

// UploadRun is one upload (storage upload, hosting deploy).
type UploadRun struct {
	Local string
	Cloud string
	// Force uploads files whose remote copy is the same.
	Force bool
	// Prune removes remote files under the prefix that are gone locally
	// (directories only), after showing them and confirming.
	Prune  bool
	DryRun bool
	// Cmd names the command in messages ("storage upload").
	Cmd string
}

// UploadSummary is the --json answer of an upload.
type UploadSummary struct {
	Uploaded  int       `json:"uploaded"`
	Unchanged int       `json:"unchanged"`
	Bytes     int64     `json:"bytes"`
	Deleted   []string  `json:"deleted"`
	Failed    []Failure `json:"failed"`
	Seconds   float64   `json:"seconds"`
	Bucket    string    `json:"bucket"`
	Prefix    string    `json:"cloudPath"`
	DryRun    bool      `json:"dryRun,omitempty"`
	Would     []string  `json:"wouldUpload,omitempty"`
	WouldDel  []string  `json:"wouldDelete,omitempty"`
	URL       string    `json:"url,omitempty"`
}

// Upload plans and runs an upload; the summary is filled even when some
// files failed (the error then says which).
func Upload(ctx context.Context, f *cmdutil.Factory, t *Target, u UploadRun) (*UploadSummary, error) {
	ios := f.IOStreams
	cloud, err := storage.CloudPath(u.Cloud, true)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(u.Local)
	if err != nil {
		return nil, cmdutil.LocalErrorf("%s: %v", u.Cmd, err)
	}
	key := cloud
	if st.IsDir() {
		key = storage.Dir(cloud)
	} else {
		if u.Prune {
			return nil, cmdutil.FlagErrorf("--prune needs a directory to compare with, not the file %s", u.Local)
		}
		if key == "" || key[len(key)-1] == '/' {
			key += filepath.Base(u.Local)
		}
	}
	var plan *storage.UploadPlan
	err = ios.RunWithProgress("Comparing "+u.Local+" with the "+t.What+" bucket", func() error {
		plan, err = t.Client.PlanUpload(ctx, u.Local, key, u.Force)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", u.Cmd, err)
	}
	sum := &UploadSummary{Unchanged: len(plan.Unchanged), Bucket: t.Bucket.Bucket, Prefix: key, Deleted: []string{}, Failed: []Failure{}}
	if u.DryRun {
		sum.DryRun = true
		for _, it := range plan.Upload {
			sum.Would = append(sum.Would, it.Key)
			sum.Bytes += it.Size
		}
		if u.Prune {
			for _, o := range plan.Stale {
				sum.WouldDel = append(sum.WouldDel, o.Key)
			}
		}
		return sum, nil
	}
	m := NewMeter(ios, "Uploading", "uploaded", len(plan.Upload), plan.Bytes)
	results := t.Client.UploadPlanned(ctx, plan, storage.UploadOptions{}, m.Progress())
	elapsed := m.Stop()
	sum.Seconds = elapsed.Seconds()
	for _, r := range results {
		if r.Err == nil {
			sum.Uploaded++
			sum.Bytes += r.Size
		}
	}
	failed, ferr := failures(u.Cmd, results)
	if failed != nil {
		sum.Failed = failed
	}
	if ferr != nil || !u.Prune || len(plan.Stale) == 0 {
		return sum, ferr
	}
	// --prune: show, confirm, delete.
	fmt.Fprintf(ios.ErrOut, "%d file(s) in the %s bucket under %q are not in %s:\n", len(plan.Stale), t.What, key, u.Local)
	for i, o := range plan.Stale {
		if i == 50 {
			fmt.Fprintf(ios.ErrOut, "  ... and %d more\n", len(plan.Stale)-50)
			break
		}
		fmt.Fprintf(ios.ErrOut, "  %s\n", o.Key)
	}
	if err := f.ConfirmOrYes(u.Cmd+" --prune", fmt.Sprintf("Delete these %d file(s)?", len(plan.Stale))); err != nil {
		return sum, err
	}
	keys := make([]string, len(plan.Stale))
	for i, o := range plan.Stale {
		keys[i] = o.Key
	}
	fails, err := t.Client.Delete(ctx, keys, nil)
	if err != nil {
		return sum, fmt.Errorf("%s --prune: %w", u.Cmd, err)
	}
	bad := map[string]bool{}
	for _, fl := range fails {
		bad[fl.Key] = true
		sum.Failed = append(sum.Failed, Failure{Key: fl.Key, Error: fl.Code + ": " + fl.Message})
	}
	for _, k := range keys {
		if !bad[k] {
			sum.Deleted = append(sum.Deleted, k)
		}
	}
	if len(fails) > 0 {
		return sum, cmdutil.APIErrorf("%s --prune: %d file(s) could not be deleted (%s: %s)", u.Cmd, len(fails), fails[0].Key, fails[0].Code)
	}
	return sum, nil
}

// PrintUpload shows an upload's summary: JSON on stdout, or a line on
// stderr.
func PrintUpload(f *cmdutil.Factory, sum *UploadSummary) error {
	ios := f.IOStreams
	if f.WantsJSON() {
		return cmdutil.PrintJSON(ios.Out, sum, f.Globals.JQ)
	}
	if sum.DryRun {
		for _, k := range sum.Would {
			fmt.Fprintf(ios.Out, "would upload %s\n", k)
		}
		for _, k := range sum.WouldDel {
			fmt.Fprintf(ios.Out, "would delete %s\n", k)
		}
		fmt.Fprintf(ios.ErrOut, "dry run: %d file(s) (%s) to upload, %d unchanged, %d to delete\n",
			len(sum.Would), HumanBytes(sum.Bytes), sum.Unchanged, len(sum.WouldDel))
		return nil
	}
	icon := ios.ColorScheme().SuccessIcon()
	if len(sum.Failed) > 0 {
		icon = ios.ColorScheme().FailureIcon()
	}
	msg := fmt.Sprintf("%s Uploaded %d file(s) (%s) in %s", icon, sum.Uploaded, HumanBytes(sum.Bytes), time.Duration(sum.Seconds*float64(time.Second)).Round(time.Millisecond))
	if sum.Unchanged > 0 {
		msg += fmt.Sprintf(", %d unchanged", sum.Unchanged)
	}
	if len(sum.Deleted) > 0 {
		msg += fmt.Sprintf(", %d deleted", len(sum.Deleted))
	}
	fmt.Fprintln(ios.ErrOut, msg)
	return nil
}

// DownloadSummary is the --json answer of a download.
type DownloadSummary struct {
	Downloaded int       `json:"downloaded"`
	Bytes      int64     `json:"bytes"`
	Failed     []Failure `json:"failed"`
	Seconds    float64   `json:"seconds"`
	Local      string    `json:"local"`
}

// Download fetches one file (dir false) or everything under a cloud
// directory into local.
func Download(ctx context.Context, f *cmdutil.Factory, t *Target, cloud, local string, dir bool, cmd string) error {
	ios := f.IOStreams
	cloud, err := storage.CloudPath(cloud, dir)
	if err != nil {
		return err
	}
	var items []storage.Item
	if dir {
		if local == "" {
			local = "."
		}
		prefix := storage.Dir(cloud)
		err = ios.RunWithProgress("Listing "+showCloud(prefix), func() error {
			items, err = t.Client.PlanDownload(ctx, prefix, local)
			return err
		})
		if err != nil {
			return fmt.Errorf("%s: %w", cmd, err)
		}
		if len(items) == 0 {
			return cmdutil.NotFoundErrorf("%s: no files under %s in the %s bucket", cmd, showCloud(prefix), t.What)
		}
	} else {
		var info *storage.Info
		err = ios.RunWithProgress("Reading "+cloud, func() error {
			info, err = t.Client.Stat(ctx, cloud)
			return err
		})
		if err != nil {
			if storage.IsNotFound(err) {
				return cmdutil.NotFoundErrorf("%s: %s is not in the %s bucket", cmd, cloud, t.What).
					WithHint("list the files with `tcb %s list`; for a directory pass -d", t.What)
			}
			return fmt.Errorf("%s: %w", cmd, err)
		}
		if local == "" {
			local = path.Base(cloud)
		} else if st, err := os.Stat(local); err == nil && st.IsDir() {
			local = filepath.Join(local, path.Base(cloud))
		}
		items = []storage.Item{{Key: cloud, Local: local, Size: info.Size}}
	}
	var total int64
	for _, it := range items {
		total += it.Size
	}
	m := NewMeter(ios, "Downloading", "saved", len(items), total)
	results := t.Client.Download(ctx, items, m.Progress())
	sum := &DownloadSummary{Seconds: m.Stop().Seconds(), Local: local, Failed: []Failure{}}
	for _, r := range results {
		if r.Err == nil {
			sum.Downloaded++
			sum.Bytes += r.Size
		}
	}
	failed, ferr := failures(cmd, results)
	if failed != nil {
		sum.Failed = failed
	}
	if f.WantsJSON() {
		if err := cmdutil.PrintJSON(ios.Out, sum, f.Globals.JQ); err != nil {
			return err
		}
	} else if sum.Downloaded > 0 {
		fmt.Fprintf(ios.ErrOut, "%s Downloaded %d file(s) (%s) to %s in %s\n", ios.ColorScheme().SuccessIcon(), sum.Downloaded,
			HumanBytes(sum.Bytes), local, time.Duration(sum.Seconds*float64(time.Second)).Round(time.Millisecond))
	}
	return ferr
}

func showCloud(prefix string) string {
	if prefix == "" {
		return "the bucket's root"
	}
	return prefix
}

// List prints the files under prefix: a table, or --json.
func List(ctx context.Context, f *cmdutil.Factory, t *Target, cloud, cmd string) error {
	ios := f.IOStreams
	prefix, err := storage.CloudPath(cloud, true)
	if err != nil {
		return err
	}
	var l *storage.Listing
	err = ios.RunWithProgress("Listing "+showCloud(prefix), func() error {
		l, err = t.Client.List(ctx, prefix, true)
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	if f.WantsJSON() {
		objs := l.Objects
		if objs == nil {
			objs = []storage.Object{}
		}
		return cmdutil.PrintJSON(ios.Out, objs, f.Globals.JQ)
	}
	if len(l.Objects) == 0 {
		fmt.Fprintf(ios.ErrOut, "no files under %s in the %s bucket %s\n", showCloud(prefix), t.What, t.Bucket.Bucket)
		return nil
	}
	tbl := cmdutil.NewTable(ios, "KEY", "SIZE", "LAST MODIFIED")
	var total int64
	for _, o := range l.Objects {
		tbl.Row(o.Key, HumanBytes(o.Size), f.FormatTime(o.LastModified))
		total += o.Size
	}
	if err := tbl.Render(); err != nil {
		return err
	}
	fmt.Fprintf(ios.ErrOut, "%d file(s), %s\n", len(l.Objects), HumanBytes(total))
	return nil
}

// Delete removes one file, or everything under a cloud directory (dir;
// "" is the whole bucket), after confirming.
func Delete(ctx context.Context, f *cmdutil.Factory, t *Target, cloud string, dir, dryRun bool, cmd string) error {
	ios := f.IOStreams
	cloud, err := storage.CloudPath(cloud, dir)
	if err != nil {
		return err
	}
	var keys []string
	if dir {
		prefix := storage.Dir(cloud)
		var l *storage.Listing
		err = ios.RunWithProgress("Listing "+showCloud(prefix), func() error {
			l, err = t.Client.List(ctx, prefix, true)
			return err
		})
		if err != nil {
			return fmt.Errorf("%s: %w", cmd, err)
		}
		for _, o := range l.Objects {
			keys = append(keys, o.Key)
		}
	} else {
		if _, err := t.Client.Stat(ctx, cloud); err != nil {
			if storage.IsNotFound(err) {
				return cmdutil.NotFoundErrorf("%s: %s is not in the %s bucket", cmd, cloud, t.What).
					WithHint("for a directory pass -d")
			}
			return fmt.Errorf("%s: %w", cmd, err)
		}
		keys = []string{cloud}
	}
	if keys == nil {
		keys = []string{}
	}
	if dryRun {
		if f.WantsJSON() {
			return cmdutil.PrintJSON(ios.Out, map[string]any{"dryRun": true, "wouldDelete": keys}, f.Globals.JQ)
		}
		for _, k := range keys {
			fmt.Fprintf(ios.Out, "would delete %s\n", k)
		}
		fmt.Fprintf(ios.ErrOut, "dry run: %d file(s) would be deleted\n", len(keys))
		return nil
	}
	if len(keys) == 0 {
		if f.WantsJSON() {
			return cmdutil.PrintJSON(ios.Out, map[string]any{"deleted": keys}, f.Globals.JQ)
		}
		fmt.Fprintf(ios.ErrOut, "nothing to delete under %s\n", showCloud(storage.Dir(cloud)))
		return nil
	}
	question := fmt.Sprintf("Delete %s from the %s bucket?", keys[0], t.What)
	if dir {
		question = fmt.Sprintf("Delete %d file(s) under %s from the %s bucket?", len(keys), showCloud(storage.Dir(cloud)), t.What)
	}
	if dir && !f.Globals.Yes && ios.CanPrompt() {
		const show = 10
		what := append(make([]string, 0, show+1), keys[:min(show, len(keys))]...)
		if len(keys) > show {
			what = append(what, fmt.Sprintf("and %d more (--dry-run lists them all)", len(keys)-show))
		}
		cmdutil.ShowRemoval(ios, "", what)
	}
	if err := f.ConfirmOrYes(cmd, question); err != nil {
		return err
	}
	var fails []storage.DeleteFailure
	err = ios.RunWithProgress(fmt.Sprintf("Deleting %d file(s)", len(keys)), func() error {
		if !dir {
			return t.Client.DeleteOne(ctx, keys[0])
		}
		fails, err = t.Client.Delete(ctx, keys, nil)
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	bad := map[string]bool{}
	for _, fl := range fails {
		bad[fl.Key] = true
	}
	deleted := []string{}
	for _, k := range keys {
		if !bad[k] {
			deleted = append(deleted, k)
		}
	}
	if f.WantsJSON() {
		if err := cmdutil.PrintJSON(ios.Out, map[string]any{"deleted": deleted, "failed": fails}, f.Globals.JQ); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(ios.ErrOut, "%s Deleted %d file(s)\n", ios.ColorScheme().SuccessIcon(), len(deleted))
	}
	if len(fails) > 0 {
		return cmdutil.APIErrorf("%s: %d file(s) could not be deleted (%s: %s)", cmd, len(fails), fails[0].Key, fails[0].Code)
	}
	return nil
}
