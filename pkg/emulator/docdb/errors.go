package docdb

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tcb-go/tcb/pkg/emulator/capi"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// dbError is an error of the database with its WeChat and Tencent Cloud API
// renderings.
type dbError struct {
	wxCode int    // WeChat errcode
	wxMsg  string // WeChat errmsg (without rid)
	tcCode string // Tencent Cloud API error code
	msg    string // plain message (TC3 Message)
}

func (e *dbError) Error() string { return e.msg }

// errCollectionMissing: -502005 / ResourceNotFound.
func errCollectionMissing(name string) *dbError {
	return &dbError{wxCode: wechat.CodeCollectionMissing,
		wxMsg:  "database collection not exists. [ResourceNotFound] Db or Table not exist: " + name,
		tcCode: "ResourceNotFound", msg: fmt.Sprintf("Db or Table not exist: %s.", name)}
}

// errCollectionExists: -501001 / ResourceInUse.
func errCollectionExists(name string) *dbError {
	return &dbError{wxCode: wechat.CodeCloudResource,
		wxMsg:  "resource system error. [ResourceInUse] Table exist: " + name,
		tcCode: "ResourceInUse", msg: fmt.Sprintf("Table exist: %s.", name)}
}

// errInvalid: a statement or argument the database rejects before running
// it: -501007 / InvalidParameter.
func errInvalid(format string, a ...any) *dbError {
	m := fmt.Sprintf(format, a...)
	return &dbError{wxCode: wechat.CodeCloudInvalidParams, wxMsg: "invalid parameters. " + m, tcCode: "InvalidParameter", msg: m}
}

// errUnsupported: something the emulator does not do:
// -501007 [UnsupportedOperation] / UnsupportedOperation.
func errUnsupported(format string, a ...any) *dbError {
	m := fmt.Sprintf(format, a...)
	return &dbError{wxCode: wechat.CodeCloudInvalidParams, wxMsg: "invalid parameters. [UnsupportedOperation] " + m,
		tcCode: "UnsupportedOperation", msg: m}
}

// errFailed: the database failed while running the operation (write errors,
// duplicate keys, update type errors): -502001 [FailedOperation.<op>] /
// FailedOperation.
func errFailed(op string, format string, a ...any) *dbError {
	m := fmt.Sprintf(format, a...)
	tag := "FailedOperation"
	if op != "" {
		tag += "." + op
	}
	return &dbError{wxCode: wechat.CodeDatabaseFailed, wxMsg: "database request fail. [" + tag + "] " + m,
		tcCode: "FailedOperation", msg: m}
}

// errIndexMissing: dropping an unknown index.
func errIndexMissing(name string) *dbError {
	m := fmt.Sprintf("index not found with name [%s]", name)
	return &dbError{wxCode: wechat.CodeCloudInvalidParams, wxMsg: "invalid parameters. " + m, tcCode: "ResourceNotFound", msg: m}
}

// errSystem wraps an emulator failure (store I/O): -1 / InternalError.
func errSystem(err error) *dbError {
	return &dbError{wxCode: wechat.CodeSystemBusy, wxMsg: "system error: " + err.Error(), tcCode: "InternalError", msg: err.Error()}
}

// statementError classifies an error from dbquery evaluation: unsupported
// operators and malformed operator arguments are invalid parameters,
// anything else a failed database operation.
func statementError(op string, err error) *dbError {
	var de *dbError
	if errors.As(err, &de) {
		return de
	}
	if errors.Is(err, errDeadline) {
		return errFailed(op, "%v", err)
	}
	msg := err.Error()
	if strings.Contains(msg, "unsupported") {
		return errInvalid("%s", msg)
	}
	return errFailed(op, "%s", msg)
}

var errDeadline = errors.New("operation exceeded the time limit")

// asDBError turns any error into a dbError.
func asDBError(err error) *dbError {
	var de *dbError
	if errors.As(err, &de) {
		return de
	}
	return errSystem(err)
}

// tc3Error renders an error for the Tencent Cloud API.
func tc3Error(err error) error {
	var ce *capi.Error
	if errors.As(err, &ce) {
		return ce
	}
	de := asDBError(err)
	return capi.Errorf(de.tcCode, "%s", de.msg)
}
