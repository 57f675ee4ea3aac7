package cloudapi

// Wire types of scf 2018-04-16 for function versions, aliases and layers
// (field names exactly as the API).

// PublishVersionRequest snapshots $LATEST as a new version.
type PublishVersionRequest struct {
	FunctionName string `json:"FunctionName"`
	Description  string `json:"Description,omitempty"`
	Namespace    string `json:"Namespace,omitempty"`
}

// PublishVersionResponse describes the new version.
type PublishVersionResponse struct {
	FunctionVersion string `json:"FunctionVersion"`
	CodeSize        int64  `json:"CodeSize"`
	MemorySize      int64  `json:"MemorySize"`
	Description     string `json:"Description"`
	Handler         string `json:"Handler"`
	Timeout         int64  `json:"Timeout"`
	Runtime         string `json:"Runtime"`
	Namespace       string `json:"Namespace"`
	RequestId       string `json:"RequestId,omitempty"`
}

// ListVersionByFunctionRequest pages through a function's versions.
type ListVersionByFunctionRequest struct {
	FunctionName string `json:"FunctionName"`
	Namespace    string `json:"Namespace,omitempty"`
	Offset       *int64 `json:"Offset,omitempty"`
	Limit        *int64 `json:"Limit,omitempty"`
	Order        string `json:"Order,omitempty"`
	OrderBy      string `json:"OrderBy,omitempty"`
}

// FunctionVersion is one version as ListVersionByFunction shows it.
type FunctionVersion struct {
	Version     string `json:"Version"`
	Description string `json:"Description"`
	AddTime     string `json:"AddTime"`
	ModTime     string `json:"ModTime"`
	Status      string `json:"Status,omitempty"`
}

// ListVersionByFunctionResponse is one page of versions ($LATEST included).
type ListVersionByFunctionResponse struct {
	FunctionVersion []string          `json:"FunctionVersion"`
	Versions        []FunctionVersion `json:"Versions"`
	TotalCount      int64             `json:"TotalCount"`
	RequestId       string            `json:"RequestId,omitempty"`
}

// VersionWeight sends a share (0 to 1) of an alias's traffic to a version.
type VersionWeight struct {
	Version string  `json:"Version"`
	Weight  float64 `json:"Weight"`
}

// VersionMatch routes the invocations whose routing key matches to a
// version. Key is "invoke.headers.<Name>"; Method "range" (Expression
// "[a,b)", "(a,b]", ... of integers) or "exact".
type VersionMatch struct {
	Version    string `json:"Version"`
	Key        string `json:"Key"`
	Method     string `json:"Method"`
	Expression string `json:"Expression"`
}

// RoutingConfig is an alias's traffic routing beyond its main version.
type RoutingConfig struct {
	AdditionalVersionWeights []VersionWeight `json:"AdditionalVersionWeights,omitempty"`
	AddtionVersionMatchs     []VersionMatch  `json:"AddtionVersionMatchs,omitempty"`
}

// RoutingInfo is RoutingConfig as GetAlias and ListAliases show it
// (both lists always present).
type RoutingInfo struct {
	AdditionalVersionWeights []VersionWeight `json:"AdditionalVersionWeights"`
	AddtionVersionMatchs     []VersionMatch  `json:"AddtionVersionMatchs"`
}

// CreateAliasRequest creates an alias.
type CreateAliasRequest struct {
	Name            string         `json:"Name"`
	FunctionName    string         `json:"FunctionName"`
	FunctionVersion string         `json:"FunctionVersion"`
	Namespace       string         `json:"Namespace,omitempty"`
	RoutingConfig   *RoutingConfig `json:"RoutingConfig,omitempty"`
	Description     string         `json:"Description,omitempty"`
}

// UpdateAliasRequest changes an alias (RoutingConfig replaces the old one).
type UpdateAliasRequest struct {
	FunctionName    string         `json:"FunctionName"`
	Name            string         `json:"Name"`
	FunctionVersion string         `json:"FunctionVersion"`
	Namespace       string         `json:"Namespace,omitempty"`
	RoutingConfig   *RoutingConfig `json:"RoutingConfig,omitempty"`
	Description     string         `json:"Description,omitempty"`
}

// GetAliasRequest reads (DeleteAliasRequest deletes) one alias.
type GetAliasRequest struct {
	FunctionName string `json:"FunctionName"`
	Name         string `json:"Name"`
	Namespace    string `json:"Namespace,omitempty"`
}

// DeleteAliasRequest deletes an alias.
type DeleteAliasRequest = GetAliasRequest

// Alias is an alias as GetAlias and ListAliases show it.
type Alias struct {
	FunctionVersion string       `json:"FunctionVersion"`
	Name            string       `json:"Name"`
	RoutingConfig   *RoutingInfo `json:"RoutingConfig"`
	Description     string       `json:"Description"`
	AddTime         string       `json:"AddTime"`
	ModTime         string       `json:"ModTime"`
}

// GetAliasResponse is one alias.
type GetAliasResponse struct {
	Alias
	RequestId string `json:"RequestId,omitempty"`
}

// ListAliasesRequest lists a function's aliases (Offset and Limit are
// strings in this API).
type ListAliasesRequest struct {
	FunctionName    string `json:"FunctionName"`
	Namespace       string `json:"Namespace,omitempty"`
	FunctionVersion string `json:"FunctionVersion,omitempty"`
	Offset          string `json:"Offset,omitempty"`
	Limit           string `json:"Limit,omitempty"`
}

// ListAliasesResponse is one page of aliases.
type ListAliasesResponse struct {
	Aliases    []Alias `json:"Aliases"`
	TotalCount int64   `json:"TotalCount"`
	RequestId  string  `json:"RequestId,omitempty"`
}

// PublishLayerVersionRequest publishes a new version of a layer. Src is
// what the CloudBase tools tag their layers with ("TCB_<envId>"); it is
// not in SDK v1.0.162's model.
type PublishLayerVersionRequest struct {
	LayerName          string   `json:"LayerName"`
	CompatibleRuntimes []string `json:"CompatibleRuntimes"`
	Content            *Code    `json:"Content,omitempty"`
	Description        string   `json:"Description,omitempty"`
	LicenseInfo        string   `json:"LicenseInfo,omitempty"`
	Src                string   `json:"Src,omitempty"`
}

// PublishLayerVersionResponse has the new version number.
type PublishLayerVersionResponse struct {
	LayerVersion int64  `json:"LayerVersion"`
	RequestId    string `json:"RequestId,omitempty"`
}

// ListLayersRequest lists layers (each with its newest version).
// SearchSrc filters by Src (the CloudBase tools send "TCB_<envId>").
type ListLayersRequest struct {
	CompatibleRuntime string `json:"CompatibleRuntime,omitempty"`
	Offset            *int64 `json:"Offset,omitempty"`
	Limit             *int64 `json:"Limit,omitempty"`
	SearchKey         string `json:"SearchKey,omitempty"`
	SearchSrc         string `json:"SearchSrc,omitempty"`
}

// ListLayersResponse is one page of layers.
type ListLayersResponse struct {
	Layers     []LayerVersionInfo `json:"Layers"`
	TotalCount int64              `json:"TotalCount"`
	RequestId  string             `json:"RequestId,omitempty"`
}

// ListLayerVersionsRequest lists a layer's versions.
type ListLayerVersionsRequest struct {
	LayerName         string   `json:"LayerName"`
	CompatibleRuntime []string `json:"CompatibleRuntime,omitempty"`
}

// ListLayerVersionsResponse has every version, newest first.
type ListLayerVersionsResponse struct {
	LayerVersions []LayerVersionInfo `json:"LayerVersions"`
	RequestId     string             `json:"RequestId,omitempty"`
}

// LayerVersionRequest names one layer version (GetLayerVersion,
// DeleteLayerVersion).
type LayerVersionRequest struct {
	LayerName    string `json:"LayerName"`
	LayerVersion int64  `json:"LayerVersion"`
}

// GetLayerVersionResponse describes a layer version; Location is a URL
// its zip can be downloaded from.
type GetLayerVersionResponse struct {
	CompatibleRuntimes []string `json:"CompatibleRuntimes"`
	CodeSha256         string   `json:"CodeSha256"`
	Location           string   `json:"Location"`
	AddTime            string   `json:"AddTime"`
	Description        string   `json:"Description"`
	LicenseInfo        string   `json:"LicenseInfo"`
	LayerVersion       int64    `json:"LayerVersion"`
	LayerName          string   `json:"LayerName"`
	Status             string   `json:"Status"`
	RequestId          string   `json:"RequestId,omitempty"`
}
