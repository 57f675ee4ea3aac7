package functions

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/tcb-go/tcb/internal/ascii"
	"github.com/tcb-go/tcb/pkg/chinatime"
	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/emulator/capi"
	"github.com/tcb-go/tcb/pkg/emulator/store"
	"github.com/tcb-go/tcb/pkg/funcpack"
)

// layerRoute serves layer zips: layerRoute + <name>/<version>?sha=&expires=&sig=.
const layerRoute = "/_emulator/layer/"

// isLayerName: 1-64 letters, digits, '-' and '_', starting with a letter,
// not ending with '-' or '_'.
func isLayerName(s string) bool {
	if len(s) < 1 || len(s) > 64 || !ascii.Letter(s[0]) {
		return false
	}
	if last := s[len(s)-1]; last == '-' || last == '_' {
		return false
	}
	return ascii.Only(s, func(c byte) bool { return ascii.Word(c) || c == '-' })
}

func checkLayerName(name string) error {
	if name == "" {
		return capi.Errorf("MissingParameter", "The parameter LayerName is required.")
	}
	if !isLayerName(name) {
		return capi.Errorf("InvalidParameterValue.LayerName", "LayerName %q is invalid: 1-64 letters, digits, '-' and '_', starting with a letter and not ending with '-' or '_'.", name)
	}
	return nil
}

func errLayerNotFound(name string) error {
	return capi.Errorf("ResourceNotFound.Layer", "The layer %s does not exist.", name)
}

func errLayerVersionNotFound(name string, v int64) error {
	return capi.Errorf("ResourceNotFound.LayerVersion", "The layer %s has no version %d.", name, v)
}

func (m *Module) publishLayerVersion(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.PublishLayerVersionRequest
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	if err := checkLayerName(req.LayerName); err != nil {
		return nil, err
	}
	if len(req.CompatibleRuntimes) == 0 {
		return nil, capi.Errorf("MissingParameter.CompatibleRuntimes", "CompatibleRuntimes is required: the runtimes the layer works with, e.g. [\"Nodejs18.15\"].")
	}
	if len(req.CompatibleRuntimes) > 5 {
		return nil, capi.Errorf("InvalidParameterValue.CompatibleRuntimes", "A layer lists at most 5 runtimes, got %d.", len(req.CompatibleRuntimes))
	}
	for _, rt := range req.CompatibleRuntimes {
		if !runtimes[rt] {
			return nil, capi.Errorf("InvalidParameterValue.CompatibleRuntimes", "Runtime %q is not supported (for example Nodejs18.15, Python3.9).", rt)
		}
	}
	if err := validateDescription(req.Description); err != nil {
		return nil, err
	}
	if len(req.LicenseInfo) > 512 {
		return nil, capi.Errorf("InvalidParameterValue.LicenseInfo", "LicenseInfo is at most 512 characters.")
	}
	zip, err := m.layerZip(&req) // inline or from COS (layercos.go)
	if err != nil {
		return nil, err
	}
	sha := funcpack.CodeSha256(zip)
	now := m.now()
	var version int64
	err = m.h.DB.Update(func(tx *store.Tx) error {
		l, err := getLayerTx(tx, req.LayerName)
		if err != nil {
			return err
		}
		if l == nil {
			l = &layerRecord{Name: req.LayerName}
		}
		if l.LastVersion >= maxLayerVersions {
			return capi.Errorf("LimitExceeded.LayerVersions", "The layer %s reached its %d versions.", l.Name, maxLayerVersions)
		}
		if req.Src != "" {
			l.Src = req.Src
		}
		l.LastVersion++
		version = l.LastVersion
		l.Versions = append(l.Versions, layerVersion{Version: version, Sha: sha, Size: int64(len(zip)),
			CompatibleRuntimes: append([]string{}, req.CompatibleRuntimes...), Description: req.Description,
			LicenseInfo: req.LicenseInfo, AddTime: now})
		if err := putLayerZipTx(tx, sha, zip); err != nil {
			return err
		}
		return putLayerTx(tx, l)
	})
	if err != nil {
		return nil, err
	}
	return cloudapi.PublishLayerVersionResponse{LayerVersion: version}, nil
}

func layerInfo(l *layerRecord, v *layerVersion) cloudapi.LayerVersionInfo {
	return cloudapi.LayerVersionInfo{CompatibleRuntimes: append([]string{}, v.CompatibleRuntimes...),
		AddTime: chinatime.Format(v.AddTime), Description: v.Description, LicenseInfo: v.LicenseInfo,
		LayerVersion: v.Version, LayerName: l.Name, Status: stateActive}
}

func supports(v *layerVersion, runtime string) bool {
	for _, rt := range v.CompatibleRuntimes {
		if rt == runtime {
			return true
		}
	}
	return false
}

func (m *Module) listLayers(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.ListLayersRequest
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	offset, limit, err := pageOf(req.Offset, req.Limit, 20, 200)
	if err != nil {
		return nil, err
	}
	var layers []*layerRecord
	if err := m.h.DB.View(func(tx *store.Tx) error {
		layers, err = allLayersTx(tx)
		return err
	}); err != nil {
		return nil, err
	}
	var infos []cloudapi.LayerVersionInfo
	var added []int64
	for _, l := range layers {
		if req.SearchKey != "" && !strings.Contains(strings.ToLower(l.Name), strings.ToLower(req.SearchKey)) {
			continue
		}
		if req.SearchSrc != "" && l.Src != req.SearchSrc {
			continue
		}
		// Each layer appears once, with its newest version that matches.
		for i := len(l.Versions) - 1; i >= 0; i-- {
			v := &l.Versions[i]
			if req.CompatibleRuntime != "" && !supports(v, req.CompatibleRuntime) {
				continue
			}
			infos = append(infos, layerInfo(l, v))
			added = append(added, v.AddTime.UnixNano())
			break
		}
	}
	idx := make([]int, len(infos))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return added[idx[a]] > added[idx[b]] })
	out := cloudapi.ListLayersResponse{Layers: []cloudapi.LayerVersionInfo{}, TotalCount: int64(len(infos))}
	for i := offset; i < len(idx) && i < offset+limit; i++ {
		out.Layers = append(out.Layers, infos[idx[i]])
	}
	return out, nil
}

func (m *Module) listLayerVersions(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.ListLayerVersionsRequest
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	l, err := m.layer(req.LayerName)
	if err != nil {
		return nil, err
	}
	out := cloudapi.ListLayerVersionsResponse{LayerVersions: []cloudapi.LayerVersionInfo{}}
	for i := len(l.Versions) - 1; i >= 0; i-- {
		v := &l.Versions[i]
		ok := len(req.CompatibleRuntime) == 0
		for _, rt := range req.CompatibleRuntime {
			ok = ok || supports(v, rt)
		}
		if ok {
			out.LayerVersions = append(out.LayerVersions, layerInfo(l, v))
		}
	}
	return out, nil
}

// layer checks a layer name and reads that layer, which must have versions.
func (m *Module) layer(name string) (*layerRecord, error) {
	if err := checkLayerName(name); err != nil {
		return nil, err
	}
	var l *layerRecord
	err := m.h.DB.View(func(tx *store.Tx) error {
		var err error
		l, err = getLayerTx(tx, name)
		return err
	})
	if err != nil {
		return nil, err
	}
	if l == nil || len(l.Versions) == 0 {
		return nil, errLayerNotFound(name)
	}
	return l, nil
}

// layerVersion reads version v of the layer name.
func (m *Module) layerVersion(name string, v int64) (*layerRecord, *layerVersion, error) {
	l, err := m.layer(name)
	if err != nil {
		return nil, nil, err
	}
	lv := l.version(v)
	if lv == nil {
		return nil, nil, errLayerVersionNotFound(l.Name, v)
	}
	return l, lv, nil
}

func (m *Module) getLayerVersion(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.LayerVersionRequest
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	l, v, err := m.layerVersion(req.LayerName, req.LayerVersion)
	if err != nil {
		return nil, err
	}
	u, err := m.signedZipURL(m.host(c.Host, ""), layerRoute+l.Name+"/"+strconv.FormatInt(v.Version, 10), v.Sha, func(secret []byte, expires int64) string {
		return layerSignature(secret, l.Name, v.Version, v.Sha, expires)
	})
	if err != nil {
		return nil, err
	}
	info := layerInfo(l, v)
	return cloudapi.GetLayerVersionResponse{CompatibleRuntimes: info.CompatibleRuntimes, CodeSha256: v.Sha,
		Location: u, AddTime: info.AddTime, Description: info.Description, LicenseInfo: info.LicenseInfo,
		LayerVersion: v.Version, LayerName: l.Name, Status: info.Status}, nil
}

func layerSignature(secret []byte, name string, version int64, sha string, expires int64) string {
	mac := hmac.New(sha256.New, secret)
	fmt.Fprintf(mac, "layer\n%s\n%d\n%s\n%d", name, version, sha, expires)
	return hex.EncodeToString(mac.Sum(nil))
}

// serveLayer answers a GetLayerVersion Location with the layer's zip.
func (m *Module) serveLayer(w http.ResponseWriter, r *http.Request) {
	name, ver, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, layerRoute), "/")
	version, verr := strconv.ParseInt(ver, 10, 64)
	m.serveSignedZip(w, r, signedZip{
		action:  "GetLayerVersion",
		badPath: verr != nil,
		sign: func(secret []byte, sha string, expires int64) string {
			return layerSignature(secret, name, version, sha, expires)
		},
		load:     m.loadLayerZip,
		gone:     "this layer version no longer exists",
		filename: fmt.Sprintf("%s-%d.zip", name, version),
	})
}

func (m *Module) deleteLayerVersion(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.LayerVersionRequest
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	if err := checkLayerName(req.LayerName); err != nil {
		return nil, err
	}
	err := m.h.DB.Update(func(tx *store.Tx) error {
		l, err := getLayerTx(tx, req.LayerName)
		if err != nil {
			return err
		}
		if l == nil || len(l.Versions) == 0 {
			return errLayerNotFound(req.LayerName)
		}
		for i := range l.Versions {
			if l.Versions[i].Version == req.LayerVersion {
				l.Versions = append(l.Versions[:i], l.Versions[i+1:]...)
				// The layer stays (empty) so that a new version after
				// deleting them all continues the numbering.
				return putLayerTx(tx, l)
			}
		}
		return errLayerVersionNotFound(l.Name, req.LayerVersion)
	})
	if err != nil {
		return nil, err
	}
	m.gcLayers()
	return cloudapi.EmptyResponse{}, nil
}

// bindLayers resolves the Layers of CreateFunction and
// UpdateFunctionConfiguration, in order. The layers' CompatibleRuntimes
// are not held against the function's runtime (the official CLI creates
// its layers for Nodejs8.9, Php7 and Java8 and binds them to any function).
func (m *Module) bindLayers(req []cloudapi.LayerVersionSimple) ([]boundLayer, error) {
	if len(req) > maxLayersPerFunction {
		return nil, capi.Errorf("InvalidParameterValue.Layers", "A function binds at most %d layers, got %d.", maxLayersPerFunction, len(req))
	}
	out := []boundLayer{}
	seen := map[string]bool{}
	for _, b := range req {
		if err := checkLayerName(b.LayerName); err != nil {
			return nil, err
		}
		key := b.LayerName + "\x00" + strconv.FormatInt(b.LayerVersion, 10)
		if seen[key] {
			return nil, capi.Errorf("InvalidParameterValue.Layers", "Layer %s version %d is bound twice.", b.LayerName, b.LayerVersion)
		}
		seen[key] = true
		l, v, err := m.layerVersion(b.LayerName, b.LayerVersion)
		if err != nil {
			return nil, err
		}
		out = append(out, boundLayer{Name: l.Name, Version: v.Version, Sha: v.Sha})
	}
	return out, nil
}

// layersInfo is GetFunction's Layers: each bound layer version, in bound
// order (Status Deleted for a version deleted since it was bound).
func (m *Module) layersInfo(bound []boundLayer) []cloudapi.LayerVersionInfo {
	out := []cloudapi.LayerVersionInfo{}
	for _, b := range bound {
		info := cloudapi.LayerVersionInfo{CompatibleRuntimes: []string{}, LayerName: b.Name, LayerVersion: b.Version, Status: "Deleted"}
		var l *layerRecord
		m.h.DB.View(func(tx *store.Tx) error {
			l, _ = getLayerTx(tx, b.Name)
			return nil
		})
		if l != nil {
			if v := l.version(b.Version); v != nil {
				info = layerInfo(l, v)
			}
		}
		out = append(out, info)
	}
	return out
}
