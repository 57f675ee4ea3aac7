package cos

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"net/http"
	"unicode/utf8"
)

// cosError is a COS XML API error answer.
type cosError struct {
	Status  int
	Code    string
	Message string
}

func (e *cosError) Error() string { return e.Code + ": " + e.Message }

func errf(status int, code, format string, a ...any) *cosError {
	return &cosError{Status: status, Code: code, Message: fmt.Sprintf(format, a...)}
}

func errNoSuchKey() *cosError {
	return errf(http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
}

func errNoSuchUpload() *cosError {
	return errf(http.StatusNotFound, "NoSuchUpload", "The specified multipart upload does not exist. The upload ID might be invalid, or the multipart upload might have been aborted or completed.")
}

func errInternal(err error) *cosError {
	return errf(http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again: %v", err)
}

func errAccessDenied(format string, a ...any) *cosError {
	return errf(http.StatusForbidden, "AccessDenied", format, a...)
}

type xmlError struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	Resource  string   `xml:"Resource"`
	RequestID string   `xml:"RequestId"`
	TraceID   string   `xml:"TraceId"`
}

// newRequestID returns an id in the style of x-cos-request-id.
func newRequestID() string {
	var b [18]byte
	rand.Read(b[:])
	return base64.RawStdEncoding.EncodeToString(b[:])
}

// writeError answers e (no body for HEAD).
func writeError(w http.ResponseWriter, r *http.Request, resource string, e *cosError) {
	rid := w.Header().Get("x-cos-request-id")
	w.Header().Del("ETag")
	w.Header().Del("Content-Length")
	w.Header().Del("Last-Modified")
	if r.Method == http.MethodHead {
		w.Header().Set("x-cos-error-code", e.Code)
		w.WriteHeader(e.Status)
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(e.Status)
	b, _ := xml.Marshal(xmlError{Code: e.Code, Message: e.Message, Resource: resource, RequestID: rid, TraceID: rid})
	w.Write([]byte(xml.Header))
	w.Write(b)
}

// writeXML answers v with status 200.
func writeXML(w http.ResponseWriter, v any) {
	b, err := xml.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", fmt.Sprint(len(xml.Header)+len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(xml.Header))
	w.Write(b)
}

func validUTF8(s string) bool { return utf8.ValidString(s) }
