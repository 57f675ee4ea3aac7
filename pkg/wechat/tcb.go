package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// CloudBase HTTP API paths (POST, ?access_token=...).
const (
	PathInvokeCloudFunction      = "/tcb/invokecloudfunction"
	PathDatabaseQuery            = "/tcb/databasequery"
	PathDatabaseAggregate        = "/tcb/databaseaggregate"
	PathDatabaseCount            = "/tcb/databasecount"
	PathDatabaseAdd              = "/tcb/databaseadd"
	PathDatabaseUpdate           = "/tcb/databaseupdate"
	PathDatabaseDelete           = "/tcb/databasedelete"
	PathDatabaseCollectionAdd    = "/tcb/databasecollectionadd"
	PathDatabaseCollectionDelete = "/tcb/databasecollectiondelete"
	PathDatabaseCollectionGet    = "/tcb/databasecollectionget"
	PathUpdateIndex              = "/tcb/updateindex"
	PathDatabaseMigrateImport    = "/tcb/databasemigrateimport"
	PathDatabaseMigrateExport    = "/tcb/databasemigrateexport"
	PathDatabaseMigrateQueryInfo = "/tcb/databasemigratequeryinfo"
)

// readOnlyPaths may be retried on transient errors; writes never are.
var readOnlyPaths = map[string]bool{
	PathDatabaseQuery:            true,
	PathDatabaseAggregate:        true,
	PathDatabaseCount:            true,
	PathDatabaseCollectionGet:    true,
	PathDatabaseMigrateQueryInfo: true,
}

// Call posts body as JSON to path?access_token=<accessToken>&<query> and
// decodes the answer into out (which may be nil). A non-zero errcode is
// returned as *APIError. body may be nil (sent as {}), a []byte or
// json.RawMessage (sent verbatim), or any value marshalled with
// encoding/json. Only the read-only database paths are retried on transient
// errors. The access_token never appears in errors or logs.
func (c *Client) Call(ctx context.Context, path, accessToken string, query url.Values, body any, out any) error {
	if accessToken == "" {
		return fmt.Errorf("wechat %s: no access_token", path)
	}
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	q.Set("access_token", accessToken)

	var raw []byte
	switch b := body.(type) {
	case nil:
		raw = []byte("{}")
	case []byte:
		raw = b
	case json.RawMessage:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return fmt.Errorf("wechat %s: encode request: %w", path, err)
		}
	}
	if len(raw) == 0 {
		raw = []byte("{}")
	}
	data, err := c.do(ctx, call{
		method: http.MethodPost, path: path, query: q, body: raw,
		secrets: []string{accessToken}, idempotent: readOnlyPaths[path],
		maxResponse: maxTCBResponse,
	})
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("wechat %s: decode response: %w", path, errors.New(scrub(err.Error(), []string{accessToken})))
	}
	return nil
}

// Envelope is embedded in every /tcb/* response: errcode 0 and errmsg "ok"
// on success.
type Envelope struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// Pager is the paging block of query and collection listings; its keys are
// capitalised on the wire.
type Pager struct {
	Offset int64 `json:"Offset"`
	Limit  int64 `json:"Limit"`
	Total  int64 `json:"Total"`
}

// QueryRequest is the body of databasequery, databaseaggregate,
// databasecount, databaseadd, databaseupdate and databasedelete: the
// environment and a mini-program database statement.
type QueryRequest struct {
	Env   string `json:"env"`
	Query string `json:"query"`
}

// DatabaseQueryResponse answers databasequery. Each element of Data is one
// document encoded as a JSON string.
type DatabaseQueryResponse struct {
	Envelope
	Pager Pager    `json:"pager"`
	Data  []string `json:"data"`
}

// DatabaseAggregateResponse answers databaseaggregate.
type DatabaseAggregateResponse struct {
	Envelope
	Data []string `json:"data"`
}

// DatabaseCountResponse answers databasecount.
type DatabaseCountResponse struct {
	Envelope
	Count int64 `json:"count"`
}

// DatabaseAddResponse answers databaseadd.
type DatabaseAddResponse struct {
	Envelope
	IDList []string `json:"id_list"`
}

// DatabaseUpdateResponse answers databaseupdate. ID is set only when a
// doc().set() inserted a new document; such inserts are not counted in
// Modified.
type DatabaseUpdateResponse struct {
	Envelope
	Matched  int64  `json:"matched"`
	Modified int64  `json:"modified"`
	ID       string `json:"id"`
}

// DatabaseDeleteResponse answers databasedelete.
type DatabaseDeleteResponse struct {
	Envelope
	Deleted int64 `json:"deleted"`
}

// CollectionRequest is the body of databasecollectionadd and
// databasecollectiondelete.
type CollectionRequest struct {
	Env            string `json:"env"`
	CollectionName string `json:"collection_name"`
}

// CollectionGetRequest is the body of databasecollectionget (WeChat
// defaults: limit 10, offset 0).
type CollectionGetRequest struct {
	Env    string `json:"env"`
	Limit  int64  `json:"limit,omitempty"`
	Offset int64  `json:"offset,omitempty"`
}

// CollectionInfo describes one collection; sizes are in bytes.
type CollectionInfo struct {
	Name       string `json:"name"`
	Count      int64  `json:"count"`
	Size       int64  `json:"size"`
	IndexCount int64  `json:"index_count"`
	IndexSize  int64  `json:"index_size"`
}

// CollectionGetResponse answers databasecollectionget.
type CollectionGetResponse struct {
	Envelope
	Pager       Pager            `json:"pager"`
	Collections []CollectionInfo `json:"collections"`
}

// IndexKey is one key of an index; Direction is "1", "-1" or "2dsphere".
type IndexKey struct {
	Name      string `json:"name"`
	Direction string `json:"direction"`
}

// CreateIndex describes an index to create.
type CreateIndex struct {
	Name   string     `json:"name"`
	Unique bool       `json:"unique"`
	Keys   []IndexKey `json:"keys"`
}

// DropIndex names an index to drop.
type DropIndex struct {
	Name string `json:"name"`
}

// UpdateIndexRequest is the body of updateindex.
type UpdateIndexRequest struct {
	Env            string        `json:"env"`
	CollectionName string        `json:"collection_name"`
	CreateIndexes  []CreateIndex `json:"create_indexes,omitempty"`
	DropIndexes    []DropIndex   `json:"drop_indexes,omitempty"`
}

// Migration file types and import conflict modes.
const (
	FileTypeJSON       = 1
	FileTypeCSV        = 2
	ConflictModeInsert = 1
	ConflictModeUpsert = 2
)

// MigrateImportRequest is the body of databasemigrateimport; FilePath must
// already be in the environment's storage.
type MigrateImportRequest struct {
	Env            string `json:"env"`
	CollectionName string `json:"collection_name"`
	FilePath       string `json:"file_path"`
	FileType       int    `json:"file_type"`
	StopOnError    bool   `json:"stop_on_error"`
	ConflictMode   int    `json:"conflict_mode"`
}

// MigrateExportRequest is the body of databasemigrateexport.
type MigrateExportRequest struct {
	Env      string `json:"env"`
	FilePath string `json:"file_path"`
	FileType int    `json:"file_type"`
	Query    string `json:"query"`
}

// MigrateJobResponse answers databasemigrateimport and databasemigrateexport.
type MigrateJobResponse struct {
	Envelope
	JobID int64 `json:"job_id"`
}

// MigrateQueryInfoRequest is the body of databasemigratequeryinfo.
type MigrateQueryInfoRequest struct {
	Env   string `json:"env"`
	JobID int64  `json:"job_id"`
}

// MigrateQueryInfoResponse answers databasemigratequeryinfo. WeChat's docs
// disagree on err_msg vs error_msg; both are accepted when decoding, and
// err_msg is written when encoding.
type MigrateQueryInfoResponse struct {
	Envelope
	Status        string `json:"status"`
	RecordSuccess int64  `json:"record_success"`
	RecordFail    int64  `json:"record_fail"`
	ErrMsg        string `json:"err_msg"`
	FileURL       string `json:"file_url"`
}

// UnmarshalJSON accepts both err_msg and error_msg.
func (r *MigrateQueryInfoResponse) UnmarshalJSON(b []byte) error {
	type plain MigrateQueryInfoResponse
	var aux struct {
		plain
		ErrorMsg string `json:"error_msg"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*r = MigrateQueryInfoResponse(aux.plain)
	if r.ErrMsg == "" {
		r.ErrMsg = aux.ErrorMsg
	}
	return nil
}

// InvokeCloudFunctionResponse answers invokecloudfunction; RespData is the
// function's return value, JSON-encoded as a string.
type InvokeCloudFunctionResponse struct {
	Envelope
	RespData string `json:"resp_data"`
}

// DatabaseQuery runs a .get() statement.
func (c *Client) DatabaseQuery(ctx context.Context, accessToken string, req QueryRequest) (*DatabaseQueryResponse, error) {
	var out DatabaseQueryResponse
	return &out, c.callOut(ctx, PathDatabaseQuery, accessToken, req, &out)
}

// DatabaseAggregate runs an .aggregate()...end() statement.
func (c *Client) DatabaseAggregate(ctx context.Context, accessToken string, req QueryRequest) (*DatabaseAggregateResponse, error) {
	var out DatabaseAggregateResponse
	return &out, c.callOut(ctx, PathDatabaseAggregate, accessToken, req, &out)
}

// DatabaseCount runs a .count() statement.
func (c *Client) DatabaseCount(ctx context.Context, accessToken string, req QueryRequest) (*DatabaseCountResponse, error) {
	var out DatabaseCountResponse
	return &out, c.callOut(ctx, PathDatabaseCount, accessToken, req, &out)
}

// DatabaseAdd runs an .add({data}) statement. Not retried.
func (c *Client) DatabaseAdd(ctx context.Context, accessToken string, req QueryRequest) (*DatabaseAddResponse, error) {
	var out DatabaseAddResponse
	return &out, c.callOut(ctx, PathDatabaseAdd, accessToken, req, &out)
}

// DatabaseUpdate runs an .update()/.set() statement. Not retried.
func (c *Client) DatabaseUpdate(ctx context.Context, accessToken string, req QueryRequest) (*DatabaseUpdateResponse, error) {
	var out DatabaseUpdateResponse
	return &out, c.callOut(ctx, PathDatabaseUpdate, accessToken, req, &out)
}

// DatabaseDelete runs a .remove() statement. Not retried.
func (c *Client) DatabaseDelete(ctx context.Context, accessToken string, req QueryRequest) (*DatabaseDeleteResponse, error) {
	var out DatabaseDeleteResponse
	return &out, c.callOut(ctx, PathDatabaseDelete, accessToken, req, &out)
}

// CollectionAdd creates a collection.
func (c *Client) CollectionAdd(ctx context.Context, accessToken string, req CollectionRequest) error {
	return c.callOut(ctx, PathDatabaseCollectionAdd, accessToken, req, nil)
}

// CollectionDelete deletes a collection.
func (c *Client) CollectionDelete(ctx context.Context, accessToken string, req CollectionRequest) error {
	return c.callOut(ctx, PathDatabaseCollectionDelete, accessToken, req, nil)
}

// CollectionGet lists collections.
func (c *Client) CollectionGet(ctx context.Context, accessToken string, req CollectionGetRequest) (*CollectionGetResponse, error) {
	var out CollectionGetResponse
	return &out, c.callOut(ctx, PathDatabaseCollectionGet, accessToken, req, &out)
}

// UpdateIndex creates and drops indexes of a collection.
func (c *Client) UpdateIndex(ctx context.Context, accessToken string, req UpdateIndexRequest) error {
	return c.callOut(ctx, PathUpdateIndex, accessToken, req, nil)
}

// MigrateImport starts an import job.
func (c *Client) MigrateImport(ctx context.Context, accessToken string, req MigrateImportRequest) (*MigrateJobResponse, error) {
	var out MigrateJobResponse
	return &out, c.callOut(ctx, PathDatabaseMigrateImport, accessToken, req, &out)
}

// MigrateExport starts an export job.
func (c *Client) MigrateExport(ctx context.Context, accessToken string, req MigrateExportRequest) (*MigrateJobResponse, error) {
	var out MigrateJobResponse
	return &out, c.callOut(ctx, PathDatabaseMigrateExport, accessToken, req, &out)
}

// MigrateQueryInfo reports the state of an import or export job.
func (c *Client) MigrateQueryInfo(ctx context.Context, accessToken string, req MigrateQueryInfoRequest) (*MigrateQueryInfoResponse, error) {
	var out MigrateQueryInfoResponse
	return &out, c.callOut(ctx, PathDatabaseMigrateQueryInfo, accessToken, req, &out)
}

// InvokeCloudFunction runs cloud function name in env with event as the raw
// POST body (nil means {}), and returns resp_data: the function's return
// value as a JSON string. WeChat limits HTTP-triggered runs to 5 s. Not
// retried.
func (c *Client) InvokeCloudFunction(ctx context.Context, accessToken, env, name string, event []byte) (string, error) {
	q := url.Values{}
	q.Set("env", env)
	q.Set("name", name)
	if event == nil {
		event = []byte("{}")
	}
	var out InvokeCloudFunctionResponse
	if err := c.Call(ctx, PathInvokeCloudFunction, accessToken, q, event, &out); err != nil {
		return "", err
	}
	return out.RespData, nil
}

func (c *Client) callOut(ctx context.Context, path, accessToken string, req, out any) error {
	return c.Call(ctx, path, accessToken, nil, req, out)
}
