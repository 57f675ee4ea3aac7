package functions

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/tcb-go/tcb/pkg/emulator/store"
	"github.com/tcb-go/tcb/pkg/funcpack"
)

// Layers, as on SCF, belong to the account, not to a namespace: a layer is
// a name with numbered, immutable versions, each one zip. The CloudBase
// tools tag theirs with Src "TCB_<envId>" and list them by it.
//
// Storage: scf_layers/<name> holds the layer (its versions' metadata),
// scf_layer_zips/<sha> each zip once. On disk, layers/<sha>/ is an
// extracted zip and opt/<key>/ the /opt of one list of bound layers (their
// files merged in bound order, a later layer's file replacing an earlier
// one's, as SCF keeps the file of the layer with the highest sequence
// number). Both are built in a temporary directory and renamed into place,
// so a crash never leaves a half-written one that looks complete.
//
// A deleted layer version disappears from the API at once, but its zip
// stays as long as a function (its $LATEST, its live code or a published
// version) is bound to it: "deleting a layer version does not affect the
// functions bound to it".

const (
	bucketLayers    = "scf_layers"
	bucketLayerZips = "scf_layer_zips"

	maxLayersPerFunction = 5
	maxLayerVersions     = 200
)

// layerRecord is a layer as stored.
type layerRecord struct {
	Name        string         `json:"name"`
	Src         string         `json:"src,omitempty"`
	LastVersion int64          `json:"last_version"`
	Versions    []layerVersion `json:"versions"` // oldest first, deleted ones removed
}

// layerVersion is one published version of a layer.
type layerVersion struct {
	Version            int64     `json:"version"`
	Sha                string    `json:"sha"`
	Size               int64     `json:"size"`
	CompatibleRuntimes []string  `json:"compatible_runtimes"`
	Description        string    `json:"description,omitempty"`
	LicenseInfo        string    `json:"license_info,omitempty"`
	AddTime            time.Time `json:"add_time"`
}

func (l *layerRecord) version(v int64) *layerVersion {
	for i := range l.Versions {
		if l.Versions[i].Version == v {
			return &l.Versions[i]
		}
	}
	return nil
}

func getLayerTx(tx *store.Tx, name string) (*layerRecord, error) {
	var l layerRecord
	ok, err := tx.Get([]string{bucketLayers}, name, &l)
	if err != nil || !ok {
		return nil, err
	}
	return &l, nil
}

func putLayerTx(tx *store.Tx, l *layerRecord) error {
	return tx.Put([]string{bucketLayers}, l.Name, l)
}

func allLayersTx(tx *store.Tx) ([]*layerRecord, error) {
	var out []*layerRecord
	err := tx.ForEach([]string{bucketLayers}, func(_ string, raw []byte) error {
		var l layerRecord
		if err := json.Unmarshal(raw, &l); err != nil {
			return err
		}
		out = append(out, &l)
		return nil
	})
	return out, err
}

func putLayerZipTx(tx *store.Tx, sha string, zip []byte) error {
	return putZipInTx(tx, bucketLayerZips, sha, zip)
}

// loadLayerZip returns a copy of a stored layer zip.
func (m *Module) loadLayerZip(sha string) ([]byte, error) {
	return m.loadZipFrom(bucketLayerZips, "layer zip", sha)
}

func (m *Module) layersRoot() string { return filepath.Join(m.dir, "layers") }
func (m *Module) optRoot() string    { return filepath.Join(m.dir, "opt") }

// optKey names the /opt directory of a list of bound layers.
func optKey(layers []boundLayer) string {
	if len(layers) == 0 {
		return ""
	}
	h := sha256.New()
	for _, l := range layers {
		fmt.Fprintf(h, "%s\n", l.Sha)
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// ensureOpt returns the /opt directory of the bound layers ("" when there
// are none), building it when it is missing.
func (m *Module) ensureOpt(ctx context.Context, layers []boundLayer) (string, error) {
	key := optKey(layers)
	if key == "" {
		return "", nil
	}
	return m.buildDirOnce(m.optRoot(), key, "opt:"+key, func(tmp string) error {
		srcs := make([]string, 0, len(layers))
		for _, l := range layers {
			if err := ctx.Err(); err != nil {
				return err
			}
			src, err := m.ensureLayerDir(l.Sha)
			if err != nil {
				return fmt.Errorf("layer %s version %d: %w", l.Name, l.Version, err)
			}
			srcs = append(srcs, src)
		}
		for _, src := range srcs {
			if err := overlay(src, tmp); err != nil {
				return fmt.Errorf("merging the layers: %w", err)
			}
		}
		return nil
	})
}

// ensureLayerDir extracts a layer zip into layers/<sha>/ unless it is
// there.
func (m *Module) ensureLayerDir(sha string) (string, error) {
	return m.buildDirOnce(m.layersRoot(), sha, "layer:"+sha, func(tmp string) error {
		zip, err := m.loadLayerZip(sha)
		if err != nil {
			return err
		}
		_, err = funcpack.SafeUnzip(bytes.NewReader(zip), int64(len(zip)), tmp, funcpack.DefaultLimits())
		return err
	})
}

// buildDirOnce returns root/name, building it unless it is there: under
// the lock lockKey, fill writes it in a temporary directory that is
// renamed into place when complete (removed when fill fails).
func (m *Module) buildDirOnce(root, name, lockKey string, fill func(tmp string) error) (string, error) {
	dir := filepath.Join(root, name)
	if isDir(dir) {
		return dir, nil
	}
	unlock := m.locks.lock(lockKey)
	defer unlock()
	if isDir(dir) {
		return dir, nil
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	removeStale(root, name)
	tmp, err := os.MkdirTemp(root, name+".tmp-")
	if err != nil {
		return "", err
	}
	if err := fill(tmp); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	return dir, nil
}

// removeStale removes the temporary directories a crashed build of name
// left in root (the caller holds the lock of name).
func removeStale(root, name string) {
	olds, _ := filepath.Glob(filepath.Join(root, name+".tmp-*"))
	for _, d := range olds {
		os.RemoveAll(d)
	}
}

// overlay copies the tree src over dst: files of src replace what dst has
// at the same path (a file or a whole directory); directories merge.
// Files are hard links when the file system allows, else copies. src
// holds only regular files and directories (SafeUnzip refuses the rest).
func overlay(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil || rel == "." {
			return err
		}
		target := filepath.Join(dst, rel)
		st, statErr := os.Lstat(target)
		if d.IsDir() {
			if statErr == nil && st.IsDir() {
				return nil
			}
			if statErr == nil {
				if err := os.RemoveAll(target); err != nil {
					return err
				}
			}
			return os.Mkdir(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: not a regular file", rel)
		}
		if statErr == nil {
			if err := os.RemoveAll(target); err != nil {
				return err
			}
		}
		if os.Link(p, target) == nil {
			return nil
		}
		return copyFile(p, target)
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, st.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// gcLayers drops the layer zips no layer version and no function refers to
// any more, with their directories, and the /opt directories of layer
// lists no function is bound to.
func (m *Module) gcLayers() {
	var gone []string
	keepOpt := map[string]bool{}
	err := m.h.DB.Update(func(tx *store.Tx) error {
		keep := map[string]bool{}
		layers, err := allLayersTx(tx)
		if err != nil {
			return err
		}
		for _, l := range layers {
			for _, v := range l.Versions {
				keep[v.Sha] = true
			}
		}
		if err := allRecordsTx(tx, func(r *record) error {
			for _, sp := range recordSpecs(r) {
				for _, l := range sp.Layers {
					keep[l.Sha] = true
				}
				if k := optKey(sp.Layers); k != "" {
					keepOpt[k] = true
				}
			}
			return nil
		}); err != nil {
			return err
		}
		b := tx.Raw().Bucket([]byte(bucketLayerZips))
		if b == nil {
			return nil
		}
		var drop [][]byte
		if err := b.ForEach(func(k, _ []byte) error {
			if !keep[string(k)] {
				drop = append(drop, append([]byte(nil), k...))
			}
			return nil
		}); err != nil {
			return err
		}
		for _, k := range drop {
			if err := b.Delete(k); err != nil {
				return err
			}
			gone = append(gone, string(k))
		}
		return nil
	})
	if err != nil {
		m.log.Warn("functions: layer cleanup failed", "err", err)
		return
	}
	sort.Strings(gone)
	for _, sha := range gone {
		unlock := m.locks.lock("layer:" + sha)
		os.RemoveAll(filepath.Join(m.layersRoot(), sha))
		unlock()
	}
	entries, _ := os.ReadDir(m.optRoot())
	for _, e := range entries {
		key := e.Name()
		if strings.Contains(key, ".tmp-") || keepOpt[key] {
			continue
		}
		unlock := m.locks.lock("opt:" + key)
		os.RemoveAll(filepath.Join(m.optRoot(), key))
		unlock()
	}
}

// recordSpecs lists every spec of a record: $LATEST, the live one and
// the published versions.
func recordSpecs(r *record) []*spec {
	out := []*spec{&r.Spec}
	if r.Live != nil {
		out = append(out, r.Live)
	}
	for i := range r.Versions {
		out = append(out, &r.Versions[i].Spec)
	}
	return out
}
