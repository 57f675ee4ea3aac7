package cloudapi

import (
	"context"
	"fmt"
	"strings"
)

// Function code too large to send inline goes through SCF's temporary COS
// buckets, as the official CLI does: scf GetTempCosInfo signs a PUT of
// /<Date>/<ObjectPath> in the region's temporary bucket, the client uploads
// the zip there with that Authorization, and CreateFunction or
// UpdateFunctionCode name it in Code.TempCosObjectName with
// Code.CosBucketRegion.

// TempCodeAppID is the app id of the account that owns SCF's temporary code
// buckets (the official CLI's SCF_TEMP_COS.APPID).
const TempCodeAppID = "1253665819"

// tempCodePrefixes maps a region to the name prefix of its temporary code
// bucket; other regions use Shanghai's.
var tempCodePrefixes = map[string]string{
	"ap-shanghai":  "sh",
	"ap-guangzhou": "gz",
	"ap-beijing":   "bj",
	"ap-singapore": "sg",
}

// TempCodeBucket returns the temporary code bucket serving region and the
// bucket's own region: <prefix>tempcos-1253665819, Shanghai's for regions
// without one.
func TempCodeBucket(region string) (bucket, bucketRegion string) {
	p, ok := tempCodePrefixes[region]
	if !ok {
		p, region = "sh", "ap-shanghai"
	}
	return p + "tempcos-" + TempCodeAppID, region
}

// IsTempCodeBucket reports whether bucket is one of the temporary code
// buckets, and its region.
func IsTempCodeBucket(bucket string) (string, bool) {
	for region, p := range tempCodePrefixes {
		if bucket == p+"tempcos-"+TempCodeAppID {
			return region, true
		}
	}
	return "", false
}

// TempCodeObjectPath is the ObjectPath of GetTempCosInfo for a function:
// <appId>/<namespace>/<name>.zip.
func TempCodeObjectPath(appID, namespace, name string) string {
	return appID + "/" + namespace + "/" + name + ".zip"
}

// TempCodeKey is the object key a GetTempCosInfo answer signs: <Date>/<ObjectPath>
// (TempCosObjectName is the same with a leading slash).
func TempCodeKey(date, objectPath string) string {
	return date + "/" + strings.TrimPrefix(objectPath, "/")
}

// GetTempCosInfoRequest asks for an upload signature.
type GetTempCosInfoRequest struct {
	ObjectPath string `json:"ObjectPath"`
}

// GetTempCosInfoResponse is the signature (a COS Authorization value for
// one PUT of /<Date>/<ObjectPath> in the temporary code bucket) and the
// date the key starts with.
type GetTempCosInfoResponse struct {
	Date      string `json:"Date"`
	Sign      string `json:"Sign"`
	RequestId string `json:"RequestId,omitempty"`
}

// GetTempCosInfo signs an upload of a function's code to the temporary
// code bucket.
func (c *Client) GetTempCosInfo(ctx context.Context, objectPath string) (*GetTempCosInfoResponse, error) {
	var out GetTempCosInfoResponse
	if err := c.Call(ctx, "scf", "GetTempCosInfo", &GetTempCosInfoRequest{ObjectPath: objectPath}, &out); err != nil {
		return nil, err
	}
	if out.Date == "" || out.Sign == "" {
		return nil, fmt.Errorf("scf GetTempCosInfo answered no Date or Sign (RequestId %s)", out.RequestId)
	}
	return &out, nil
}
