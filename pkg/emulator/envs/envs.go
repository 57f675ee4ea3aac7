// Package envs emulates CloudBase environments (tcb 2018-06-08):
// CheckTcbService, DescribeEnvs, CreateEnv, CreatePostpayPackage, ModifyEnv,
// DestroyEnv and DescribeEnvLimit. A new environment is INITIALIZING until
// the configured latency has passed and NORMAL afterwards; the state is
// derived from stored timestamps, so it survives restarts.
package envs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tcb-go/tcb/pkg/chinatime"
	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/emulator/capi"
	"github.com/tcb-go/tcb/pkg/emulator/store"
)

const (
	tcbService = "tcb"
	tcbVersion = "2018-06-08"
)

var (
	bucketEnvs  = []string{"envs"}
	bucketStats = []string{"env_stats"}
)

// Record is an environment as stored.
type Record struct {
	EnvID     string    `json:"env_id"`
	Alias     string    `json:"alias"`
	Source    string    `json:"source"`
	Channel   string    `json:"channel"`
	PackageID string    `json:"package_id"`
	PayMode   string    `json:"pay_mode"`
	Region    string    `json:"region"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	ReadyAt   time.Time `json:"ready_at"`
	DBID      string    `json:"db_id"`
	Bucket    string    `json:"bucket"`
}

// Status is INITIALIZING before ReadyAt and NORMAL after.
func (r *Record) Status(now time.Time) string {
	if now.Before(r.ReadyAt) {
		return "INITIALIZING"
	}
	return "NORMAL"
}

// Options configure the service.
type Options struct {
	DB      *store.DB
	Now     func() time.Time
	Latency time.Duration
	MaxEnvs int
	// AppID is the fake Tencent Cloud account app id used in bucket names.
	AppID string
}

// Service is the environment emulator.
type Service struct {
	opts      Options
	mu        sync.Mutex
	onDestroy []func(envID string) error
}

// packages are the CloudBase packages CreateEnv accepts.
var packages = map[string]string{
	"baas_personal":      "个人版",
	"baas_pf_standard":   "标准版",
	"baas_pf_enterprise": "企业版",
	"baas_free":          "免费版",
}

// New returns the service.
func New(opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxEnvs <= 0 {
		opts.MaxEnvs = 10
	}
	if opts.AppID == "" {
		opts.AppID = "1250000000"
	}
	return &Service{opts: opts}
}

// OnDestroy registers a hook run inside DestroyEnv, so other subsystems
// drop the environment's functions, documents, ...
func (s *Service) OnDestroy(fn func(envID string) error) { s.onDestroy = append(s.onDestroy, fn) }

// Register adds the tcb actions to d.
func (s *Service) Register(d *capi.Dispatcher) {
	d.Register(tcbService, tcbVersion, "CheckTcbService", s.checkTcbService)
	d.Register(tcbService, tcbVersion, "DescribeEnvs", s.describeEnvs)
	d.Register(tcbService, tcbVersion, "CreateEnv", s.createEnv)
	d.Register(tcbService, tcbVersion, "CreatePostpayPackage", s.createPostpayPackage)
	d.Register(tcbService, tcbVersion, "ModifyEnv", s.modifyEnv)
	d.Register(tcbService, tcbVersion, "DestroyEnv", s.destroyEnv)
	d.Register(tcbService, tcbVersion, "DescribeEnvLimit", s.describeEnvLimit)
	d.Register(tcbService, tcbVersion, "DescribeEnvInfo", s.describeEnvInfo)
	d.Register(tcbService, tcbVersion, "DescribeAuthDomains", s.describeAuthDomains)
	d.Register(tcbService, tcbVersion, "CreateAuthDomain", s.createAuthDomain)
	d.Register(tcbService, tcbVersion, "DeleteAuthDomain", s.deleteAuthDomain)
	d.Register(tcbService, tcbVersion, "DescribeEnvFreeQuota", s.describeEnvFreeQuota)
	s.OnDestroy(s.dropAuthDomains)
}

// ErrNotFound means no such environment.
var ErrNotFound = errors.New("environment not found")

// Get returns a stored environment.
func (s *Service) Get(envID string) (*Record, error) {
	var rec Record
	var found bool
	err := s.opts.DB.View(func(tx *store.Tx) error {
		var err error
		found, err = tx.Get(bucketEnvs, envID, &rec)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, ErrNotFound
	}
	return &rec, nil
}

// Ready returns the environment when it exists and is NORMAL, else an API
// error with the code other services answer (ResourceNotFound.Namespace
// style codes are chosen by the caller via notFoundCode).
func (s *Service) Ready(envID, notFoundCode string) (*Record, error) {
	rec, err := s.Get(envID)
	if errors.Is(err, ErrNotFound) {
		return nil, capi.Errorf(notFoundCode, "The environment %s does not exist.", envID)
	}
	if err != nil {
		return nil, err
	}
	if rec.Status(s.opts.Now()) != "NORMAL" {
		return nil, capi.Errorf("ResourceUnavailable", "The environment %s is still initializing.", envID)
	}
	return rec, nil
}

// List returns every environment, oldest first.
func (s *Service) List() ([]Record, error) {
	var out []Record
	err := s.opts.DB.View(func(tx *store.Tx) error {
		return tx.ForEach(bucketEnvs, func(_ string, raw []byte) error {
			var r Record
			if err := json.Unmarshal(raw, &r); err != nil {
				return err
			}
			out = append(out, r)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].EnvID < out[j].EnvID
	})
	return out, err
}

// Info builds the complete EnvInfo of a record.
func (s *Service) Info(r *Record) cloudapi.EnvInfo {
	now := s.opts.Now()
	status := r.Status(now)
	dbStatus, staticStatus := "RUNNING", "online"
	if status != "NORMAL" {
		dbStatus, staticStatus = "INITIALIZING", "init"
	}
	pkgName := packages[r.PackageID]
	return cloudapi.EnvInfo{
		EnvId:      r.EnvID,
		Source:     r.Source,
		Alias:      r.Alias,
		CreateTime: chinatime.Format(r.CreatedAt),
		UpdateTime: chinatime.Format(r.UpdatedAt),
		Status:     status,
		Databases:  []cloudapi.DatabasesInfo{{InstanceId: r.DBID, Status: dbStatus, Region: r.Region}},
		Storages: []cloudapi.StorageInfo{{Region: r.Region, Bucket: r.Bucket,
			CdnDomain: r.Bucket + ".tcb.qcloud.la", AppId: s.opts.AppID}},
		Functions: []cloudapi.FunctionInfo{{Namespace: r.EnvID, Region: r.Region}},
		PackageId: r.PackageID, PackageName: pkgName,
		LogServices: []cloudapi.LogServiceInfo{{LogsetName: "tcb_logset_" + r.EnvID, LogsetId: fakeID(r.EnvID, "logset"),
			TopicName: "tcb_topic_" + r.EnvID, TopicId: fakeID(r.EnvID, "topic"), Region: r.Region}},
		StaticStorages: []cloudapi.StaticStorageInfo{{StaticDomain: r.EnvID + "-" + s.opts.AppID + ".tcloudbaseapp.com",
			DefaultDirName: "", Status: staticStatus, Region: r.Region, Bucket: "static-" + r.Bucket}},
		IsAutoDegrade: false,
		EnvChannel:    r.Channel,
		PayMode:       r.PayMode,
		IsDefault:     false,
		Region:        r.Region,
		EnvType:       "baas",
	}
}

func (s *Service) checkTcbService(ctx context.Context, c *capi.Call) (any, error) {
	var req struct{}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	return cloudapi.CheckTcbServiceResponse{Initialized: true}, nil
}

type describeEnvsRequest struct {
	EnvId     string   `json:"EnvId"`
	IsVisible *bool    `json:"IsVisible"`
	Channels  []string `json:"Channels"`
	Limit     *int64   `json:"Limit"`
	Offset    *int64   `json:"Offset"`
}

func (s *Service) describeEnvs(ctx context.Context, c *capi.Call) (any, error) {
	var req describeEnvsRequest
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	recs, err := s.List()
	if err != nil {
		return nil, err
	}
	list := []cloudapi.EnvInfo{}
	for i := range recs {
		if req.EnvId != "" && recs[i].EnvID != req.EnvId {
			continue
		}
		if len(req.Channels) > 0 && req.IsVisible != nil {
			in := slices.Contains(req.Channels, recs[i].Channel)
			if in != *req.IsVisible {
				continue
			}
		}
		list = append(list, s.Info(&recs[i]))
	}
	total := int64(len(list))
	if req.Offset != nil || req.Limit != nil {
		off, lim := int64(0), int64(len(list))
		if req.Offset != nil {
			off = *req.Offset
		}
		if req.Limit != nil {
			lim = *req.Limit
		}
		if off < 0 || lim < 0 {
			return nil, capi.Errorf("InvalidParameterValue", "Offset and Limit must not be negative.")
		}
		n := int64(len(list))
		off = min(off, n)
		// lim may be near MaxInt64: compare against what is left instead
		// of computing off+lim, which would overflow.
		end := off + min(lim, n-off)
		list = list[off:end]
	}
	return cloudapi.DescribeEnvsResponse{EnvList: list, Total: total}, nil
}

// describeEnvInfo answers one environment as {EnvInfo: {EnvBaseInfo}},
// the form @cloudbase/manager-node reads before every functions call (it
// takes the functions namespace from EnvBaseInfo.Functions[0]).
func (s *Service) describeEnvInfo(ctx context.Context, c *capi.Call) (any, error) {
	var req struct {
		EnvId string `json:"EnvId"`
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	if req.EnvId == "" {
		return nil, capi.Errorf("MissingParameter", "The parameter EnvId is required.")
	}
	rec, err := s.Get(req.EnvId)
	if errors.Is(err, ErrNotFound) {
		return nil, capi.Errorf("ResourceNotFound", "The environment %s does not exist.", req.EnvId)
	}
	if err != nil {
		return nil, err
	}
	return map[string]any{"EnvInfo": map[string]any{"EnvBaseInfo": s.Info(rec)}}, nil
}

type createEnvRequest struct {
	Alias       string          `json:"Alias"`
	PackageId   string          `json:"PackageId"`
	Resources   []string        `json:"Resources"`
	Source      string          `json:"Source"`
	Channel     string          `json:"Channel"`
	EnvId       string          `json:"EnvId"`
	Period      *int64          `json:"Period"`
	AutoVoucher *bool           `json:"AutoVoucher"`
	Tags        []rawJSONObject `json:"Tags"`
	RenewFlag   string          `json:"RenewFlag"`
}

type rawJSONObject map[string]any

func (s *Service) createEnv(ctx context.Context, c *capi.Call) (any, error) {
	var req createEnvRequest
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	if req.Alias == "" {
		return nil, capi.Errorf("MissingParameter", "The parameter Alias is required.")
	}
	rec, err := s.create(req.Alias, req.EnvId, req.PackageId, orDefault(req.Source, "qcloud"), orDefault(req.Channel, "qc_console"), "prepayment", c.Region)
	if err != nil {
		return nil, err
	}
	return cloudapi.CreateEnvResponse{EnvId: rec.EnvID}, nil
}

type createPostpayPackageRequest struct {
	EnvId       string `json:"EnvId"`
	WxAppId     string `json:"WxAppId"`
	Source      string `json:"Source"`
	FreeQuota   string `json:"FreeQuota"`
	EnvSource   string `json:"EnvSource"`
	Alias       string `json:"Alias"`
	Channel     string `json:"Channel"`
	ExtensionId string `json:"ExtensionId"`
	Flag        string `json:"Flag"`
}

var channelsBySource = map[string][]string{
	"miniapp": {"ide", "api"},
	"qcloud":  {"qc_console", "cocos", "qq", "cloudgame", "dcloud", "serverless_framework"},
}

func (s *Service) createPostpayPackage(ctx context.Context, c *capi.Call) (any, error) {
	var req createPostpayPackageRequest
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	if req.Source != "" && req.Source != "miniapp" && req.Source != "qcloud" {
		return nil, capi.Errorf("InvalidParameterValue", "Source must be miniapp or qcloud.")
	}
	if req.FreeQuota != "" && req.FreeQuota != "basic" {
		return nil, capi.Errorf("InvalidParameterValue", "FreeQuota only accepts basic.")
	}
	tran := "tran-" + randomSuffix(16)
	if req.EnvId != "" {
		err := s.opts.DB.Update(func(tx *store.Tx) error {
			var rec Record
			ok, err := tx.Get(bucketEnvs, req.EnvId, &rec)
			if err != nil {
				return err
			}
			if !ok {
				return capi.Errorf("ResourceNotFound", "The environment %s does not exist.", req.EnvId)
			}
			rec.PayMode = "postpaid"
			rec.UpdatedAt = s.opts.Now()
			return tx.Put(bucketEnvs, rec.EnvID, &rec)
		})
		if err != nil {
			return nil, err
		}
		return cloudapi.CreatePostpayPackageResponse{TranId: tran, EnvId: req.EnvId}, nil
	}
	if req.EnvSource == "" {
		return nil, capi.Errorf("MissingParameter", "EnvSource is required when EnvId is empty.")
	}
	chans, ok := channelsBySource[req.EnvSource]
	if !ok {
		return nil, capi.Errorf("InvalidParameterValue", "EnvSource must be miniapp or qcloud.")
	}
	if req.Channel != "" && !slices.Contains(chans, req.Channel) {
		return nil, capi.Errorf("InvalidParameterValue", "Channel %s is not valid for EnvSource %s (use one of %s).", req.Channel, req.EnvSource, strings.Join(chans, ", "))
	}
	if req.Alias == "" {
		return nil, capi.Errorf("MissingParameter", "Alias is required when EnvId is empty.")
	}
	rec, err := s.create(req.Alias, "", "", req.EnvSource, orDefault(req.Channel, chans[0]), "postpaid", c.Region)
	if err != nil {
		return nil, err
	}
	return cloudapi.CreatePostpayPackageResponse{TranId: tran, EnvId: rec.EnvID}, nil
}

func (s *Service) create(alias, envID, pkg, source, channel, payMode, region string) (*Record, error) {
	if err := cloudapi.ValidateAlias(alias); err != nil {
		return nil, capi.Errorf("InvalidParameterValue", "Alias: %v.", err)
	}
	if pkg == "" {
		pkg = "baas_personal"
	}
	if _, ok := packages[pkg]; !ok {
		return nil, capi.Errorf("InvalidParameterValue", "PackageId %s does not exist.", pkg)
	}
	if region == "" {
		region = "ap-shanghai"
	}
	if envID == "" {
		envID = alias + "-" + randomSuffix(6)
	} else if err := config.ValidateEnvID(envID); err != nil {
		// Other modules build paths from env ids (export directories
		// removed on DestroyEnv): only well-formed ids may exist.
		return nil, capi.Errorf("InvalidParameter.EnvId", "EnvId: %v.", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	rec := &Record{EnvID: envID, Alias: alias, Source: source, Channel: channel, PackageID: pkg, PayMode: payMode,
		Region: region, CreatedAt: now, UpdatedAt: now, ReadyAt: now.Add(s.opts.Latency),
		DBID: "tnt-" + randomSuffix(12), Bucket: randomHex(4) + "-" + envID + "-" + s.opts.AppID}
	err := s.opts.DB.Update(func(tx *store.Tx) error {
		n, err := tx.Count(bucketEnvs...)
		if err != nil {
			return err
		}
		if n >= s.opts.MaxEnvs {
			return capi.Errorf("LimitExceeded", "The account already has %d environments, the limit.", n)
		}
		clash := false
		if err := tx.ForEach(bucketEnvs, func(k string, raw []byte) error {
			var r Record
			if err := json.Unmarshal(raw, &r); err != nil {
				return err
			}
			if r.EnvID == envID || r.Alias == alias {
				clash = true
			}
			return nil
		}); err != nil {
			return err
		}
		if clash {
			return capi.Errorf("ResourceInUse", "An environment with alias %s already exists.", alias)
		}
		return tx.Put(bucketEnvs, envID, rec)
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

func (s *Service) modifyEnv(ctx context.Context, c *capi.Call) (any, error) {
	var req struct {
		EnvId string `json:"EnvId"`
		Alias string `json:"Alias"`
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	if req.EnvId == "" {
		return nil, capi.Errorf("MissingParameter", "The parameter EnvId is required.")
	}
	if req.Alias != "" {
		if err := ValidateRenameAlias(req.Alias); err != nil {
			return nil, capi.Errorf("InvalidParameterValue", "Alias: %v.", err)
		}
	}
	err := s.opts.DB.Update(func(tx *store.Tx) error {
		var rec Record
		ok, err := tx.Get(bucketEnvs, req.EnvId, &rec)
		if err != nil {
			return err
		}
		if !ok {
			return capi.Errorf("ResourceNotFound", "The environment %s does not exist.", req.EnvId)
		}
		if rec.Status(s.opts.Now()) != "NORMAL" {
			return capi.Errorf("ResourceUnavailable", "The environment %s is still initializing.", req.EnvId)
		}
		if req.Alias != "" {
			rec.Alias = req.Alias
		}
		rec.UpdatedAt = s.opts.Now()
		return tx.Put(bucketEnvs, rec.EnvID, &rec)
	})
	if err != nil {
		return nil, err
	}
	return cloudapi.EmptyResponse{}, nil
}

// ValidateRenameAlias checks a new alias for ModifyEnv: it starts with a
// lowercase letter and contains letters, digits and '-'.
func ValidateRenameAlias(alias string) error {
	if len(alias) > cloudapi.MaxAliasLen {
		return fmt.Errorf("%q is longer than %d characters", alias, cloudapi.MaxAliasLen)
	}
	if alias[0] < 'a' || alias[0] > 'z' {
		return fmt.Errorf("%q must start with a lowercase letter", alias)
	}
	for _, r := range alias {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return fmt.Errorf("%q may contain only letters, digits and '-'", alias)
		}
	}
	return nil
}

type envStats struct {
	Deleted int64 `json:"deleted"`
}

func (s *Service) destroyEnv(ctx context.Context, c *capi.Call) (any, error) {
	var req struct {
		EnvId       string `json:"EnvId"`
		IsForce     *bool  `json:"IsForce"`
		BypassCheck *bool  `json:"BypassCheck"`
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	if req.EnvId == "" {
		return nil, capi.Errorf("MissingParameter", "The parameter EnvId is required.")
	}
	rec, err := s.Get(req.EnvId)
	if errors.Is(err, ErrNotFound) {
		return nil, capi.Errorf("ResourceNotFound", "The environment %s does not exist.", req.EnvId)
	}
	if err != nil {
		return nil, err
	}
	if rec.Status(s.opts.Now()) != "NORMAL" {
		return nil, capi.Errorf("ResourceUnavailable", "The environment %s is still initializing.", req.EnvId)
	}
	for _, fn := range s.onDestroy {
		if err := fn(req.EnvId); err != nil {
			return nil, err
		}
	}
	err = s.opts.DB.Update(func(tx *store.Tx) error {
		var st envStats
		if _, err := tx.Get(bucketStats, "account", &st); err != nil {
			return err
		}
		st.Deleted++
		if err := tx.Put(bucketStats, "account", &st); err != nil {
			return err
		}
		return tx.Delete(bucketEnvs, req.EnvId)
	})
	if err != nil {
		return nil, err
	}
	return cloudapi.EmptyResponse{}, nil
}

func (s *Service) describeEnvLimit(ctx context.Context, c *capi.Call) (any, error) {
	var req struct {
		Source string `json:"Source"`
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	var n int
	var st envStats
	err := s.opts.DB.View(func(tx *store.Tx) error {
		var err error
		if n, err = tx.Count(bucketEnvs...); err != nil {
			return err
		}
		_, err = tx.Get(bucketStats, "account", &st)
		return err
	})
	if err != nil {
		return nil, err
	}
	return cloudapi.DescribeEnvLimitResponse{
		MaxEnvNum: int64(s.opts.MaxEnvs), CurrentEnvNum: int64(n),
		MaxFreeEnvNum: 1, CurrentFreeEnvNum: 0,
		MaxDeleteTotal: 1000, CurrentDeleteTotal: st.Deleted,
		MaxDeleteMonthly: 100, CurrentDeleteMonthly: st.Deleted,
	}, nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

const suffixAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

func randomSuffix(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = suffixAlphabet[int(b[i])%len(suffixAlphabet)]
	}
	return string(b)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func fakeID(envID, kind string) string {
	return fmt.Sprintf("%s-%x", kind, []byte(envID))[:min(len(kind)+1+16, len(kind)+1+2*len(envID))]
}
