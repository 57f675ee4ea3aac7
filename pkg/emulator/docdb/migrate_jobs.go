package docdb

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tcb-go/tcb/pkg/emulator/envs"
	"github.com/tcb-go/tcb/pkg/emulator/wxhttp"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// Migration jobs (databasemigrateimport / databasemigrateexport /
// databasemigratequeryinfo).
//
// The emulator has no cloud storage, so file_path means a file in the data
// directory: imports read <data dir>/imports/<file_path> (a relative path
// that stays inside imports/), exports write under <data dir>/database/
// exports/<env>/ and file_url downloads the file from the emulator
// (/_emulator/database/exports/<env>/<job>?token=..., valid while the job
// record exists). Jobs run in the background: status "waiting" while
// running, then "success" or "fail" (a job interrupted by a restart is
// reported as failed).

const exportRoute = "/_emulator/database/exports/"

const (
	jobWaiting = "waiting"
	jobSuccess = "success"
	jobFail    = "fail"
)

type job struct {
	ID            int64     `json:"id"`
	Env           string    `json:"env"`
	Kind          string    `json:"kind"` // import or export
	Collection    string    `json:"collection"`
	FilePath      string    `json:"file_path"`
	FileType      int       `json:"file_type"`
	File          string    `json:"file,omitempty"` // export: absolute path of the written file
	URL           string    `json:"url,omitempty"`
	Token         string    `json:"token,omitempty"`
	Status        string    `json:"status"`
	RecordSuccess int64     `json:"record_success"`
	RecordFail    int64     `json:"record_fail"`
	ErrMsg        string    `json:"err_msg,omitempty"`
	Created       time.Time `json:"created"`
	Finished      time.Time `json:"finished,omitzero"`
}

func jobKey(id int64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(id))
	return b[:]
}

// newJob stores a new waiting job with the next id.
func (m *Module) newJob(j *job) error {
	return m.bolt().Update(func(tx *bolt.Tx) error {
		top, err := tx.CreateBucketIfNotExists(bucketTop)
		if err != nil {
			return err
		}
		n, _ := strconv.ParseInt(string(top.Get(keyNextJob)), 10, 64)
		n++
		if err := top.Put(keyNextJob, []byte(strconv.FormatInt(n, 10))); err != nil {
			return err
		}
		j.ID = n
		return putJob(tx, j)
	})
}

func putJob(tx *bolt.Tx, j *job) error {
	eb, err := envBucket(tx, j.Env, true)
	if err != nil {
		return err
	}
	jb, err := eb.CreateBucketIfNotExists(bucketJobs)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(j)
	if err != nil {
		return err
	}
	return jb.Put(jobKey(j.ID), raw)
}

func (m *Module) saveJob(j *job) error {
	return m.bolt().Update(func(tx *bolt.Tx) error { return putJob(tx, j) })
}

func (m *Module) getJob(env string, id int64) (*job, error) {
	var j *job
	err := m.bolt().View(func(tx *bolt.Tx) error {
		eb, _ := envBucket(tx, env, false)
		if eb == nil {
			return nil
		}
		jb := eb.Bucket(bucketJobs)
		if jb == nil {
			return nil
		}
		raw := jb.Get(jobKey(id))
		if raw == nil {
			return nil
		}
		j = &job{}
		return json.Unmarshal(raw, j)
	})
	return j, err
}

// startJob runs fn in the background and records its outcome.
func (m *Module) startJob(j *job, fn func(ctx context.Context, j *job) error) {
	m.jobsMu.Lock()
	m.running[j.ID] = true
	ctx := m.bgCtx
	m.bg.Add(1)
	m.jobsMu.Unlock()
	go func() {
		defer m.bg.Done()
		err := fn(ctx, j)
		j.Finished = m.now()
		j.Status = jobSuccess
		if err != nil {
			j.Status, j.ErrMsg = jobFail, err.Error()
		}
		// Nothing is kept for an environment destroyed meanwhile.
		if _, gerr := m.h.Envs.Get(j.Env); !errors.Is(gerr, envs.ErrNotFound) {
			if serr := m.saveJob(j); serr != nil {
				m.log().Error("saving a migration job", "job", j.ID, "err", serr)
			}
		}
		m.jobsMu.Lock()
		delete(m.running, j.ID)
		m.jobsMu.Unlock()
	}()
}

func (m *Module) isRunning(id int64) bool {
	m.jobsMu.Lock()
	defer m.jobsMu.Unlock()
	return m.running[id]
}

func (m *Module) exportDir(env string) string {
	return filepath.Join(m.h.Options.DataDir, "database", "exports", env)
}

func (m *Module) removeExports(env string) {
	// Second guard (env ids are validated when created): never remove a path
	// an odd id could lead outside the exports directory.
	if m.h != nil && m.h.Options != nil && m.h.Options.DataDir != "" && filepath.IsLocal(env) {
		os.RemoveAll(m.exportDir(env))
	}
}

func (m *Module) wxMigrateQueryInfo(ctx context.Context, r *wxhttp.Request) (any, error) {
	var req wechat.MigrateQueryInfoRequest
	if err := r.Decode(&req); err != nil {
		return nil, err
	}
	if err := m.checkEnv(req.Env); err != nil {
		return nil, err
	}
	if req.JobID == 0 {
		return nil, wxhttp.Errorf(wechat.CodeMissingParam, "missing required parameter: job_id")
	}
	j, err := m.getJob(req.Env, req.JobID)
	if err != nil {
		return nil, errSystem(err)
	}
	if j == nil {
		return nil, wxhttp.Errorf(wechat.CodeCloudResource, "resource system error. [ResourceNotFound] job %d not found", req.JobID)
	}
	if j.Status == jobWaiting && !m.isRunning(j.ID) {
		j.Status, j.ErrMsg, j.Finished = jobFail, "the job was interrupted by an emulator restart", m.now()
		if err := m.saveJob(j); err != nil {
			return nil, errSystem(err)
		}
	}
	out := wechat.MigrateQueryInfoResponse{Envelope: wxhttp.OK, Status: j.Status,
		RecordSuccess: j.RecordSuccess, RecordFail: j.RecordFail, ErrMsg: j.ErrMsg}
	if j.Kind == "export" && j.Status == jobSuccess {
		out.FileURL = j.URL
	}
	return out, nil
}
