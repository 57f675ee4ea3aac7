package fndeploy

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/errkind"
	"github.com/tcb-go/tcb/pkg/funcpack"
	"github.com/tcb-go/tcb/pkg/storage"
)

// Upload says how a package's code was (or would be) sent.
const (
	UploadInline = "inline" // Code.ZipFile, base64 in the API request
	UploadCOS    = "cos"    // through SCF's temporary COS bucket
)

// CodeUpload configures uploads of packages too large to send inline
// (over funcpack.MaxInlineZipSize, up to funcpack.MaxZipSize): scf
// GetTempCosInfo signs a PUT of <Date>/<appId>/<namespace>/<name>.zip in
// the region's temporary code bucket, the zip goes there in one PUT with
// Content-MD5 (its ETag and CRC-64 checked), and CreateFunction or
// UpdateFunctionCode name it in Code.TempCosObjectName and
// Code.CosBucketRegion, as the official CLI does.
type CodeUpload struct {
	// Endpoint overrides COS ("http://host:port", the emulator); "" is
	// COS itself.
	Endpoint string
	// Progress gets the bytes of a function's upload sent so far.
	Progress func(name string, done, total int64)
	// Transport is the HTTP transport of the upload (default
	// http.DefaultTransport).
	Transport http.RoundTripper
}

// codeFor returns the Code of a CreateFunction: inline when the zip fits
// in a request, else uploaded through COS first.
func (d *Deployer) codeFor(ctx context.Context, spec Spec, zip []byte, res *Result) (*cloudapi.Code, error) {
	if int64(len(zip)) <= funcpack.MaxInlineZipSize {
		res.Upload = UploadInline
		return &cloudapi.Code{ZipFile: b64(zip)}, nil
	}
	return d.uploadCOS(ctx, spec.Name, zip, res)
}

// uploadCOS sends zip to the temporary code bucket and returns the Code
// naming it.
func (d *Deployer) uploadCOS(ctx context.Context, name string, zip []byte, res *Result) (*cloudapi.Code, error) {
	res.Upload = UploadCOS
	return UploadTempCode(ctx, d.API, d.COS, d.Namespace, name, zip, func(format string, a ...any) { d.emit(name, "upload", format, a...) })
}

// TempCodeAPI is what an upload through SCF's temporary code bucket calls.
type TempCodeAPI interface {
	DescribeEnv(ctx context.Context, envID string) (*cloudapi.EnvInfo, error)
	GetTempCosInfo(ctx context.Context, objectPath string) (*cloudapi.GetTempCosInfoResponse, error)
}

// UploadTempCode sends zip, the code of name (a function, or a layer) in
// namespace, to the region's temporary code bucket (scf GetTempCosInfo signs
// the PUT) and returns the Code naming it (TempCosObjectName and
// CosBucketRegion), for CreateFunction, UpdateFunctionCode or
// PublishLayerVersion. Over funcpack.MaxZipSize is refused before anything
// is sent. emit, when set, gets progress lines.
func UploadTempCode(ctx context.Context, api TempCodeAPI, cu CodeUpload, namespace, name string, zip []byte, emit func(format string, a ...any)) (*cloudapi.Code, error) {
	if emit == nil {
		emit = func(string, ...any) {}
	}
	if err := funcpack.CheckZipSize(int64(len(zip))); err != nil {
		return nil, err
	}
	env, err := api.DescribeEnv(ctx, namespace)
	if err != nil {
		return nil, fmt.Errorf("reading the environment for a COS upload: %w", err)
	}
	var appID, region string
	if len(env.Storages) > 0 {
		appID, region = env.Storages[0].AppId, env.Storages[0].Region
	}
	if region == "" {
		region = env.Region
	}
	if appID == "" {
		return nil, errkind.Errorf(errkind.Remote, "environment %s reports no app id (Storages[0].AppId), which the COS upload of a %s package needs",
			namespace, funcpack.FormatSize(int64(len(zip))))
	}
	objectPath := cloudapi.TempCodeObjectPath(appID, namespace, name)
	info, err := api.GetTempCosInfo(ctx, objectPath)
	if err != nil {
		return nil, fmt.Errorf("getting a COS upload signature (scf GetTempCosInfo): %w", err)
	}
	bucket, bucketRegion := cloudapi.TempCodeBucket(region)
	key := cloudapi.TempCodeKey(info.Date, objectPath)
	emit("uploading %s through COS (%s)", funcpack.FormatSize(int64(len(zip))), bucket)
	start := time.Now()
	put := storage.SignedPut{Bucket: bucket, Region: bucketRegion, Endpoint: cu.Endpoint, Key: key,
		Authorization: info.Sign, Body: zip, ContentType: "application/zip", Transport: cu.Transport}
	if cu.Progress != nil {
		put.Progress = func(done, total int64) { cu.Progress(name, done, total) }
	}
	if _, err := storage.PutSigned(ctx, put); err != nil {
		return nil, fmt.Errorf("uploading the code to COS: %w", err)
	}
	emit("uploaded %s in %s", funcpack.FormatSize(int64(len(zip))), time.Since(start).Round(10*time.Millisecond))
	return &cloudapi.Code{CosBucketRegion: bucketRegion, TempCosObjectName: "/" + key}, nil
}
