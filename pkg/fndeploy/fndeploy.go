// Package fndeploy holds the deploy rules of cloud functions. NewSpec is
// the one place that turns a configured function (project.Function) plus
// command-line overrides into the desired state, validating it with the
// project rules; Function picks the function a name deploys. A Deployer
// packages the function directory, decides between create and update,
// skips the upload when the cloud already runs the same code (CodeSha256),
// waits for each async step to reach Active (cloudapi.Poll), updates the
// configuration only when it differs, and syncs timer triggers. It reports
// progress through events and never prints.
package fndeploy

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/errkind"
	"github.com/tcb-go/tcb/pkg/funcpack"
)

// Trigger is a timer trigger in the desired state.
type Trigger struct {
	Name   string
	Type   string // "timer"
	Config string // 7-field cron
}

// Spec is the desired state of one function, complete and valid: build it
// with NewSpec, which applies the project rules and defaults. The Deployer
// sends a spec as it is.
type Spec struct {
	Name              string
	Dir               string
	Handler           string
	Runtime           string
	Timeout           int64
	MemorySize        int64
	Env               map[string]string
	InstallDependency bool
	Ignore            []string
	VPC               *cloudapi.VpcConfig
	Layers            []cloudapi.LayerVersionSimple
	Triggers          []Trigger
	Description       string
	// Type is "HTTP" for a web function (its scf_bootstrap runs its own
	// server), "" or "Event" for an event function. Set at creation only:
	// the platform cannot change it.
	Type string
	// Path, when set, is an HTTP access path (tcb service) that serves the
	// function once it is deployed.
	Path string
}

// API is the subset of the cloud client the deployer uses.
type API interface {
	CreateFunction(ctx context.Context, req *cloudapi.CreateFunctionRequest) error
	UpdateFunctionCode(ctx context.Context, req *cloudapi.UpdateFunctionCodeRequest) error
	UpdateFunctionConfiguration(ctx context.Context, req *cloudapi.UpdateFunctionConfigurationRequest) error
	GetFunction(ctx context.Context, namespace, name string) (*cloudapi.GetFunctionResponse, error)
	GetFunctionAddress(ctx context.Context, namespace, name string) (*cloudapi.GetFunctionAddressResponse, error)
	CreateTrigger(ctx context.Context, req *cloudapi.CreateTriggerRequest) (*cloudapi.TriggerInfo, error)
	DeleteTrigger(ctx context.Context, req *cloudapi.DeleteTriggerRequest) error
	// DescribeEnv and GetTempCosInfo serve uploads through COS.
	DescribeEnv(ctx context.Context, envID string) (*cloudapi.EnvInfo, error)
	GetTempCosInfo(ctx context.Context, objectPath string) (*cloudapi.GetTempCosInfoResponse, error)
	// CreateGWAPI and DescribeGWAPIs bind Spec.Path (tcb service).
	CreateGWAPI(ctx context.Context, envID, path, name string) (string, error)
	DescribeGWAPIs(ctx context.Context, envID string, req cloudapi.DescribeCloudBaseGWAPIRequest) (*cloudapi.DescribeCloudBaseGWAPIResponse, error)
}

// Event is a progress report.
type Event struct {
	Function string
	Step     string // "package", "warning", "create", "upload", "update-code", "update-config", "wait", "trigger", "skip-code", "done", "failed"
	Message  string
}

// Action is what a deploy did (or would do).
type Action string

const (
	ActionCreate    Action = "create"
	ActionUpdate    Action = "update"
	ActionUnchanged Action = "unchanged"
)

// Result is the outcome of one function's deploy.
type Result struct {
	Name          string `json:"name"`
	Action        Action `json:"action"`
	CodeUploaded  bool   `json:"code_uploaded"`
	ConfigUpdated bool   `json:"config_updated"`
	CodeSha256    string `json:"code_sha256"`
	ZipSize       int64  `json:"zip_size"`
	// Upload is how the code was (or would be) sent: "inline" or "cos"
	// (packages over funcpack.MaxInlineZipSize); empty when it was not.
	Upload   string   `json:"upload,omitempty"`
	Files    int      `json:"files"`
	Triggers []string `json:"triggers_created,omitempty"`
	// Path is the HTTP access path bound to the function (Spec.Path);
	// PathCreated says whether this deploy created it.
	Path        string `json:"path,omitempty"`
	PathCreated bool   `json:"path_created,omitempty"`
	// Skipped are the paths the package left out besides the ignore
	// rules: symbolic links that escape the directory, dangle or loop,
	// and special files.
	Skipped    []funcpack.Skipped `json:"skipped,omitempty"`
	Duration   time.Duration      `json:"-"`
	DurationMS int64              `json:"duration_ms"`
	DryRun     bool               `json:"dry_run,omitempty"`
	Err        error              `json:"-"`
	Error      string             `json:"error,omitempty"`
}

// ErrNeedsConfirmation means the function exists and the caller did not
// allow updating it.
var ErrNeedsConfirmation = errors.New("the function already exists; pass --force to update it")

// Deployer deploys functions into one namespace (the env id).
type Deployer struct {
	API       API
	Namespace string
	// WaitTimeout bounds each wait for Active (default 5 minutes).
	WaitTimeout time.Duration
	// PollInterval is the first poll delay (default 300 ms, backing off to 2 s).
	PollInterval time.Duration
	// Events receives progress; it may be called from several goroutines.
	Events func(Event)
	// ConfirmUpdate is asked before updating an existing function; nil
	// means updates are not allowed (ErrNeedsConfirmation).
	ConfirmUpdate func(name string) (bool, error)
	// Progress is forwarded to packaging (bytes done / total).
	Progress func(name string, done, total int64)
	// DryRun plans without changing anything.
	DryRun bool
	// COS configures uploads of packages too large to send inline.
	COS CodeUpload
}

func (d *Deployer) emit(fn, step, format string, a ...any) {
	if d.Events != nil {
		d.Events(Event{Function: fn, Step: step, Message: fmt.Sprintf(format, a...)})
	}
}

// DeployAll deploys specs with at most parallel in flight and returns the
// results in the order of specs.
func (d *Deployer) DeployAll(ctx context.Context, specs []Spec, parallel int) []Result {
	if parallel < 1 {
		parallel = 1
	}
	results := make([]Result, len(specs))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i := range specs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				results[i] = Result{Name: specs[i].Name, Err: ctx.Err(), Error: ctx.Err().Error()}
				return
			}
			defer func() { <-sem }()
			results[i] = d.Deploy(ctx, specs[i])
		}(i)
	}
	wg.Wait()
	return results
}

// Deploy deploys one function.
func (d *Deployer) Deploy(ctx context.Context, spec Spec) (res Result) {
	start := time.Now()
	res.Name = spec.Name
	res.DryRun = d.DryRun
	defer func() {
		res.Duration = time.Since(start)
		res.DurationMS = res.Duration.Milliseconds()
		if res.Err != nil {
			res.Error = res.Err.Error()
			d.emit(spec.Name, "failed", "%v", res.Err)
		} else {
			d.emit(spec.Name, "done", "%s", res.Action)
		}
	}()
	d.emit(spec.Name, "package", "packaging %s", spec.Dir)
	opts := funcpack.Options{Ignore: spec.Ignore, ExcludeNodeModules: spec.InstallDependency}
	if d.Progress != nil {
		opts.Progress = func(filesDone, filesTotal int, bytesDone, bytesTotal int64) {
			d.Progress(spec.Name, bytesDone, bytesTotal)
		}
	}
	pkg, err := funcpack.PackBytes(ctx, spec.Dir, opts)
	if err != nil {
		res.Err = fmt.Errorf("package %s: %w", spec.Dir, tooLarge(err))
		return res
	}
	res.CodeSha256, res.ZipSize, res.Files = pkg.CodeSha256, int64(len(pkg.Zip)), pkg.Stats.Files
	// Over the platform's 50 MB: refused before anything is sent.
	if err := funcpack.CheckZipSize(res.ZipSize); err != nil {
		res.Err = tooLarge(err)
		return res
	}
	d.emit(spec.Name, "package", "%d files, %s, sha256 %s", pkg.Stats.Files, funcpack.FormatSize(res.ZipSize), short(pkg.CodeSha256))
	res.Skipped = pkg.Stats.Skipped
	d.warnSkipped(spec.Name, pkg.Stats.Skipped)

	current, err := d.API.GetFunction(ctx, d.Namespace, spec.Name)
	var nf *cloudapi.NotFoundError
	switch {
	case errors.As(err, &nf) && nf.Kind == "function":
		res.Action = ActionCreate
		if d.DryRun {
			res.CodeUploaded = true // would be
			res.Upload = uploadKind(res.ZipSize)
			return res
		}
		res.Err = d.create(ctx, spec, pkg.Zip, &res)
		return res
	case err != nil:
		res.Err = err
		return res
	}

	// The function exists: update it, if allowed.
	if !d.DryRun {
		if d.ConfirmUpdate == nil {
			res.Err = ErrNeedsConfirmation
			return res
		}
		ok, err := d.ConfirmUpdate(spec.Name)
		if err != nil {
			res.Err = err
			return res
		}
		if !ok {
			res.Err = errors.New("update declined")
			return res
		}
	}
	res.Err = d.update(ctx, spec, pkg.Zip, current, &res)
	return res
}

func (d *Deployer) create(ctx context.Context, spec Spec, zip []byte, res *Result) error {
	code, err := d.codeFor(ctx, spec, zip, res)
	if err != nil {
		return err
	}
	d.emit(spec.Name, "create", "creating")
	req := &cloudapi.CreateFunctionRequest{
		FunctionName:      spec.Name,
		Namespace:         d.Namespace,
		Code:              code,
		Handler:           spec.Handler,
		Runtime:           spec.Runtime,
		Timeout:           &spec.Timeout,
		MemorySize:        &spec.MemorySize,
		InstallDependency: boolFlag(spec.InstallDependency),
		Role:              "TCB_QcsRole",
		Stamp:             "MINI_QCBASE",
		Description:       spec.Description,
		Environment:       envOf(spec.Env),
		VpcConfig:         spec.VPC,
		Layers:            spec.Layers,
		Type:              spec.Type,
	}
	if err := d.API.CreateFunction(ctx, req); err != nil {
		return fmt.Errorf("create: %w", err)
	}
	res.CodeUploaded, res.ConfigUpdated = true, true
	if err := d.waitActive(ctx, spec.Name); err != nil {
		return err
	}
	if err := d.syncTriggers(ctx, spec, nil, res); err != nil {
		return err
	}
	return d.ensurePath(ctx, spec, res)
}

// ensurePath binds spec.Path to the function, as the official CLI does
// after a deploy (CreateCloudBaseGWAPI): a path already bound to this
// function is fine, one bound to another function is an error.
func (d *Deployer) ensurePath(ctx context.Context, spec Spec, res *Result) error {
	if spec.Path == "" {
		return nil
	}
	res.Path = spec.Path
	if d.DryRun {
		return nil
	}
	_, err := d.API.CreateGWAPI(ctx, d.Namespace, spec.Path, spec.Name)
	if err == nil {
		res.PathCreated = true
		d.emit(spec.Name, "path", "serving HTTP path %s", spec.Path)
		return nil
	}
	if !cloudapi.IsCode(err, "InvalidParameter.APICreated") {
		return fmt.Errorf("HTTP access path %s: %w", spec.Path, err)
	}
	out, derr := d.API.DescribeGWAPIs(ctx, d.Namespace, cloudapi.DescribeCloudBaseGWAPIRequest{Path: spec.Path})
	if derr != nil {
		return fmt.Errorf("HTTP access path %s: %w", spec.Path, derr)
	}
	for _, a := range out.APISet {
		if a.Name != spec.Name {
			return fmt.Errorf("HTTP access path %s already serves the function %s (tcb service delete -p %s frees it)", spec.Path, a.Name, spec.Path)
		}
	}
	return nil
}

func (d *Deployer) update(ctx context.Context, spec Spec, zip []byte, current *cloudapi.GetFunctionResponse, res *Result) error {
	res.Action = ActionUpdate
	status, err := d.waitUpdatable(ctx, spec.Name)
	if err != nil {
		return err
	}
	addr, err := d.API.GetFunctionAddress(ctx, d.Namespace, spec.Name)
	if err != nil {
		return fmt.Errorf("reading the deployed code's hash: %w", err)
	}
	// After a failed update the function runs its previous code; the same
	// hash then says nothing about the failed revision, and uploading is
	// what brings the function back to Active.
	sameCode := status != cloudapi.StatusUpdateFailed &&
		strings.EqualFold(addr.CodeSha256, res.CodeSha256) && current.Handler == spec.Handler &&
		current.InstallDependency == boolFlag(spec.InstallDependency)
	cfg := configUpdate(spec, d.Namespace, current)
	if d.DryRun {
		if sameCode && cfg == nil && len(missingTriggers(spec, current)) == 0 {
			res.Action = ActionUnchanged
		}
		res.CodeUploaded, res.ConfigUpdated = !sameCode, cfg != nil
		if !sameCode {
			res.Upload = uploadKind(res.ZipSize)
		}
		return nil
	}
	if sameCode {
		d.emit(spec.Name, "skip-code", "code unchanged (sha256 %s), not uploading", short(res.CodeSha256))
	} else {
		req := &cloudapi.UpdateFunctionCodeRequest{FunctionName: spec.Name, Namespace: d.Namespace, Handler: spec.Handler,
			InstallDependency: boolFlag(spec.InstallDependency)}
		if int64(len(zip)) <= funcpack.MaxInlineZipSize {
			res.Upload = UploadInline
			req.ZipFile = b64(zip)
		} else {
			code, err := d.uploadCOS(ctx, spec.Name, zip, res)
			if err != nil {
				return err
			}
			req.Code = code
		}
		d.emit(spec.Name, "update-code", "updating code")
		err := d.API.UpdateFunctionCode(ctx, req)
		if err != nil {
			return fmt.Errorf("update code: %w", err)
		}
		res.CodeUploaded = true
		if err := d.waitActive(ctx, spec.Name); err != nil {
			return err
		}
	}
	if cfg != nil {
		d.emit(spec.Name, "update-config", "updating configuration")
		if err := d.API.UpdateFunctionConfiguration(ctx, cfg); err != nil {
			return fmt.Errorf("update configuration: %w", err)
		}
		res.ConfigUpdated = true
		if err := d.waitActive(ctx, spec.Name); err != nil {
			return err
		}
	}
	if err := d.syncTriggers(ctx, spec, current, res); err != nil {
		return err
	}
	if err := d.ensurePath(ctx, spec, res); err != nil {
		return err
	}
	if !res.CodeUploaded && !res.ConfigUpdated && len(res.Triggers) == 0 && !res.PathCreated {
		res.Action = ActionUnchanged
	}
	return nil
}

// configUpdate returns the configuration request when the desired settings
// differ from the function's, else nil.
func configUpdate(spec Spec, ns string, cur *cloudapi.GetFunctionResponse) *cloudapi.UpdateFunctionConfigurationRequest {
	req := &cloudapi.UpdateFunctionConfigurationRequest{FunctionName: spec.Name, Namespace: ns}
	changed := false
	if cur.Timeout != spec.Timeout {
		req.Timeout, changed = &spec.Timeout, true
	}
	if cur.MemorySize != spec.MemorySize {
		req.MemorySize, changed = &spec.MemorySize, true
	}
	if cur.Runtime != spec.Runtime {
		req.Runtime, changed = spec.Runtime, true
	}
	if spec.Description != "" && cur.Description != spec.Description {
		req.Description, changed = spec.Description, true
	}
	if !sameEnv(cur.Environment, spec.Env) {
		env := envOf(spec.Env)
		if env == nil {
			env = &cloudapi.Environment{Variables: []cloudapi.Variable{}}
		}
		req.Environment, changed = env, true
	}
	if spec.VPC != nil && (cur.VpcConfig == nil || *cur.VpcConfig != *spec.VPC) {
		req.VpcConfig, changed = spec.VPC, true
	}
	if !changed {
		return nil
	}
	return req
}

func sameEnv(cur *cloudapi.Environment, want map[string]string) bool {
	have := map[string]string{}
	if cur != nil {
		for _, v := range cur.Variables {
			have[v.Key] = v.Value
		}
	}
	if len(have) != len(want) {
		return false
	}
	for k, v := range want {
		if hv, ok := have[k]; !ok || hv != v {
			return false
		}
	}
	return true
}

func missingTriggers(spec Spec, cur *cloudapi.GetFunctionResponse) []Trigger {
	have := map[string]string{}
	if cur != nil {
		for _, t := range cur.Triggers {
			have[t.TriggerName] = cronOf(t.TriggerDesc)
		}
	}
	var out []Trigger
	for _, t := range spec.Triggers {
		if c, ok := have[t.Name]; !ok || c != t.Config {
			out = append(out, t)
		}
	}
	return out
}

// syncTriggers creates the configured timer triggers that are missing and
// replaces the ones whose schedule changed. Triggers not in the config are
// left alone.
func (d *Deployer) syncTriggers(ctx context.Context, spec Spec, cur *cloudapi.GetFunctionResponse, res *Result) error {
	existing := map[string]bool{}
	if cur != nil {
		for _, t := range cur.Triggers {
			existing[t.TriggerName] = true
		}
	}
	for _, t := range missingTriggers(spec, cur) {
		if existing[t.Name] {
			d.emit(spec.Name, "trigger", "replacing trigger %s", t.Name)
			if err := d.API.DeleteTrigger(ctx, &cloudapi.DeleteTriggerRequest{FunctionName: spec.Name, Namespace: d.Namespace, TriggerName: t.Name, Type: t.Type}); err != nil {
				return fmt.Errorf("trigger %s: %w", t.Name, err)
			}
		} else {
			d.emit(spec.Name, "trigger", "creating trigger %s (%s)", t.Name, t.Config)
		}
		_, err := d.API.CreateTrigger(ctx, &cloudapi.CreateTriggerRequest{FunctionName: spec.Name, Namespace: d.Namespace,
			TriggerName: t.Name, Type: t.Type, TriggerDesc: t.Config, Enable: "OPEN"})
		if err != nil {
			return fmt.Errorf("trigger %s: %w", t.Name, err)
		}
		res.Triggers = append(res.Triggers, t.Name)
	}
	sort.Strings(res.Triggers)
	return nil
}

// waitActive polls until the function is Active; any *Failed status ends
// the wait with a *StateError (CreateFailed after a create, UpdateFailed
// after an update: waiting cannot change it).
func (d *Deployer) waitActive(ctx context.Context, name string) error {
	_, err := d.wait(ctx, name, "to become Active", func(status string) bool { return status == cloudapi.StatusActive })
	return err
}

// waitUpdatable polls until the function may be changed and returns its
// status: Active, or UpdateFailed — the cloud accepts new code and
// configuration after a failed update, and that is the only way to fix the
// function short of deleting it.
func (d *Deployer) waitUpdatable(ctx context.Context, name string) (string, error) {
	return d.wait(ctx, name, "to become Active", func(status string) bool {
		return status == cloudapi.StatusActive || status == cloudapi.StatusUpdateFailed
	})
}

// wait polls until ok accepts the function's status; any other *Failed
// status is a *StateError. Each status still in progress is an event.
func (d *Deployer) wait(ctx context.Context, name, what string, ok func(status string) bool) (string, error) {
	interval := d.PollInterval
	if interval <= 0 {
		interval = 300 * time.Millisecond
	}
	var status string
	err := cloudapi.Poll(ctx, cloudapi.PollOptions{What: name + " " + what, Timeout: d.WaitTimeout, Interval: interval},
		func(ctx context.Context) (bool, string, error) {
			f, err := d.API.GetFunction(ctx, d.Namespace, name)
			if err != nil {
				return false, "", fmt.Errorf("waiting for Active: %w", err)
			}
			switch {
			case ok(f.Status):
				status = f.Status
				return true, f.Status, nil
			case strings.HasSuffix(f.Status, "Failed"):
				return false, "", failed(name, f)
			}
			d.emit(name, "wait", "%s", f.Status)
			return false, f.Status, nil
		})
	if err != nil {
		return "", err
	}
	return status, nil
}

func failed(name string, f *cloudapi.GetFunctionResponse) *StateError {
	return &StateError{Function: name, Status: f.Status, Reasons: f.StatusReasons, Desc: f.StatusDesc}
}

// StateError is a function that ended in a failed state.
type StateError struct {
	Function string
	Status   string
	Desc     string
	Reasons  []cloudapi.StatusReason
}

func (e *StateError) Error() string {
	var why []string
	for _, r := range e.Reasons {
		why = append(why, strings.TrimSpace(r.ErrorCode+" "+r.ErrorMessage))
	}
	if len(why) == 0 && e.Desc != "" {
		why = append(why, e.Desc)
	}
	if len(why) == 0 {
		return fmt.Sprintf("%s is %s", e.Function, e.Status)
	}
	return fmt.Sprintf("%s is %s: %s", e.Function, e.Status, strings.Join(why, "; "))
}

// tooLarge marks a package over the size limit as invalid input (exit 3):
// nothing was sent, and only a smaller package (or ignore rules) helps.
func tooLarge(err error) error {
	if errors.Is(err, funcpack.ErrZipTooLarge) {
		if _, ok := errkind.Of(err); !ok {
			return errkind.Wrap(errkind.Input, err)
		}
	}
	return err
}

// uploadKind is how a zip of size bytes is sent.
func uploadKind(size int64) string {
	if size <= funcpack.MaxInlineZipSize {
		return UploadInline
	}
	return UploadCOS
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

// UpdateConfig applies spec's configuration to an existing function (no
// code upload, no triggers): it waits for Active, updates only when the
// settings differ, and waits again.
func (d *Deployer) UpdateConfig(ctx context.Context, spec Spec) (res Result) {
	start := time.Now()
	res.Name, res.Action, res.DryRun = spec.Name, ActionUnchanged, d.DryRun
	defer func() {
		res.Duration = time.Since(start)
		res.DurationMS = res.Duration.Milliseconds()
		if res.Err != nil {
			res.Error = res.Err.Error()
		}
	}()
	if _, err := d.waitUpdatable(ctx, spec.Name); err != nil {
		res.Err = err
		return res
	}
	cur, err := d.API.GetFunction(ctx, d.Namespace, spec.Name)
	if err != nil {
		res.Err = err
		return res
	}
	cfg := configUpdate(spec, d.Namespace, cur)
	if cfg == nil {
		return res
	}
	res.Action, res.ConfigUpdated = ActionUpdate, true
	if d.DryRun {
		return res
	}
	d.emit(spec.Name, "update-config", "updating configuration")
	if err := d.API.UpdateFunctionConfiguration(ctx, cfg); err != nil {
		res.Err = fmt.Errorf("update configuration: %w", err)
		return res
	}
	res.Err = d.waitActive(ctx, spec.Name)
	return res
}

// WaitDeleted polls until the function is gone (deletion is async: the
// function stays Deleting for a while).
func (d *Deployer) WaitDeleted(ctx context.Context, name string) error {
	return cloudapi.Poll(ctx, cloudapi.PollOptions{What: name + " to be deleted", Timeout: d.WaitTimeout, Interval: d.PollInterval},
		func(ctx context.Context) (bool, string, error) {
			f, err := d.API.GetFunction(ctx, d.Namespace, name)
			var nf *cloudapi.NotFoundError
			switch {
			case errors.As(err, &nf):
				return true, "", nil
			case err != nil:
				return false, "", err
			case strings.HasSuffix(f.Status, "Failed"):
				return false, "", failed(name, f)
			}
			return false, f.Status, nil
		})
}

// maxSkipWarnings bounds the warnings about left-out paths of one function
// (a broken node_modules/.bin can hold hundreds); Result.Skipped has them
// all.
const maxSkipWarnings = 5

// warnSkipped emits a "warning" event for each path the package left out
// (up to maxSkipWarnings, then how many more).
func (d *Deployer) warnSkipped(name string, skipped []funcpack.Skipped) {
	for i, s := range skipped {
		if i == maxSkipWarnings {
			d.emit(name, "warning", "and %d more paths left out (--json lists them)", len(skipped)-i)
			return
		}
		d.emit(name, "warning", "left out %s: %s", s.Path, s.Reason)
	}
}
