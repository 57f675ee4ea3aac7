package funcpack

import "fmt"

// Tencent Cloud limits that apply to function packages (tencent-cloud-api
// reference §3.3).
const (
	// MaxZipSize is the largest function code zip accepted (50 MB). The
	// official CLI refuses anything bigger before uploading.
	MaxZipSize int64 = 50 << 20 // 52428800

	// MaxRequestBodySize is the Tencent Cloud API 3.0 limit on a request
	// body (10 MB). Inline uploads put the base64 zip in that body.
	MaxRequestBodySize int64 = 10 << 20 // 10485760

	// InlineRequestOverhead is the room reserved in the request body for the
	// JSON envelope around the base64 zip (function name, handler, ...).
	InlineRequestOverhead int64 = 16 << 10

	// MaxInlineZipSize is the largest zip whose base64 form plus
	// InlineRequestOverhead fits in MaxRequestBodySize (about 7.49 MB).
	// Larger packages must go through COS.
	MaxInlineZipSize int64 = (MaxRequestBodySize - InlineRequestOverhead) / 4 * 3

	// DefaultMaxTotalSize caps the uncompressed size of an archive read by
	// SafeUnzip (500 MB, the cloud's limit on unzipped code).
	DefaultMaxTotalSize int64 = 500 << 20
	// DefaultMaxFiles caps the number of entries of an archive read by
	// SafeUnzip.
	DefaultMaxFiles = 20000
	// DefaultMaxRatio caps how many times an entry may expand once more than
	// RatioGrace bytes of it have been written.
	DefaultMaxRatio = 500
	// RatioGrace is the number of bytes an entry may expand to before the
	// compression-ratio check applies (tiny, highly compressible files are
	// normal).
	RatioGrace int64 = 1 << 20
)

// Base64Len returns the length of the standard (padded) base64 encoding of n
// bytes.
func Base64Len(n int64) int64 {
	return (n + 2) / 3 * 4
}

// CheckZipSize returns a *SizeError wrapping ErrZipTooLarge when a zip of
// zipSize bytes exceeds MaxZipSize.
func CheckZipSize(zipSize int64) error {
	if zipSize <= MaxZipSize {
		return nil
	}
	return &SizeError{What: "function code zip", Limit: MaxZipSize, Actual: zipSize, Err: ErrZipTooLarge}
}

// CheckInlineUpload reports whether a zip of zipSize bytes can be sent inline
// (Code.ZipFile, base64 in the API request). It returns a *SizeError wrapping
// ErrZipTooLarge when the zip is over MaxZipSize, or wrapping
// ErrInlineTooLarge when its base64 form does not fit in the 10 MB request
// body limit; the message says which limit and by how much.
func CheckInlineUpload(zipSize int64) error {
	if err := CheckZipSize(zipSize); err != nil {
		return err
	}
	if zipSize <= MaxInlineZipSize {
		return nil
	}
	body := Base64Len(zipSize) + InlineRequestOverhead
	return &SizeError{
		What:   "inline upload request body",
		Limit:  MaxRequestBodySize,
		Actual: body,
		Err:    ErrInlineTooLarge,
		Detail: fmt.Sprintf("the %s zip grows by 4/3 when base64-encoded into the Tencent Cloud API request; "+
			"zips up to %s can be sent inline, larger ones must be uploaded through COS",
			FormatSize(zipSize), FormatSize(MaxInlineZipSize)),
	}
}
