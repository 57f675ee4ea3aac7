package cloudapi

// Wire types of the HTTP access service (tcb 2018-06-08 CloudBaseGW*
// actions), field names exactly as the API. The same structs serve the
// client (pkg/cloudapi) and the emulator (pkg/emulator/gateway), so both
// sides agree on every field the official CLI and manager-node send.

// GWAPITypeFunction and GWAPITypeCloudRun are the Type of an access path:
// a cloud function or a CloudBase Run service.
const (
	GWAPITypeFunction = 1
	GWAPITypeCloudRun = 2
)

// CreateCloudBaseGWAPIRequest binds Path of the env's service to a function
// (Type 1, Name is the function name). The CLI sends EnableUnion,
// manager-node AuthSwitch (1 on, 2 off).
type CreateCloudBaseGWAPIRequest struct {
	ServiceId        string `json:"ServiceId"`
	Path             string `json:"Path"`
	Type             int64  `json:"Type"`
	Name             string `json:"Name"`
	AuthSwitch       int64  `json:"AuthSwitch,omitempty"`
	PathTransmission int64  `json:"PathTransmission,omitempty"`
	EnableUnion      bool   `json:"EnableUnion,omitempty"`
	Domain           string `json:"Domain,omitempty"`
}

// CreateCloudBaseGWAPIResponse names the new path's APIId.
type CreateCloudBaseGWAPIResponse struct {
	APIId     string `json:"APIId"`
	RequestId string `json:"RequestId"`
}

// DescribeCloudBaseGWAPIRequest filters the env's access paths. Limit is
// spelt "limit" by manager-node; both spellings are accepted.
type DescribeCloudBaseGWAPIRequest struct {
	ServiceId   string `json:"ServiceId"`
	Domain      string `json:"Domain,omitempty"`
	Path        string `json:"Path,omitempty"`
	APIId       string `json:"APIId,omitempty"`
	Type        int64  `json:"Type,omitempty"`
	Name        string `json:"Name,omitempty"`
	Offset      int64  `json:"Offset,omitempty"`
	Limit       int64  `json:"Limit,omitempty"`
	LimitLower  int64  `json:"limit,omitempty"`
	EnableUnion bool   `json:"EnableUnion,omitempty"`
}

// GWAPI is one access path.
type GWAPI struct {
	ServiceId  string `json:"ServiceId"`
	APIId      string `json:"APIId"`
	Path       string `json:"Path"`
	Type       int64  `json:"Type"`
	Name       string `json:"Name"`
	CreateTime int64  `json:"CreateTime"`
	EnvId      string `json:"EnvId"`
	EnableAuth bool   `json:"EnableAuth"`
	Domain     string `json:"Domain,omitempty"`
}

// DescribeCloudBaseGWAPIResponse lists access paths.
type DescribeCloudBaseGWAPIResponse struct {
	APISet        []GWAPI `json:"APISet"`
	Total         int64   `json:"Total"`
	Limit         int64   `json:"Limit"`
	Offset        int64   `json:"Offset"`
	EnableService bool    `json:"EnableService"`
	RequestId     string  `json:"RequestId"`
}

// DeleteCloudBaseGWAPIRequest deletes the paths matching Path, APIId or
// Name (every path bound to that function).
type DeleteCloudBaseGWAPIRequest struct {
	ServiceId string `json:"ServiceId"`
	Path      string `json:"Path,omitempty"`
	APIId     string `json:"APIId,omitempty"`
	Type      int64  `json:"Type,omitempty"`
	Name      string `json:"Name,omitempty"`
}

// DescribeCloudBaseGWServiceRequest asks for the env's domains.
type DescribeCloudBaseGWServiceRequest struct {
	ServiceId   string `json:"ServiceId"`
	Domain      string `json:"Domain,omitempty"`
	EnableUnion bool   `json:"EnableUnion,omitempty"`
}

// GWService is one domain of the service (Status 1 deploying, 2 failed, 3
// deployed, 4 deleting, 5 delete failed).
type GWService struct {
	ServiceId string `json:"ServiceId"`
	Domain    string `json:"Domain"`
	OpenTime  int64  `json:"OpenTime"`
	Status    int64  `json:"Status"`
}

// DescribeCloudBaseGWServiceResponse is the default domain, the switch and
// the custom domains.
type DescribeCloudBaseGWServiceResponse struct {
	DefaultDomain string      `json:"DefaultDomain"`
	EnableService bool        `json:"EnableService"`
	ServiceSet    []GWService `json:"ServiceSet"`
	RequestId     string      `json:"RequestId"`
}

// GWOption is a Key/Value of ModifyCloudBaseGWPrivilege: "serviceswitch"
// or "authswitch", with "true" or "false".
type GWOption struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// ModifyCloudBaseGWPrivilegeRequest turns the service (or its
// authentication) on or off. When Options is present EnableService is
// ignored.
type ModifyCloudBaseGWPrivilegeRequest struct {
	ServiceId     string     `json:"ServiceId"`
	EnableService *bool      `json:"EnableService,omitempty"`
	Options       []GWOption `json:"Options,omitempty"`
}

// ModifyCloudBaseGWAPIPrivilegeBatchRequest switches authentication of
// some paths.
type ModifyCloudBaseGWAPIPrivilegeBatchRequest struct {
	ServiceId string     `json:"ServiceId"`
	APIIdSet  []string   `json:"APIIdSet"`
	Options   []GWOption `json:"Options,omitempty"`
}

// CountResponse answers the privilege actions.
type CountResponse struct {
	Count     int64  `json:"Count"`
	RequestId string `json:"RequestId"`
}

// DescribeCloudBaseGWPrivilegeRequest asks for the two switches.
type DescribeCloudBaseGWPrivilegeRequest struct {
	ServiceId string `json:"ServiceId"`
}

// DescribeCloudBaseGWPrivilegeResponse holds the service and
// authentication switches.
type DescribeCloudBaseGWPrivilegeResponse struct {
	EnableService bool   `json:"EnableService"`
	EnableAuth    bool   `json:"EnableAuth"`
	RequestId     string `json:"RequestId"`
}

// BindCloudBaseGWDomainRequest binds a custom domain (the CLI's
// BindCloudBaseAccessDomain and manager-node's BindCloudBaseGWDomain take
// the same fields).
type BindCloudBaseGWDomainRequest struct {
	ServiceId string `json:"ServiceId"`
	Domain    string `json:"Domain"`
	CertId    string `json:"CertId,omitempty"`
}

// DeleteCloudBaseGWDomainRequest unbinds a custom domain.
type DeleteCloudBaseGWDomainRequest struct {
	ServiceId string `json:"ServiceId"`
	Domain    string `json:"Domain"`
}
