package cos

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/tcb-go/tcb/pkg/emulator/creds"
	"github.com/tcb-go/tcb/pkg/emulator/envs"
	"github.com/tcb-go/tcb/pkg/emulator/wxhttp"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// The WeChat CloudBase HTTP API for files.
const (
	PathUploadFile        = "/tcb/uploadfile"
	PathBatchDownloadFile = "/tcb/batchdownloadfile"
	PathBatchDeleteFile   = "/tcb/batchdeletefile"
)

// Codes of the per-file statuses (the cloud's -503xxx).
const (
	codeFileMissing   = -503003
	codeFileForbidden = -503002
	codeFileInvalid   = -501007
)

// MaxFiles bounds the files of one batch call.
const MaxFiles = 50

func (m *Module) registerWeChat(mux *http.ServeMux) {
	wx := &wxhttp.Server{Tokens: m.opts.Tokens, Faults: m.h.Faults, MaxBodyBytes: 1 << 20,
		RequestTimeout: 30 * time.Second, Logger: func() *slog.Logger { return m.log }}
	mux.HandleFunc(PathUploadFile, wx.Handle(PathUploadFile, m.wxUploadFile))
	mux.HandleFunc(PathBatchDownloadFile, wx.Handle(PathBatchDownloadFile, m.wxBatchDownload))
	mux.HandleFunc(PathBatchDeleteFile, wx.Handle(PathBatchDeleteFile, m.wxBatchDelete))
}

func (m *Module) wxEnv(env string) (*envs.Record, error) {
	if err := wxhttp.CheckEnv(m.h.Envs, m.now(), env); err != nil {
		return nil, err
	}
	return m.h.Envs.Get(env)
}

// wxUploadFile answers the URL and credentials the client then POSTs its
// form to (key, Signature, x-cos-security-token, x-cos-meta-fileid, file).
func (m *Module) wxUploadFile(ctx context.Context, q *wxhttp.Request) (any, error) {
	var req struct {
		Env  string `json:"env"`
		Path string `json:"path"`
	}
	if err := q.Decode(&req); err != nil {
		return nil, err
	}
	rec, err := m.wxEnv(req.Env)
	if err != nil {
		return nil, err
	}
	if req.Path == "" {
		return nil, wxhttp.Errorf(wechat.CodeMissingParam, "missing required parameter: path")
	}
	key, msg := cloudPath(req.Path)
	if msg != "" {
		return nil, wxhttp.Errorf(wechat.CodeInvalidArgs, "invalid args: %s", msg)
	}
	t := m.uploadTicket(rec, key, "post", q.HTTP.Host, creds.Caller{AppID: q.AppID, Source: "wx_http"})
	return map[string]any{
		"errcode": 0, "errmsg": "ok",
		"url": t.URL, "token": t.Token, "authorization": t.Authorization,
		"file_id": t.FileID, "cos_file_id": t.CosFileID,
	}, nil
}

func (m *Module) wxBatchDownload(ctx context.Context, q *wxhttp.Request) (any, error) {
	var req struct {
		Env      string `json:"env"`
		FileList []struct {
			FileID string `json:"fileid"`
			MaxAge int64  `json:"max_age"`
		} `json:"file_list"`
	}
	if err := q.Decode(&req); err != nil {
		return nil, err
	}
	rec, err := m.wxEnv(req.Env)
	if err != nil {
		return nil, err
	}
	if len(req.FileList) == 0 {
		return nil, wxhttp.Errorf(wechat.CodeMissingParam, "missing required parameter: file_list")
	}
	if len(req.FileList) > MaxFiles {
		return nil, wxhttp.Errorf(wechat.CodeInvalidArgs, "invalid args: at most %d files per call", MaxFiles)
	}
	type item struct {
		FileID      string `json:"fileid"`
		DownloadURL string `json:"download_url"`
		Status      int    `json:"status"`
		ErrMsg      string `json:"errmsg"`
	}
	out := make([]item, 0, len(req.FileList))
	for _, f := range req.FileList {
		it := item{FileID: f.FileID}
		u, code, msg := m.downloadURL(rec, f.FileID, f.MaxAge, q.HTTP.Host)
		it.DownloadURL, it.Status, it.ErrMsg = u, code, msg
		out = append(out, it)
	}
	return map[string]any{"errcode": 0, "errmsg": "ok", "file_list": out}, nil
}

// downloadURL is one file's download URL, or a status code and message.
func (m *Module) downloadURL(rec *envs.Record, id string, maxAge int64, host string) (string, int, string) {
	ref, rerr := m.resolveFile(rec, id)
	if rerr != nil {
		return "", statusOf(rerr.Code), rerr.Message
	}
	if o, err := m.db.getObject(ref.Bucket, ref.Key); err != nil || o == nil {
		return "", codeFileMissing, "file not exists"
	}
	ttl := DefaultURLTTL
	if maxAge > 0 {
		ttl = min(time.Duration(maxAge)*time.Second, MaxURLTTL)
	}
	return m.tempURL(host, ref.Bucket, ref.Key, ttl), 0, "ok"
}

func statusOf(code string) int {
	switch code {
	case "STORAGE_FILE_NONEXIST":
		return codeFileMissing
	case "STORAGE_EXCEED_AUTHORITY":
		return codeFileForbidden
	}
	return codeFileInvalid
}

func (m *Module) wxBatchDelete(ctx context.Context, q *wxhttp.Request) (any, error) {
	var req struct {
		Env        string   `json:"env"`
		FileIDList []string `json:"fileid_list"`
	}
	if err := q.Decode(&req); err != nil {
		return nil, err
	}
	rec, err := m.wxEnv(req.Env)
	if err != nil {
		return nil, err
	}
	if len(req.FileIDList) == 0 {
		return nil, wxhttp.Errorf(wechat.CodeMissingParam, "missing required parameter: fileid_list")
	}
	if len(req.FileIDList) > MaxFiles {
		return nil, wxhttp.Errorf(wechat.CodeInvalidArgs, "invalid args: at most %d files per call", MaxFiles)
	}
	type item struct {
		FileID string `json:"fileid"`
		Status int    `json:"status"`
		ErrMsg string `json:"errmsg"`
	}
	out := make([]item, 0, len(req.FileIDList))
	for _, id := range req.FileIDList {
		code, msg := m.deleteFile(rec, id)
		out = append(out, item{FileID: id, Status: statusOf(code), ErrMsg: msg})
		if code == "SUCCESS" {
			out[len(out)-1].Status, out[len(out)-1].ErrMsg = 0, "ok"
		}
	}
	return map[string]any{"errcode": 0, "errmsg": "ok", "delete_list": out}, nil
}

// deleteFile removes one file by id: SUCCESS or the platform's code.
func (m *Module) deleteFile(rec *envs.Record, id string) (string, string) {
	ref, rerr := m.resolveFile(rec, id)
	if rerr != nil {
		return rerr.Code, rerr.Message
	}
	segs, existed, err := m.db.deleteObjects(ref.Bucket, []string{ref.Key})
	if err != nil {
		return "STORAGE_REQUEST_FAIL", err.Error()
	}
	m.blobs.remove(segs)
	if !existed[0] {
		return "STORAGE_FILE_NONEXIST", "file not exists"
	}
	return "SUCCESS", "ok"
}
