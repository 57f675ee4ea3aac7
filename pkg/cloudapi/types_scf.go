package cloudapi

import "encoding/json"

// Wire types of scf 2018-04-16 (field names exactly as the API). Fields the
// CLI never sets but other clients may send are kept as raw JSON, so the
// emulator can decode them strictly.

// Code is a function's code source.
type Code struct {
	CosBucketName     string `json:"CosBucketName,omitempty"`
	CosObjectName     string `json:"CosObjectName,omitempty"`
	ZipFile           string `json:"ZipFile,omitempty"`
	CosBucketRegion   string `json:"CosBucketRegion,omitempty"`
	DemoId            string `json:"DemoId,omitempty"`
	TempCosObjectName string `json:"TempCosObjectName,omitempty"`
	GitUrl            string `json:"GitUrl,omitempty"`
	GitUserName       string `json:"GitUserName,omitempty"`
	GitPassword       string `json:"GitPassword,omitempty"`
	GitPasswordSecret string `json:"GitPasswordSecret,omitempty"`
	GitBranch         string `json:"GitBranch,omitempty"`
	GitDirectory      string `json:"GitDirectory,omitempty"`
	GitCommitId       string `json:"GitCommitId,omitempty"`
	GitUserNameSecret string `json:"GitUserNameSecret,omitempty"`
}

// Variable is one environment variable.
type Variable struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// Environment is a function's environment variables (replaced as a whole).
type Environment struct {
	Variables []Variable `json:"Variables"`
}

// VpcConfig places a function in a VPC.
type VpcConfig struct {
	VpcId    string `json:"VpcId"`
	SubnetId string `json:"SubnetId"`
}

// LayerVersionSimple names a layer version bound to a function.
type LayerVersionSimple struct {
	LayerName    string `json:"LayerName"`
	LayerVersion int64  `json:"LayerVersion"`
}

// Tag is a resource tag.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// StatusReason explains a failed state.
type StatusReason struct {
	ErrorCode    string `json:"ErrorCode"`
	ErrorMessage string `json:"ErrorMessage"`
}

// CreateFunctionRequest creates a function. InstallDependency and Stamp
// are not in SDK v1.0.162's model but are accepted by the API.
type CreateFunctionRequest struct {
	FunctionName      string               `json:"FunctionName"`
	Code              *Code                `json:"Code,omitempty"`
	Handler           string               `json:"Handler,omitempty"`
	Description       string               `json:"Description,omitempty"`
	MemorySize        *int64               `json:"MemorySize,omitempty"`
	Timeout           *int64               `json:"Timeout,omitempty"`
	Environment       *Environment         `json:"Environment,omitempty"`
	Runtime           string               `json:"Runtime,omitempty"`
	VpcConfig         *VpcConfig           `json:"VpcConfig,omitempty"`
	Namespace         string               `json:"Namespace,omitempty"`
	Role              string               `json:"Role,omitempty"`
	InstallDependency string               `json:"InstallDependency,omitempty"`
	ClsLogsetId       string               `json:"ClsLogsetId,omitempty"`
	ClsTopicId        string               `json:"ClsTopicId,omitempty"`
	Type              string               `json:"Type,omitempty"`
	CodeSource        string               `json:"CodeSource,omitempty"`
	Layers            []LayerVersionSimple `json:"Layers,omitempty"`
	DeadLetterConfig  json.RawMessage      `json:"DeadLetterConfig,omitempty"`
	PublicNetConfig   json.RawMessage      `json:"PublicNetConfig,omitempty"`
	CfsConfig         json.RawMessage      `json:"CfsConfig,omitempty"`
	InitTimeout       *int64               `json:"InitTimeout,omitempty"`
	Tags              []Tag                `json:"Tags,omitempty"`
	AsyncRunEnable    string               `json:"AsyncRunEnable,omitempty"`
	TraceEnable       string               `json:"TraceEnable,omitempty"`
	Stamp             string               `json:"Stamp,omitempty"`
	L5Enable          string               `json:"L5Enable,omitempty"`
	CodeSecret        string               `json:"CodeSecret,omitempty"`
}

// UpdateFunctionCodeRequest replaces a function's code (and handler).
type UpdateFunctionCodeRequest struct {
	Handler           string `json:"Handler,omitempty"`
	FunctionName      string `json:"FunctionName"`
	CosBucketName     string `json:"CosBucketName,omitempty"`
	CosObjectName     string `json:"CosObjectName,omitempty"`
	ZipFile           string `json:"ZipFile,omitempty"`
	Namespace         string `json:"Namespace,omitempty"`
	CosBucketRegion   string `json:"CosBucketRegion,omitempty"`
	EnvId             string `json:"EnvId,omitempty"`
	Publish           string `json:"Publish,omitempty"`
	Code              *Code  `json:"Code,omitempty"`
	CodeSource        string `json:"CodeSource,omitempty"`
	InstallDependency string `json:"InstallDependency,omitempty"`
	CodeSecret        string `json:"CodeSecret,omitempty"`
}

// UpdateFunctionConfigurationRequest changes a function's settings; only
// the fields given change, and Environment replaces the whole set.
type UpdateFunctionConfigurationRequest struct {
	FunctionName      string               `json:"FunctionName"`
	Description       string               `json:"Description,omitempty"`
	MemorySize        *int64               `json:"MemorySize,omitempty"`
	Timeout           *int64               `json:"Timeout,omitempty"`
	Runtime           string               `json:"Runtime,omitempty"`
	Environment       *Environment         `json:"Environment,omitempty"`
	Namespace         string               `json:"Namespace,omitempty"`
	VpcConfig         *VpcConfig           `json:"VpcConfig,omitempty"`
	Role              string               `json:"Role,omitempty"`
	InstallDependency string               `json:"InstallDependency,omitempty"`
	ClsLogsetId       string               `json:"ClsLogsetId,omitempty"`
	ClsTopicId        string               `json:"ClsTopicId,omitempty"`
	Publish           string               `json:"Publish,omitempty"`
	L5Enable          string               `json:"L5Enable,omitempty"`
	Layers            []LayerVersionSimple `json:"Layers,omitempty"`
	DeadLetterConfig  json.RawMessage      `json:"DeadLetterConfig,omitempty"`
	PublicNetConfig   json.RawMessage      `json:"PublicNetConfig,omitempty"`
	CfsConfig         json.RawMessage      `json:"CfsConfig,omitempty"`
	InitTimeout       *int64               `json:"InitTimeout,omitempty"`
}

// GetFunctionRequest reads one function.
type GetFunctionRequest struct {
	FunctionName string `json:"FunctionName"`
	Qualifier    string `json:"Qualifier,omitempty"`
	Namespace    string `json:"Namespace,omitempty"`
	ShowCode     string `json:"ShowCode,omitempty"`
}

// Trigger is a trigger as GetFunction shows it.
type Trigger struct {
	ModTime          string `json:"ModTime"`
	Type             string `json:"Type"`
	TriggerDesc      string `json:"TriggerDesc"`
	TriggerName      string `json:"TriggerName"`
	AddTime          string `json:"AddTime"`
	Enable           int64  `json:"Enable"`
	CustomArgument   string `json:"CustomArgument"`
	AvailableStatus  string `json:"AvailableStatus"`
	ResourceId       string `json:"ResourceId"`
	BindStatus       string `json:"BindStatus"`
	TriggerAttribute string `json:"TriggerAttribute"`
	Qualifier        string `json:"Qualifier"`
	Description      string `json:"Description"`
}

// LayerVersionInfo is a bound layer as GetFunction shows it.
type LayerVersionInfo struct {
	CompatibleRuntimes []string `json:"CompatibleRuntimes"`
	AddTime            string   `json:"AddTime"`
	Description        string   `json:"Description"`
	LicenseInfo        string   `json:"LicenseInfo"`
	LayerVersion       int64    `json:"LayerVersion"`
	LayerName          string   `json:"LayerName"`
	Status             string   `json:"Status"`
}

// GetFunctionResponse describes one function.
type GetFunctionResponse struct {
	ModTime           string             `json:"ModTime"`
	CodeInfo          string             `json:"CodeInfo"`
	Description       string             `json:"Description"`
	Triggers          []Trigger          `json:"Triggers"`
	Handler           string             `json:"Handler"`
	CodeSize          int64              `json:"CodeSize"`
	Timeout           int64              `json:"Timeout"`
	FunctionVersion   string             `json:"FunctionVersion"`
	MemorySize        int64              `json:"MemorySize"`
	Runtime           string             `json:"Runtime"`
	FunctionName      string             `json:"FunctionName"`
	VpcConfig         *VpcConfig         `json:"VpcConfig"`
	UseGpu            string             `json:"UseGpu"`
	Environment       *Environment       `json:"Environment"`
	CodeResult        string             `json:"CodeResult"`
	CodeError         string             `json:"CodeError"`
	ErrNo             int64              `json:"ErrNo"`
	Namespace         string             `json:"Namespace"`
	Role              string             `json:"Role"`
	InstallDependency string             `json:"InstallDependency"`
	Status            string             `json:"Status"`
	StatusDesc        string             `json:"StatusDesc"`
	ClsLogsetId       string             `json:"ClsLogsetId"`
	ClsTopicId        string             `json:"ClsTopicId"`
	FunctionId        string             `json:"FunctionId"`
	Tags              []Tag              `json:"Tags"`
	Type              string             `json:"Type"`
	L5Enable          string             `json:"L5Enable"`
	Layers            []LayerVersionInfo `json:"Layers"`
	AddTime           string             `json:"AddTime"`
	AvailableStatus   string             `json:"AvailableStatus"`
	Qualifier         string             `json:"Qualifier"`
	InitTimeout       int64              `json:"InitTimeout"`
	StatusReasons     []StatusReason     `json:"StatusReasons"`
	RequestId         string             `json:"RequestId,omitempty"`
}

// Filter narrows a list.
type Filter struct {
	Name   string   `json:"Name"`
	Values []string `json:"Values"`
}

// ListFunctionsRequest pages through a namespace's functions.
type ListFunctionsRequest struct {
	Order       string   `json:"Order,omitempty"`
	Orderby     string   `json:"Orderby,omitempty"`
	Offset      *int64   `json:"Offset,omitempty"`
	Limit       *int64   `json:"Limit,omitempty"`
	SearchKey   string   `json:"SearchKey,omitempty"`
	Namespace   string   `json:"Namespace,omitempty"`
	Description string   `json:"Description,omitempty"`
	Filters     []Filter `json:"Filters,omitempty"`
}

// Function is a function as ListFunctions shows it.
type Function struct {
	ModTime                        string         `json:"ModTime"`
	AddTime                        string         `json:"AddTime"`
	Runtime                        string         `json:"Runtime"`
	FunctionName                   string         `json:"FunctionName"`
	FunctionId                     string         `json:"FunctionId"`
	Namespace                      string         `json:"Namespace"`
	Status                         string         `json:"Status"`
	StatusDesc                     string         `json:"StatusDesc"`
	Description                    string         `json:"Description"`
	Tags                           []Tag          `json:"Tags"`
	Type                           string         `json:"Type"`
	StatusReasons                  []StatusReason `json:"StatusReasons"`
	TotalProvisionedConcurrencyMem int64          `json:"TotalProvisionedConcurrencyMem"`
	ReservedConcurrencyMem         int64          `json:"ReservedConcurrencyMem"`
}

// ListFunctionsResponse is one page of functions.
type ListFunctionsResponse struct {
	Functions  []Function `json:"Functions"`
	TotalCount int64      `json:"TotalCount"`
	RequestId  string     `json:"RequestId,omitempty"`
}

// InvokeRequest runs a function.
type InvokeRequest struct {
	FunctionName   string `json:"FunctionName"`
	InvocationType string `json:"InvocationType,omitempty"`
	Qualifier      string `json:"Qualifier,omitempty"`
	ClientContext  string `json:"ClientContext,omitempty"`
	LogType        string `json:"LogType,omitempty"`
	Namespace      string `json:"Namespace,omitempty"`
	RoutingKey     string `json:"RoutingKey,omitempty"`
}

// Result is what an invocation returned.
type Result struct {
	Log               string  `json:"Log"`
	RetMsg            string  `json:"RetMsg"`
	ErrMsg            string  `json:"ErrMsg"`
	MemUsage          int64   `json:"MemUsage"`
	Duration          float64 `json:"Duration"`
	BillDuration      int64   `json:"BillDuration"`
	FunctionRequestId string  `json:"FunctionRequestId"`
	InvokeResult      int64   `json:"InvokeResult"`
}

// InvokeResponse wraps the Result.
type InvokeResponse struct {
	Result    Result `json:"Result"`
	RequestId string `json:"RequestId,omitempty"`
}

// LogFilter filters logs by outcome: not0, is0, TimeLimitExceeded,
// ResourceLimitExceeded, UserCodeException.
type LogFilter struct {
	RetCode string `json:"RetCode,omitempty"`
}

// GetFunctionLogsRequest reads invocation logs.
type GetFunctionLogsRequest struct {
	FunctionName      string          `json:"FunctionName,omitempty"`
	Offset            *int64          `json:"Offset,omitempty"`
	Limit             *int64          `json:"Limit,omitempty"`
	Order             string          `json:"Order,omitempty"`
	OrderBy           string          `json:"OrderBy,omitempty"`
	Filter            *LogFilter      `json:"Filter,omitempty"`
	Namespace         string          `json:"Namespace,omitempty"`
	Qualifier         string          `json:"Qualifier,omitempty"`
	FunctionRequestId string          `json:"FunctionRequestId,omitempty"`
	StartTime         string          `json:"StartTime,omitempty"`
	EndTime           string          `json:"EndTime,omitempty"`
	SearchContext     json.RawMessage `json:"SearchContext,omitempty"`
}

// FunctionLog is one invocation's log record.
type FunctionLog struct {
	FunctionName   string  `json:"FunctionName"`
	RetMsg         string  `json:"RetMsg"`
	RequestId      string  `json:"RequestId"`
	StartTime      string  `json:"StartTime"`
	RetCode        int64   `json:"RetCode"`
	InvokeFinished int64   `json:"InvokeFinished"`
	Duration       float64 `json:"Duration"`
	BillDuration   int64   `json:"BillDuration"`
	MemUsage       int64   `json:"MemUsage"`
	Log            string  `json:"Log"`
	Level          string  `json:"Level"`
	Source         string  `json:"Source"`
	RetryNum       int64   `json:"RetryNum"`
}

// GetFunctionLogsResponse is a page of log records.
type GetFunctionLogsResponse struct {
	TotalCount int64         `json:"TotalCount"`
	Data       []FunctionLog `json:"Data"`
	RequestId  string        `json:"RequestId,omitempty"`
}

// DeleteFunctionRequest deletes a function.
type DeleteFunctionRequest struct {
	FunctionName string `json:"FunctionName"`
	Namespace    string `json:"Namespace,omitempty"`
	Qualifier    string `json:"Qualifier,omitempty"`
}

// GetFunctionAddressRequest asks for the code download URL.
type GetFunctionAddressRequest struct {
	FunctionName string `json:"FunctionName"`
	Qualifier    string `json:"Qualifier,omitempty"`
	Namespace    string `json:"Namespace,omitempty"`
	CodeSecret   string `json:"CodeSecret,omitempty"`
}

// GetFunctionAddressResponse has the URL and the code's SHA-256.
type GetFunctionAddressResponse struct {
	Url        string `json:"Url"`
	CodeSha256 string `json:"CodeSha256"`
	RequestId  string `json:"RequestId,omitempty"`
}

// CreateTriggerRequest adds a trigger (timer: TriggerDesc is the 7-field
// cron expression).
type CreateTriggerRequest struct {
	FunctionName   string `json:"FunctionName"`
	TriggerName    string `json:"TriggerName"`
	Type           string `json:"Type"`
	TriggerDesc    string `json:"TriggerDesc,omitempty"`
	Namespace      string `json:"Namespace,omitempty"`
	Qualifier      string `json:"Qualifier,omitempty"`
	Enable         string `json:"Enable,omitempty"`
	CustomArgument string `json:"CustomArgument,omitempty"`
	Description    string `json:"Description,omitempty"`
}

// TriggerInfo is a trigger as CreateTrigger and ListTriggers show it.
type TriggerInfo struct {
	Enable           int64  `json:"Enable"`
	Qualifier        string `json:"Qualifier"`
	TriggerName      string `json:"TriggerName"`
	Type             string `json:"Type"`
	TriggerDesc      string `json:"TriggerDesc"`
	AvailableStatus  string `json:"AvailableStatus"`
	CustomArgument   string `json:"CustomArgument"`
	AddTime          string `json:"AddTime"`
	ModTime          string `json:"ModTime"`
	ResourceId       string `json:"ResourceId"`
	BindStatus       string `json:"BindStatus"`
	TriggerAttribute string `json:"TriggerAttribute"`
	Description      string `json:"Description"`
}

// CreateTriggerResponse returns the new trigger.
type CreateTriggerResponse struct {
	TriggerInfo TriggerInfo `json:"TriggerInfo"`
	RequestId   string      `json:"RequestId,omitempty"`
}

// DeleteTriggerRequest removes a trigger.
type DeleteTriggerRequest struct {
	FunctionName string `json:"FunctionName"`
	TriggerName  string `json:"TriggerName"`
	Type         string `json:"Type"`
	Namespace    string `json:"Namespace,omitempty"`
	TriggerDesc  string `json:"TriggerDesc,omitempty"`
	Qualifier    string `json:"Qualifier,omitempty"`
}

// ListTriggersRequest lists a function's triggers.
type ListTriggersRequest struct {
	FunctionName string   `json:"FunctionName"`
	Namespace    string   `json:"Namespace,omitempty"`
	Offset       *int64   `json:"Offset,omitempty"`
	Limit        *int64   `json:"Limit,omitempty"`
	OrderBy      string   `json:"OrderBy,omitempty"`
	Order        string   `json:"Order,omitempty"`
	Filters      []Filter `json:"Filters,omitempty"`
}

// ListTriggersResponse is a page of triggers.
type ListTriggersResponse struct {
	TotalCount int64         `json:"TotalCount"`
	Triggers   []TriggerInfo `json:"Triggers"`
	RequestId  string        `json:"RequestId,omitempty"`
}
