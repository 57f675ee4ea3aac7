package funcpack

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Every error returned by this package for a limit or an
// unsafe archive wraps exactly one of them, so callers can map them with
// errors.Is; the concrete types below carry the details.
var (
	// ErrEmptyPackage: the directory has no file left to package.
	ErrEmptyPackage = errors.New("empty package")
	// ErrZipTooLarge: the zip exceeds MaxZipSize (or Options.MaxZipSize).
	ErrZipTooLarge = errors.New("function package too large")
	// ErrInlineTooLarge: the zip cannot be sent inline (base64 in the API
	// request body) because of MaxRequestBodySize.
	ErrInlineTooLarge = errors.New("function package too large for inline upload")

	// ErrInvalidZip: the data is not a readable zip archive, or an entry is
	// corrupt (bad CRC, truncated data, unsupported compression method).
	ErrInvalidZip = errors.New("invalid zip archive")
	// ErrUnsafePath: an entry name is absolute, uses backslashes or a drive
	// letter, contains "..", or is otherwise unusable as a relative path.
	ErrUnsafePath = errors.New("unsafe entry path")
	// ErrLinkEntry: an entry is a symbolic link or another non-regular file.
	ErrLinkEntry = errors.New("symbolic link or special file entry")
	// ErrDuplicateEntry: two entries resolve to the same path, or a file and
	// a directory collide.
	ErrDuplicateEntry = errors.New("duplicate entry")
	// ErrTooManyFiles: more entries than Limits.MaxFiles.
	ErrTooManyFiles = errors.New("too many entries")
	// ErrFileTooLarge: one entry is larger than Limits.MaxFileSize.
	ErrFileTooLarge = errors.New("entry too large")
	// ErrTotalTooLarge: the entries together are larger than
	// Limits.MaxTotalSize.
	ErrTotalTooLarge = errors.New("archive too large when uncompressed")
	// ErrCompressionRatio: an entry expands more than Limits.MaxRatio times.
	ErrCompressionRatio = errors.New("suspicious compression ratio")
	// ErrSizeMismatch: an entry's data does not match the size in its header.
	ErrSizeMismatch = errors.New("entry size does not match its header")
	// ErrDestination: the extraction destination is not usable (exists and is
	// not an empty directory).
	ErrDestination = errors.New("unusable destination")
)

// EmptyPackageError reports that nothing was left to package. It wraps
// ErrEmptyPackage.
type EmptyPackageError struct {
	Dir     string   // the function directory
	Ignore  []string // the effective ignore patterns
	Ignored int      // files and directories excluded by the patterns
	Skipped int      // symbolic links skipped (see Stats.Skipped)
}

func (e *EmptyPackageError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "nothing to package in %s", e.Dir)
	switch {
	case len(e.Ignore) > 0:
		fmt.Fprintf(&b, " (after ignore rules: %s", strings.Join(e.Ignore, ", "))
		if e.Ignored > 0 {
			fmt.Fprintf(&b, "; %d path(s) ignored", e.Ignored)
		}
		b.WriteString(")")
	default:
		b.WriteString(": the directory contains no files")
	}
	if e.Skipped > 0 {
		fmt.Fprintf(&b, "; %d symbolic link(s) skipped", e.Skipped)
	}
	return b.String()
}

// Unwrap returns ErrEmptyPackage.
func (e *EmptyPackageError) Unwrap() error { return ErrEmptyPackage }

// SizeError reports a size limit that was exceeded. It wraps one of
// ErrZipTooLarge, ErrInlineTooLarge, ErrTotalTooLarge or ErrFileTooLarge.
type SizeError struct {
	What   string // human description of the limit, e.g. "function code zip"
	Limit  int64  // the limit in bytes
	Actual int64  // the measured (or, if AtLeast, minimum) size in bytes
	// AtLeast is set when Actual is a lower bound (measurement stopped early).
	AtLeast bool
	// Detail adds context, e.g. the base64-encoded size for inline uploads.
	Detail string
	Err    error // sentinel
}

func (e *SizeError) Error() string {
	atLeast := ""
	if e.AtLeast {
		atLeast = "at least "
	}
	s := fmt.Sprintf("%s is %s%s, over the %s limit by %s%s", e.What, atLeast,
		FormatSize(e.Actual), FormatSize(e.Limit), atLeast, FormatSize(e.Actual-e.Limit))
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

// Unwrap returns the sentinel error.
func (e *SizeError) Unwrap() error { return e.Err }

// EntryError reports a problem with one archive entry. It wraps one of the
// archive sentinels (ErrUnsafePath, ErrLinkEntry, ErrDuplicateEntry,
// ErrCompressionRatio, ErrSizeMismatch, ErrInvalidZip, ErrFileTooLarge,
// ErrTotalTooLarge).
type EntryError struct {
	Name   string // the entry name exactly as stored in the archive
	Err    error  // sentinel
	Detail string
}

func (e *EntryError) Error() string {
	s := fmt.Sprintf("zip entry %q: %v", e.Name, e.Err)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Unwrap returns the sentinel error.
func (e *EntryError) Unwrap() error { return e.Err }

// FormatSize renders a byte count for messages, e.g. "52.4 MB (54945587
// bytes)". MB here is 2^20 bytes, as in Tencent Cloud's documentation.
func FormatSize(n int64) string {
	switch {
	case n < 0:
		return fmt.Sprintf("%d bytes", n)
	case n < 1<<10:
		return fmt.Sprintf("%d bytes", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KB (%d bytes)", float64(n)/(1<<10), n)
	default:
		return fmt.Sprintf("%.2f MB (%d bytes)", float64(n)/(1<<20), n)
	}
}
