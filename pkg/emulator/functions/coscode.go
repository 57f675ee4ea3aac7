package functions

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/emulator/capi"
	"github.com/tcb-go/tcb/pkg/funcpack"
)

// Code uploaded through COS: Code.TempCosObjectName (with CosBucketRegion)
// names an object of SCF's temporary code bucket of that region, which
// scf GetTempCosInfo signs uploads to (package cos);
// Code.CosBucketName + CosObjectName (+ CosBucketRegion) name an object of
// one of the namespace's own buckets (storage or hosting; the bucket name
// with or without its -<appId> suffix). The object is read from the
// storage module's engine (Host.Objects), at most funcpack.MaxZipSize
// bytes, and checked like an inline zip.

// cosSource is a resolved COS location of code.
type cosSource struct {
	field  string // the parameter named in errors
	bucket string
	key    string
}

// cosSourceOf resolves where code in COS lives, or nil for other code.
func (m *Module) cosSourceOf(ns string, code *cloudapi.Code) (*cosSource, error) {
	if m.h.Objects == nil && (code.TempCosObjectName != "" || code.CosBucketName != "" || code.CosObjectName != "") {
		return nil, errNoCos()
	}
	switch {
	case code.TempCosObjectName != "":
		if code.CosBucketName != "" || code.CosObjectName != "" {
			return nil, capi.Errorf("InvalidParameterValue.Code", "Code.TempCosObjectName and Code.CosBucketName/CosObjectName are mutually exclusive.")
		}
		key := strings.TrimPrefix(code.TempCosObjectName, "/")
		// /<Date>/<appId>/<namespace>/<function>.zip
		parts := strings.Split(key, "/")
		if len(parts) != 4 || parts[2] != ns {
			return nil, capi.Errorf("InvalidParameterValue.TempCosObjectName",
				"TempCosObjectName %q is not /<date>/<appId>/%s/<function>.zip (the code of namespace %s).", clip(code.TempCosObjectName), ns, ns)
		}
		region := code.CosBucketRegion
		if region == "" {
			region = "ap-shanghai"
		}
		bucket, _ := cloudapi.TempCodeBucket(region)
		return &cosSource{field: "TempCosObjectName", bucket: bucket, key: key}, nil
	case code.CosBucketName != "" || code.CosObjectName != "":
		if code.CosBucketName == "" || code.CosObjectName == "" {
			return nil, capi.Errorf("InvalidParameterValue.Code", "Code from COS needs both CosBucketName and CosObjectName.")
		}
		rec, err := m.h.Envs.Get(ns)
		if err != nil {
			return nil, err
		}
		bucket := ""
		for _, b := range []string{rec.Bucket, "static-" + rec.Bucket} {
			short := b[:strings.LastIndexByte(b, '-')]
			if code.CosBucketName == b || code.CosBucketName == short {
				bucket = b
			}
		}
		if bucket == "" {
			return nil, capi.Errorf("InvalidParameterValue.CosBucketName",
				"CosBucketName %q is not a bucket of environment %s (its storage bucket is %s).", clip(code.CosBucketName), ns, rec.Bucket)
		}
		return &cosSource{field: "CosObjectName", bucket: bucket, key: strings.TrimPrefix(code.CosObjectName, "/")}, nil
	}
	return nil, nil
}

// zipFromCOS reads and checks the zip at src.
func (m *Module) zipFromCOS(src *cosSource) ([]byte, error) {
	if m.h.Objects == nil {
		return nil, errNoCos()
	}
	where := "cos://" + src.bucket + "/" + src.key
	rc, size, err := m.h.Objects.OpenObject(src.bucket, src.key)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, capi.Errorf("InvalidParameterValue."+src.field, "The code object %s does not exist: upload it first (for TempCosObjectName: with the Sign of scf GetTempCosInfo).", clip(where))
	}
	if err != nil {
		return nil, capi.Errorf("InternalError", "Reading the code object %s: %v.", clip(where), err)
	}
	defer rc.Close()
	if size == 0 {
		return nil, capi.Errorf("InvalidParameterValue.ZipFile", "The code object %s is empty.", clip(where))
	}
	if err := funcpack.CheckZipSize(size); err != nil {
		return nil, capi.Errorf("InvalidParameterValue.ZipFile", "The code object %s: %v.", clip(where), err)
	}
	zip, err := io.ReadAll(io.LimitReader(rc, funcpack.MaxZipSize+1))
	if err != nil {
		return nil, capi.Errorf("InternalError", "Reading the code object %s: %v.", clip(where), err)
	}
	if int64(len(zip)) != size {
		return nil, capi.Errorf("InternalError", "The code object %s is %d bytes, %d were read.", clip(where), size, len(zip))
	}
	st, err := funcpack.Validate(bytes.NewReader(zip), size, funcpack.DefaultLimits())
	if err != nil {
		return nil, capi.Errorf("InvalidParameterValue.ZipFile", "The code object %s is not a usable zip archive: %v.", clip(where), err)
	}
	if st.Files == 0 {
		return nil, capi.Errorf("InvalidParameterValue.ZipFile", "The code object %s holds no files.", clip(where))
	}
	return zip, nil
}

// clip shortens what a caller sent before it goes into an error message.
func clip(s string) string {
	if len(s) > 200 {
		return fmt.Sprintf("%s… (%d bytes)", s[:200], len(s))
	}
	return s
}
