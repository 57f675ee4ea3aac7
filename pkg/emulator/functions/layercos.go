package functions

import (
	"strings"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/emulator/capi"
)

// Layer content from COS: PublishLayerVersion's Content is a Code, as
// CreateFunction's is, so a layer version may come from an object instead
// of an inline ZipFile:
//
//   - Content.TempCosObjectName (+ CosBucketRegion): an object of SCF's
//     temporary code bucket, uploaded with the Sign of scf GetTempCosInfo
//     for /<Date>/<appId>/<envId>/<layer>.zip (what `tcb fn layer create`
//     does for a zip over the inline limit, as `tcb fn deploy` does for
//     code);
//   - Content.CosBucketName + CosObjectName: an object of an
//     environment's own bucket (storage or hosting).
//
// Layers belong to the account, not to an environment; the environment
// whose buckets are read is the one the layer's Src names ("TCB_<envId>",
// as the CloudBase tools tag their layers), else the one in the
// TempCosObjectName path, else the one owning CosBucketName. The object is
// read and checked as function code from COS is (coscode.go).

// layerZip returns the zip of a layer version's Content.
func (m *Module) layerZip(req *cloudapi.PublishLayerVersionRequest) ([]byte, error) {
	c := req.Content
	if c == nil || c.ZipFile == "" && c.TempCosObjectName == "" && c.CosBucketName == "" && c.CosObjectName == "" {
		return nil, capi.Errorf("MissingParameter.Content", "The layer's content is missing: send Content.ZipFile (a base64 zip), Content.TempCosObjectName or Content.CosBucketName with CosObjectName.")
	}
	if c.ZipFile != "" {
		if c.TempCosObjectName != "" || c.CosBucketName != "" || c.CosObjectName != "" {
			return nil, capi.Errorf("InvalidParameterValue.Content", "Content.ZipFile and a COS object are mutually exclusive.")
		}
		return decodeZip(c.ZipFile)
	}
	if m.h.Objects == nil {
		return nil, errNoCos()
	}
	ns, err := m.layerEnv(req)
	if err != nil {
		return nil, err
	}
	src, err := m.cosSourceOf(ns, c)
	if err != nil {
		return nil, err
	}
	return m.zipFromCOS(src)
}

// layerEnv finds the environment whose COS a layer's content is read from.
func (m *Module) layerEnv(req *cloudapi.PublishLayerVersionRequest) (string, error) {
	c := req.Content
	ns := ""
	if env, ok := strings.CutPrefix(req.Src, "TCB_"); ok && env != "" {
		ns = env
	} else if c.TempCosObjectName != "" {
		// /<Date>/<appId>/<envId>/<name>.zip
		if parts := strings.Split(strings.TrimPrefix(c.TempCosObjectName, "/"), "/"); len(parts) == 4 {
			ns = parts[2]
		}
	} else if c.CosBucketName != "" {
		all, err := m.h.Envs.List()
		if err != nil {
			return "", err
		}
		for _, e := range all {
			short := e.Bucket[:strings.LastIndexByte(e.Bucket, '-')]
			for _, b := range []string{e.Bucket, short, "static-" + e.Bucket, "static-" + short} {
				if c.CosBucketName == b {
					ns = e.EnvID
				}
			}
		}
		if ns == "" {
			return "", capi.Errorf("InvalidParameterValue.CosBucketName", "CosBucketName %q is not a bucket of any environment of this emulator.", clip(c.CosBucketName))
		}
	}
	if ns == "" {
		return "", capi.Errorf("InvalidParameterValue.TempCosObjectName",
			"TempCosObjectName %q is not /<date>/<appId>/<envId>/<layer>.zip (as scf GetTempCosInfo signs it).", clip(c.TempCosObjectName))
	}
	if _, err := m.h.Envs.Get(ns); err != nil {
		return "", capi.Errorf("InvalidParameterValue.Src", "The environment %s (of the layer's content in COS) does not exist.", clip(ns))
	}
	return ns, nil
}
