package cloudapi

// Wire types of tcb 2018-06-08 (field names exactly as the API).

// EnvInfo describes one CloudBase environment.
type EnvInfo struct {
	EnvId          string              `json:"EnvId"`
	Source         string              `json:"Source"`
	Alias          string              `json:"Alias"`
	CreateTime     string              `json:"CreateTime"`
	UpdateTime     string              `json:"UpdateTime"`
	Status         string              `json:"Status"`
	Databases      []DatabasesInfo     `json:"Databases"`
	Storages       []StorageInfo       `json:"Storages"`
	Functions      []FunctionInfo      `json:"Functions"`
	PackageId      string              `json:"PackageId"`
	PackageName    string              `json:"PackageName"`
	LogServices    []LogServiceInfo    `json:"LogServices"`
	StaticStorages []StaticStorageInfo `json:"StaticStorages"`
	IsAutoDegrade  bool                `json:"IsAutoDegrade"`
	EnvChannel     string              `json:"EnvChannel"`
	PayMode        string              `json:"PayMode"`
	IsDefault      bool                `json:"IsDefault"`
	Region         string              `json:"Region"`
	EnvType        string              `json:"EnvType,omitempty"`
}

// Namespace is the SCF namespace of the environment's functions.
func (e *EnvInfo) Namespace() string {
	if len(e.Functions) > 0 && e.Functions[0].Namespace != "" {
		return e.Functions[0].Namespace
	}
	return e.EnvId
}

// DatabasesInfo is one database instance of an environment.
type DatabasesInfo struct {
	InstanceId string `json:"InstanceId"`
	Status     string `json:"Status"`
	Region     string `json:"Region"`
}

// StorageInfo is the environment's storage bucket.
type StorageInfo struct {
	Region    string `json:"Region"`
	Bucket    string `json:"Bucket"`
	CdnDomain string `json:"CdnDomain"`
	AppId     string `json:"AppId"`
}

// FunctionInfo names the SCF namespace of an environment.
type FunctionInfo struct {
	Namespace string `json:"Namespace"`
	Region    string `json:"Region"`
}

// LogServiceInfo is the CLS log topic of an environment.
type LogServiceInfo struct {
	LogsetName string `json:"LogsetName"`
	LogsetId   string `json:"LogsetId"`
	TopicName  string `json:"TopicName"`
	TopicId    string `json:"TopicId"`
	Region     string `json:"Region"`
}

// StaticStorageInfo is the static hosting of an environment.
type StaticStorageInfo struct {
	StaticDomain   string `json:"StaticDomain"`
	DefaultDirName string `json:"DefaultDirName"`
	Status         string `json:"Status"`
	Region         string `json:"Region"`
	Bucket         string `json:"Bucket"`
}

// DescribeEnvsRequest lists environments (all, or one by EnvId).
type DescribeEnvsRequest struct {
	EnvId     string   `json:"EnvId,omitempty"`
	IsVisible *bool    `json:"IsVisible,omitempty"`
	Channels  []string `json:"Channels,omitempty"`
}

// DescribeEnvsResponse is the answer to DescribeEnvs.
type DescribeEnvsResponse struct {
	EnvList   []EnvInfo `json:"EnvList"`
	Total     int64     `json:"Total,omitempty"`
	RequestId string    `json:"RequestId"`
}

// CreateEnvRequest creates an environment (not in SDK v1.0.162's models).
type CreateEnvRequest struct {
	Alias     string   `json:"Alias"`
	PackageId string   `json:"PackageId,omitempty"`
	Resources []string `json:"Resources,omitempty"`
	Source    string   `json:"Source,omitempty"`
	Channel   string   `json:"Channel,omitempty"`
	EnvId     string   `json:"EnvId,omitempty"`
	Period    int64    `json:"Period,omitempty"`
}

// CreateEnvResponse carries the new EnvId.
type CreateEnvResponse struct {
	EnvId     string `json:"EnvId"`
	TranId    string `json:"TranId,omitempty"`
	RequestId string `json:"RequestId"`
}

// CreatePostpayPackageRequest opens pay-as-you-go resources; with an empty
// EnvId it creates the environment too.
type CreatePostpayPackageRequest struct {
	EnvId       string `json:"EnvId,omitempty"`
	WxAppId     string `json:"WxAppId,omitempty"`
	Source      string `json:"Source,omitempty"`
	FreeQuota   string `json:"FreeQuota,omitempty"`
	EnvSource   string `json:"EnvSource,omitempty"`
	Alias       string `json:"Alias,omitempty"`
	Channel     string `json:"Channel,omitempty"`
	ExtensionId string `json:"ExtensionId,omitempty"`
	Flag        string `json:"Flag,omitempty"`
}

// CreatePostpayPackageResponse carries the order id and the EnvId.
type CreatePostpayPackageResponse struct {
	TranId    string `json:"TranId"`
	EnvId     string `json:"EnvId,omitempty"`
	RequestId string `json:"RequestId"`
}

// ModifyEnvRequest renames an environment.
type ModifyEnvRequest struct {
	EnvId string `json:"EnvId"`
	Alias string `json:"Alias,omitempty"`
}

// DestroyEnvRequest deletes an environment.
type DestroyEnvRequest struct {
	EnvId       string `json:"EnvId"`
	IsForce     *bool  `json:"IsForce,omitempty"`
	BypassCheck *bool  `json:"BypassCheck,omitempty"`
}

// DescribeEnvLimitResponse reports the account's environment quotas.
type DescribeEnvLimitResponse struct {
	MaxEnvNum            int64  `json:"MaxEnvNum"`
	CurrentEnvNum        int64  `json:"CurrentEnvNum"`
	MaxFreeEnvNum        int64  `json:"MaxFreeEnvNum"`
	CurrentFreeEnvNum    int64  `json:"CurrentFreeEnvNum"`
	MaxDeleteTotal       int64  `json:"MaxDeleteTotal"`
	CurrentDeleteTotal   int64  `json:"CurrentDeleteTotal"`
	MaxDeleteMonthly     int64  `json:"MaxDeleteMonthly"`
	CurrentDeleteMonthly int64  `json:"CurrentDeleteMonthly"`
	RequestId            string `json:"RequestId"`
}

// CheckTcbServiceResponse says whether CloudBase is initialised.
type CheckTcbServiceResponse struct {
	Initialized bool   `json:"Initialized"`
	RequestId   string `json:"RequestId"`
}

// EmptyResponse is the answer of actions that return only a RequestId.
type EmptyResponse struct {
	RequestId string `json:"RequestId"`
}
