package cos

import (
	"context"
	"path"

	"github.com/tcb-go/tcb/pkg/emulator/creds"
	"github.com/tcb-go/tcb/pkg/emulator/envs"
	"github.com/tcb-go/tcb/pkg/emulator/sdkapi"
)

// The server SDKs' storage.* actions (POST /admin), which
// cloud.uploadFile, downloadFile, getTempFileURL, deleteFile, copyFile and
// getFileAuthority of wx-server-sdk and @cloudbase/node-sdk call. Per-file
// outcomes carry the SDKs' string codes (SUCCESS, STORAGE_FILE_NONEXIST,
// ...), which they map to errCodes.

func (m *Module) registerSDK(r *sdkapi.Router) {
	r.Register("storage.getUploadMetadata", m.sdkUploadMetadata)
	r.Register("storage.batchGetDownloadUrl", m.sdkDownloadURLs)
	r.Register("storage.batchDeleteFile", m.sdkDelete)
	r.Register("storage.batchCopyFile", m.sdkCopy)
	r.Register("storage.getFileAuthority", m.sdkAuthority)
}

func (m *Module) sdkEnv(r *sdkapi.Request) (*envs.Record, error) {
	rec, err := m.h.Envs.Get(r.Env)
	if err != nil {
		return nil, sdkapi.Errorf(sdkapi.CodeInvalidEnv, "the environment %s does not exist", r.Env)
	}
	return rec, nil
}

func caller(r *sdkapi.Request) creds.Caller {
	if r.Principal != nil {
		return r.Principal.Caller
	}
	return creds.Caller{}
}

func (m *Module) sdkUploadMetadata(ctx context.Context, r *sdkapi.Request) (sdkapi.Reply, error) {
	rec, err := m.sdkEnv(r)
	if err != nil {
		return nil, err
	}
	p, err := r.String("path")
	if err != nil {
		return nil, err
	}
	key, msg := cloudPath(p)
	if msg != "" {
		return nil, sdkapi.Errorf(sdkapi.CodeInvalidParam, "%s", msg)
	}
	method, err := r.String("method")
	if err != nil {
		return nil, err
	}
	if method != "put" {
		method = "post"
	}
	t := m.uploadTicket(rec, key, method, r.Host, caller(r))
	return sdkapi.Data(map[string]string{
		"url": t.URL, "token": t.Token, "authorization": t.Authorization,
		"fileId": t.FileID, "cosFileId": t.CosFileID, "download_url": t.DownloadURL,
	}), nil
}

func (m *Module) sdkDownloadURLs(ctx context.Context, r *sdkapi.Request) (sdkapi.Reply, error) {
	rec, err := m.sdkEnv(r)
	if err != nil {
		return nil, err
	}
	var list []struct {
		FileID string `json:"fileid"`
		MaxAge int64  `json:"max_age"`
	}
	if err := r.Decode("file_list", &list); err != nil {
		return nil, err
	}
	if len(list) == 0 || len(list) > MaxFiles {
		return nil, sdkapi.Errorf(sdkapi.CodeInvalidParam, "file_list must hold 1 to %d files", MaxFiles)
	}
	out := make([]map[string]any, 0, len(list))
	for _, f := range list {
		u, status, msg := m.downloadURL(rec, f.FileID, f.MaxAge, r.Host)
		it := map[string]any{"fileID": f.FileID, "fileid": f.FileID, "maxAge": f.MaxAge}
		if status == 0 {
			it["code"], it["tempFileURL"], it["download_url"] = "SUCCESS", u, u
		} else {
			it["code"], it["message"], it["tempFileURL"] = codeName(status), msg, ""
		}
		out = append(out, it)
	}
	return sdkapi.Data(map[string]any{"download_list": out}), nil
}

func codeName(status int) string {
	switch status {
	case codeFileMissing:
		return "STORAGE_FILE_NONEXIST"
	case codeFileForbidden:
		return "STORAGE_EXCEED_AUTHORITY"
	}
	return "INVALID_PARAM"
}

func (m *Module) sdkDelete(ctx context.Context, r *sdkapi.Request) (sdkapi.Reply, error) {
	rec, err := m.sdkEnv(r)
	if err != nil {
		return nil, err
	}
	var ids []string
	if err := r.Decode("fileid_list", &ids); err != nil {
		return nil, err
	}
	if len(ids) == 0 || len(ids) > MaxFiles {
		return nil, sdkapi.Errorf(sdkapi.CodeInvalidParam, "fileid_list must hold 1 to %d files", MaxFiles)
	}
	out := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		code, msg := m.deleteFile(rec, id)
		it := map[string]any{"fileID": id, "code": code}
		if code != "SUCCESS" {
			it["message"] = msg
		}
		out = append(out, it)
	}
	return sdkapi.Data(map[string]any{"delete_list": out}), nil
}

// sdkCopy copies file ids (src_path, dst_path) within the environment.
func (m *Module) sdkCopy(ctx context.Context, r *sdkapi.Request) (sdkapi.Reply, error) {
	rec, err := m.sdkEnv(r)
	if err != nil {
		return nil, err
	}
	var list []struct {
		Src            string `json:"src_path"`
		Dst            string `json:"dst_path"`
		Overwrite      *bool  `json:"overwrite"`
		RemoveOriginal bool   `json:"remove_original"`
	}
	if err := r.Decode("file_list", &list); err != nil {
		return nil, err
	}
	if len(list) == 0 || len(list) > MaxFiles {
		return nil, sdkapi.Errorf(sdkapi.CodeInvalidParam, "file_list must hold 1 to %d files", MaxFiles)
	}
	out := make([]map[string]any, 0, len(list))
	for _, f := range list {
		out = append(out, m.copyOne(rec, f.Src, f.Dst, f.Overwrite == nil || *f.Overwrite, f.RemoveOriginal))
	}
	return sdkapi.Data(map[string]any{"copy_list": out}), nil
}

func (m *Module) copyOne(rec *envs.Record, src, dst string, overwrite, move bool) map[string]any {
	fail := func(code, msg string) map[string]any {
		return map[string]any{"fileId": dst, "code": code, "message": msg}
	}
	s, rerr := m.resolveFile(rec, src)
	if rerr != nil {
		return fail(rerr.Code, rerr.Message)
	}
	d, rerr := m.resolveFile(rec, dst)
	if rerr != nil {
		return fail(rerr.Code, rerr.Message)
	}
	if path.Base(s.Key) != path.Base(d.Key) {
		return fail("INVALID_PARAM", "the source and destination file names differ")
	}
	if !overwrite {
		if o, _ := m.db.getObject(d.Bucket, d.Key); o != nil {
			return fail("STORAGE_REQUEST_FAIL", "the destination exists and overwrite is false")
		}
	}
	if _, err := m.copyObject(s.Bucket, s.Key, d.Bucket, d.Key, nil); err != nil {
		if err == errMissing {
			return fail("STORAGE_FILE_NONEXIST", "file not exists")
		}
		return fail("STORAGE_REQUEST_FAIL", err.Error())
	}
	if move {
		segs, _, err := m.db.deleteObjects(s.Bucket, []string{s.Key})
		if err == nil {
			m.blobs.remove(segs)
		}
	}
	return map[string]any{"fileId": fileID(rec.EnvID, d.Bucket, d.Key), "code": "SUCCESS"}
}

// sdkAuthority answers, per path, whether the user (openId or uid) may
// read and write it under the environment's storage ACL: READONLY lets
// everyone read and the creator write, PRIVATE the creator do both,
// ADMINWRITE everyone read and nobody write, ADMINONLY nobody do either.
func (m *Module) sdkAuthority(ctx context.Context, r *sdkapi.Request) (sdkapi.Reply, error) {
	rec, err := m.sdkEnv(r)
	if err != nil {
		return nil, err
	}
	var list []struct {
		Type string `json:"type"`
		Path string `json:"path"`
	}
	if err := r.Decode("fileList", &list); err != nil {
		return nil, err
	}
	openID, _ := r.String("openId")
	uid, _ := r.String("uid")
	user := openID
	if user == "" {
		user = uid
	}
	st, err := m.db.envState(rec.EnvID)
	if err != nil {
		return nil, err
	}
	acl := aclTag(st.ACL)
	out := make([]map[string]any, 0, len(list))
	for _, f := range list {
		bucket, key := rec.Bucket, f.Path
		if ref, rerr := m.resolveFile(rec, f.Path); rerr == nil {
			bucket, key = ref.Bucket, ref.Key
		}
		owner := ""
		if o, _ := m.db.getObject(bucket, key); o != nil {
			owner = o.Owner
		}
		creator := user != "" && owner == user
		read := acl == "READONLY" || acl == "ADMINWRITE" || (acl == "PRIVATE" && creator)
		write := (acl == "READONLY" || acl == "PRIVATE") && creator
		out = append(out, map[string]any{"path": f.Path, "cosFileId": "", "read": read, "write": write})
	}
	return sdkapi.Data(out), nil
}
