package functions

import (
	"time"

	"github.com/tcb-go/tcb/pkg/cloudapi"
)

// Stored states. Active is also derived: a Creating or Updating function
// whose build is done and whose ReadyAt has passed is Active.
const (
	stateActive       = cloudapi.StatusActive
	stateCreating     = cloudapi.StatusCreating
	stateCreateFailed = cloudapi.StatusCreateFailed
	stateUpdating     = cloudapi.StatusUpdating
	stateUpdateFailed = cloudapi.StatusUpdateFailed
	stateDeleting     = cloudapi.StatusDeleting
)

// spec is a function's code and configuration: what GetFunction shows
// (record.Spec) and what Invoke runs (record.Live).
type spec struct {
	Handler           string              `json:"handler"`
	Runtime           string              `json:"runtime"`
	Description       string              `json:"description,omitempty"`
	Timeout           int64               `json:"timeout"`
	MemorySize        int64               `json:"memory_size"`
	InitTimeout       int64               `json:"init_timeout"`
	Env               []cloudapi.Variable `json:"env"`
	InstallDependency string              `json:"install_dependency"`
	CodeSha           string              `json:"code_sha"`
	CodeSize          int64               `json:"code_size"`
	// DepsKey names deps/<key> when the build installed dependencies.
	DepsKey     string              `json:"deps_key,omitempty"`
	Type        string              `json:"type"`
	Role        string              `json:"role,omitempty"`
	ClsLogsetID string              `json:"cls_logset_id,omitempty"`
	ClsTopicID  string              `json:"cls_topic_id,omitempty"`
	L5Enable    string              `json:"l5_enable,omitempty"`
	VpcConfig   *cloudapi.VpcConfig `json:"vpc_config,omitempty"`
	// Layers are the bound layer versions, in bound order (later ones win
	// where two hold the same file), with the SHA-256 of each zip so a
	// deleted layer version keeps serving the functions bound to it.
	Layers []boundLayer `json:"layers,omitempty"`
}

// boundLayer is a layer version bound to a function.
type boundLayer struct {
	Name    string `json:"name"`
	Version int64  `json:"version"`
	Sha     string `json:"sha"`
}

// record is a function as stored.
type record struct {
	Namespace  string    `json:"namespace"`
	Name       string    `json:"name"`
	FunctionID string    `json:"function_id"`
	AddTime    time.Time `json:"add_time"`
	ModTime    time.Time `json:"mod_time"`
	Spec       spec      `json:"spec"`
	// Live is what Invoke runs: the last successfully built Spec.
	Live *spec `json:"live,omitempty"`
	// State is the stored phase (see status for the visible one).
	State string `json:"state"`
	// ReadyAt ends the current phase: Creating/Updating become Active (if
	// the build is done), failures become visible, Deleting disappears.
	ReadyAt  time.Time               `json:"ready_at"`
	Building bool                    `json:"building,omitempty"`
	BuildID  string                  `json:"build_id,omitempty"`
	Reasons  []cloudapi.StatusReason `json:"reasons,omitempty"`
	Host     string                  `json:"host,omitempty"`
	Tags     []cloudapi.Tag          `json:"tags,omitempty"`
	Triggers []trigger               `json:"triggers,omitempty"`
	// Versions are the published versions (oldest first), LastVersion the
	// highest number ever published (numbers are never reused), Aliases
	// the aliases besides an untouched $DEFAULT (see versions.go).
	Versions    []version `json:"versions,omitempty"`
	LastVersion int64     `json:"last_version,omitempty"`
	Aliases     []alias   `json:"aliases,omitempty"`
}

// trigger is a timer trigger as stored.
type trigger struct {
	Name           string    `json:"name"`
	Type           string    `json:"type"`
	Cron           string    `json:"cron"`
	Enable         bool      `json:"enable"`
	CustomArgument string    `json:"custom_argument,omitempty"`
	Description    string    `json:"description,omitempty"`
	ResourceID     string    `json:"resource_id"`
	AddTime        time.Time `json:"add_time"`
	ModTime        time.Time `json:"mod_time"`
}

// status is the state the API shows at now.
func (r *record) status(now time.Time) string {
	switch r.State {
	case stateDeleting:
		return stateDeleting
	case stateCreating, stateUpdating:
		if r.Building || now.Before(r.ReadyAt) {
			return r.State
		}
		return stateActive
	case stateCreateFailed:
		if now.Before(r.ReadyAt) {
			return stateCreating
		}
		return stateCreateFailed
	case stateUpdateFailed:
		if now.Before(r.ReadyAt) {
			return stateUpdating
		}
		return stateUpdateFailed
	}
	return stateActive
}

// visible reports whether the function still exists for the API (a
// Deleting function disappears at ReadyAt).
func (r *record) visible(now time.Time) bool {
	return r.State != stateDeleting || now.Before(r.ReadyAt)
}

// updatable reports whether updates and deletion are allowed.
func updatable(status string) bool {
	return status == stateActive || status == stateUpdateFailed
}

// invocable reports whether Invoke may run the function.
func (r *record) invocable(now time.Time) bool {
	st := r.status(now)
	return r.Live != nil && (st == stateActive || st == stateUpdateFailed)
}

func statusDesc(r *record, status string) string {
	switch status {
	case stateCreateFailed, stateUpdateFailed:
		if len(r.Reasons) > 0 {
			return r.Reasons[0].ErrorMessage
		}
		return status
	case stateCreating:
		return "The function is being created."
	case stateUpdating:
		return "The function is being updated."
	case stateDeleting:
		return "The function is being deleted."
	}
	return ""
}

func (r *record) reasonsFor(status string) []cloudapi.StatusReason {
	if status == stateCreateFailed || status == stateUpdateFailed {
		return append([]cloudapi.StatusReason{}, r.Reasons...)
	}
	return []cloudapi.StatusReason{}
}

func (s *spec) nodeDeps() bool {
	return s.InstallDependency == "TRUE"
}
