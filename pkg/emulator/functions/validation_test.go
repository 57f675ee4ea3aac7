package functions

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/tcb-go/tcb/pkg/cloudapi"
)

func TestCreateFunctionValidation(t *testing.T) {
	t.Parallel()
	h := start(t, "", Options{})
	ns := h.newEnv()
	zip := nodeFn(t, `exports.main = async () => 1;`)
	good := func() *cloudapi.CreateFunctionRequest {
		return &cloudapi.CreateFunctionRequest{FunctionName: "fn", Namespace: ns, Runtime: "Nodejs20.19", Handler: "index.main",
			Code: &cloudapi.Code{ZipFile: b64(zip)}}
	}
	bigEnv := []cloudapi.Variable{{Key: "BIG", Value: strings.Repeat("x", 4100)}}
	cases := []struct {
		name string
		mod  func(r *cloudapi.CreateFunctionRequest)
		code string
	}{
		{"unknown namespace", func(r *cloudapi.CreateFunctionRequest) { r.Namespace = "no-such-env" }, "ResourceNotFound.Namespace"},
		{"missing namespace means default", func(r *cloudapi.CreateFunctionRequest) { r.Namespace = "" }, "ResourceNotFound.Namespace"},
		{"empty name", func(r *cloudapi.CreateFunctionRequest) { r.FunctionName = "" }, "InvalidParameterValue.FunctionName"},
		{"name starts with digit", func(r *cloudapi.CreateFunctionRequest) { r.FunctionName = "1fn" }, "InvalidParameterValue.FunctionName"},
		{"name ends with dash", func(r *cloudapi.CreateFunctionRequest) { r.FunctionName = "fn-" }, "InvalidParameterValue.FunctionName"},
		{"name too long", func(r *cloudapi.CreateFunctionRequest) { r.FunctionName = "f" + strings.Repeat("n", 60) }, "InvalidParameterValue.FunctionName"},
		{"name with dot", func(r *cloudapi.CreateFunctionRequest) { r.FunctionName = "f.n" }, "InvalidParameterValue.FunctionName"},
		{"runtime", func(r *cloudapi.CreateFunctionRequest) { r.Runtime = "Nodejs99.1" }, "InvalidParameterValue.Runtime"},
		{"runtime case", func(r *cloudapi.CreateFunctionRequest) { r.Runtime = "nodejs18.15" }, "InvalidParameterValue.Runtime"},
		{"timeout 0", func(r *cloudapi.CreateFunctionRequest) { r.Timeout = i64(0) }, "InvalidParameterValue"},
		{"timeout 901", func(r *cloudapi.CreateFunctionRequest) { r.Timeout = i64(901) }, "LimitExceeded.Timeout"},
		{"memory 100", func(r *cloudapi.CreateFunctionRequest) { r.MemorySize = i64(100) }, "InvalidParameterValue.MemorySize"},
		{"memory 3200", func(r *cloudapi.CreateFunctionRequest) { r.MemorySize = i64(3200) }, "InvalidParameterValue.MemorySize"},
		{"memory 32", func(r *cloudapi.CreateFunctionRequest) { r.MemorySize = i64(32) }, "InvalidParameterValue.MemorySize"},
		{"handler without method", func(r *cloudapi.CreateFunctionRequest) { r.Handler = "index" }, "InvalidParameterValue.Handler"},
		{"handler ends with dot", func(r *cloudapi.CreateFunctionRequest) { r.Handler = "index." }, "InvalidParameterValue.Handler"},
		{"handler escapes", func(r *cloudapi.CreateFunctionRequest) { r.Handler = "../x.main" }, "InvalidParameterValue.Handler"},
		{"java handler", func(r *cloudapi.CreateFunctionRequest) { r.Runtime, r.Handler = "Java8", "index.main" }, "InvalidParameterValue.Handler"},
		{"environment too big", func(r *cloudapi.CreateFunctionRequest) {
			r.Environment = &cloudapi.Environment{Variables: bigEnv}
		}, "InvalidParameterValue.EnvironmentExceededLimit"},
		{"environment SCF_", func(r *cloudapi.CreateFunctionRequest) {
			r.Environment = &cloudapi.Environment{Variables: []cloudapi.Variable{{Key: "SCF_NAMESPACE", Value: "x"}}}
		}, "InvalidParameterValue.EnvironmentSystemProtect"},
		{"environment TENCENTCLOUD_", func(r *cloudapi.CreateFunctionRequest) {
			r.Environment = &cloudapi.Environment{Variables: []cloudapi.Variable{{Key: "TENCENTCLOUD_SECRETID", Value: "x"}}}
		}, "InvalidParameterValue.EnvironmentSystemProtect"},
		{"environment bad key", func(r *cloudapi.CreateFunctionRequest) {
			r.Environment = &cloudapi.Environment{Variables: []cloudapi.Variable{{Key: "A-B", Value: "x"}}}
		}, "InvalidParameterValue.Environment"},
		{"no code", func(r *cloudapi.CreateFunctionRequest) { r.Code = nil }, "MissingParameter.Code"},
		{"empty code", func(r *cloudapi.CreateFunctionRequest) { r.Code = &cloudapi.Code{} }, "MissingParameter.Code"},
		{"bad base64", func(r *cloudapi.CreateFunctionRequest) { r.Code.ZipFile = "not base64!!" }, "InvalidParameterValue.ZipFileBase64BinasciiError"},
		{"not a zip", func(r *cloudapi.CreateFunctionRequest) { r.Code.ZipFile = b64([]byte("hello, not a zip")) }, "InvalidParameterValue.ZipFile"},
		{"hostile zip", func(r *cloudapi.CreateFunctionRequest) { r.Code.ZipFile = b64(zipWithEntry(t, "../evil.js")) }, "InvalidParameterValue.ZipFile"},
		{"cos code", func(r *cloudapi.CreateFunctionRequest) {
			r.Code = &cloudapi.Code{CosBucketName: "b", CosObjectName: "/x.zip"}
		}, "UnsupportedOperation.Cos"},
		{"git code", func(r *cloudapi.CreateFunctionRequest) { r.Code = &cloudapi.Code{GitUrl: "https://example.com/x.git"} }, "UnsupportedOperation"},
		{"code source Cos", func(r *cloudapi.CreateFunctionRequest) { r.CodeSource = "Cos" }, "UnsupportedOperation.Cos"},
		{"code source bogus", func(r *cloudapi.CreateFunctionRequest) { r.CodeSource = "Floppy" }, "InvalidParameterValue.CodeSource"},
		{"install dependency", func(r *cloudapi.CreateFunctionRequest) { r.InstallDependency = "yes" }, "InvalidParameterValue"},
		{"type", func(r *cloudapi.CreateFunctionRequest) { r.Type = "Cron" }, "InvalidParameterValue.Type"},
		{"layers", func(r *cloudapi.CreateFunctionRequest) { // a layer version nobody published
			r.Layers = []cloudapi.LayerVersionSimple{{LayerName: "l", LayerVersion: 1}}
		}, "ResourceNotFound.Layer"},
		{"description", func(r *cloudapi.CreateFunctionRequest) { r.Description = strings.Repeat("d", 1001) }, "InvalidParameterValue.Description"},
	}
	for _, c := range cases {
		req := good()
		c.mod(req)
		if code := h.callErr("CreateFunction", req, &cloudapi.EmptyResponse{}); code != c.code {
			t.Errorf("%s: %q, want %s", c.name, code, c.code)
		}
	}
	// Unknown parameters are refused by the strict decoder.
	if code := h.callErr("CreateFunction", map[string]any{"FunctionName": "fn", "Namespace": ns, "Colour": "red"}, &cloudapi.EmptyResponse{}); code != "UnknownParameter" {
		t.Errorf("unknown parameter: %q", code)
	}

	// Defaults: Runtime Python2.7, Timeout 3, MemorySize 128.
	h.call("CreateFunction", &cloudapi.CreateFunctionRequest{FunctionName: "defaults", Namespace: ns,
		Code: &cloudapi.Code{ZipFile: b64(zip)}}, &cloudapi.EmptyResponse{})
	d := h.waitStatus(ns, "defaults", "Active")
	if d.Runtime != "Python2.7" || d.Timeout != 3 || d.MemorySize != 128 || d.Handler != "index.main_handler" || d.InstallDependency != "FALSE" {
		t.Fatalf("defaults: %+v", d)
	}
	// A non-Node runtime is stored but never run.
	if code := h.callErr("Invoke", &cloudapi.InvokeRequest{Namespace: ns, FunctionName: "defaults"}, &cloudapi.InvokeResponse{}); code != "UnsupportedOperation" {
		t.Fatalf("invoking Python2.7: %q", code)
	}
	// Accepted runtimes, both lists.
	for i, rt := range []string{"Nodejs16.13", "Nodejs18.15", "Nodejs20.19", "Nodejs10.15", "Python3.9", "Php8.0", "Go1", "Java11"} {
		handler := "index.main"
		switch rt {
		case "Go1":
			handler = "main"
		case "Java11":
			handler = "example.Hello::main"
		}
		h.call("CreateFunction", &cloudapi.CreateFunctionRequest{FunctionName: fmt.Sprintf("rt%d", i), Namespace: ns, Runtime: rt,
			Handler: handler, Code: &cloudapi.Code{ZipFile: b64(zip)}, MemorySize: i64(64)}, &cloudapi.EmptyResponse{})
	}

	// Duplicates and missing functions.
	if code := h.callErr("CreateFunction", &cloudapi.CreateFunctionRequest{FunctionName: "defaults", Namespace: ns, Runtime: "Nodejs18.15",
		Code: &cloudapi.Code{ZipFile: b64(zip)}}, &cloudapi.EmptyResponse{}); code != "ResourceInUse.FunctionName" {
		t.Errorf("duplicate: %q", code)
	}
	missing := map[string]any{
		"GetFunction":                 &cloudapi.GetFunctionRequest{Namespace: ns, FunctionName: "ghost"},
		"Invoke":                      &cloudapi.InvokeRequest{Namespace: ns, FunctionName: "ghost"},
		"DeleteFunction":              &cloudapi.DeleteFunctionRequest{Namespace: ns, FunctionName: "ghost"},
		"UpdateFunctionCode":          &cloudapi.UpdateFunctionCodeRequest{Namespace: ns, FunctionName: "ghost", ZipFile: b64(zip)},
		"UpdateFunctionConfiguration": &cloudapi.UpdateFunctionConfigurationRequest{Namespace: ns, FunctionName: "ghost", Timeout: i64(3)},
		"GetFunctionAddress":          &cloudapi.GetFunctionAddressRequest{Namespace: ns, FunctionName: "ghost"},
		"ListTriggers":                &cloudapi.ListTriggersRequest{Namespace: ns, FunctionName: "ghost"},
	}
	for action, req := range missing {
		if code := h.callErr(action, req, &json.RawMessage{}); code != "ResourceNotFound.FunctionName" {
			t.Errorf("%s of a missing function: %q", action, code)
		}
	}
	for action, req := range map[string]any{
		"GetFunction":   &cloudapi.GetFunctionRequest{Namespace: "nope", FunctionName: "defaults"},
		"ListFunctions": &cloudapi.ListFunctionsRequest{},
		"Invoke":        &cloudapi.InvokeRequest{Namespace: "nope", FunctionName: "defaults"},
	} {
		if code := h.callErr(action, req, &json.RawMessage{}); code != "ResourceNotFound.Namespace" {
			t.Errorf("%s in an unknown namespace: %q", action, code)
		}
	}

	// Update validation.
	for _, c := range []struct {
		action string
		req    any
		code   string
	}{
		{"UpdateFunctionCode", &cloudapi.UpdateFunctionCodeRequest{Namespace: ns, FunctionName: "defaults"}, "MissingParameter.Code"},
		{"UpdateFunctionCode", &cloudapi.UpdateFunctionCodeRequest{Namespace: ns, FunctionName: "defaults", ZipFile: "%%%"}, "InvalidParameterValue.ZipFileBase64BinasciiError"},
		{"UpdateFunctionCode", &cloudapi.UpdateFunctionCodeRequest{Namespace: ns, FunctionName: "defaults", ZipFile: b64([]byte("nope"))}, "InvalidParameterValue.ZipFile"},
		{"UpdateFunctionCode", &cloudapi.UpdateFunctionCodeRequest{Namespace: ns, FunctionName: "defaults", CosBucketName: "b", CosObjectName: "o"}, "UnsupportedOperation.Cos"},
		{"UpdateFunctionCode", &cloudapi.UpdateFunctionCodeRequest{Namespace: ns, FunctionName: "defaults", ZipFile: b64(zip), Handler: "bad"}, "InvalidParameterValue.Handler"},
		{"UpdateFunctionCode", &cloudapi.UpdateFunctionCodeRequest{Namespace: ns, FunctionName: "defaults", ZipFile: b64(zip), Publish: "TRUE"}, "UnsupportedOperation"},
		{"UpdateFunctionConfiguration", &cloudapi.UpdateFunctionConfigurationRequest{Namespace: ns, FunctionName: "defaults", MemorySize: i64(129)}, "InvalidParameterValue.MemorySize"},
		{"UpdateFunctionConfiguration", &cloudapi.UpdateFunctionConfigurationRequest{Namespace: ns, FunctionName: "defaults", Runtime: "Cobol"}, "InvalidParameterValue.Runtime"},
		{"UpdateFunctionConfiguration", &cloudapi.UpdateFunctionConfigurationRequest{Namespace: ns, FunctionName: "defaults", Timeout: i64(1000)}, "LimitExceeded.Timeout"},
		{"UpdateFunctionConfiguration", &cloudapi.UpdateFunctionConfigurationRequest{Namespace: ns, FunctionName: "defaults",
			Environment: &cloudapi.Environment{Variables: bigEnv}}, "InvalidParameterValue.EnvironmentExceededLimit"},
		{"UpdateFunctionConfiguration", &cloudapi.UpdateFunctionConfigurationRequest{Namespace: ns, FunctionName: "defaults",
			Environment: &cloudapi.Environment{Variables: []cloudapi.Variable{{Key: "scf_x", Value: "1"}}}}, "InvalidParameterValue.EnvironmentSystemProtect"},
		{"GetFunction", &cloudapi.GetFunctionRequest{Namespace: ns, FunctionName: "defaults", Qualifier: "2"}, "ResourceNotFound.Qualifier"},
		{"DeleteFunction", &cloudapi.DeleteFunctionRequest{Namespace: ns, FunctionName: "defaults", Qualifier: "1"}, "ResourceNotFound.FunctionVersion"},
		{"ListFunctions", &cloudapi.ListFunctionsRequest{Namespace: ns, Order: "UP"}, "InvalidParameterValue.Order"},
		{"ListFunctions", &cloudapi.ListFunctionsRequest{Namespace: ns, Orderby: "Size"}, "InvalidParameterValue.Orderby"},
		{"ListFunctions", &cloudapi.ListFunctionsRequest{Namespace: ns, Limit: i64(101)}, "InvalidParameterValue.Limit"},
		{"ListFunctions", &cloudapi.ListFunctionsRequest{Namespace: ns, Offset: i64(-1)}, "InvalidParameterValue.Offset"},
		{"ListFunctions", &cloudapi.ListFunctionsRequest{Namespace: ns, Filters: []cloudapi.Filter{{Name: "Color", Values: []string{"x"}}}}, "InvalidParameterValue.Filters"},
	} {
		if code := h.callErr(c.action, c.req, &json.RawMessage{}); code != c.code {
			t.Errorf("%s %+v: %q, want %s", c.action, c.req, code, c.code)
		}
	}

	// Invoke validation on a Node function.
	h.create(ns, "node", zip, nil)
	for _, c := range []struct {
		req  cloudapi.InvokeRequest
		code string
	}{
		{cloudapi.InvokeRequest{ClientContext: "{not json"}, "InvalidParameterValue.Param"},
		{cloudapi.InvokeRequest{ClientContext: "plain words"}, "InvalidParameterValue.Param"},
		{cloudapi.InvokeRequest{InvocationType: "Later"}, "InvalidParameterValue.InvokeType"},
		{cloudapi.InvokeRequest{LogType: "All"}, "InvalidParameterValue"},
		{cloudapi.InvokeRequest{Qualifier: "1"}, "ResourceNotFound.Qualifier"},
		{cloudapi.InvokeRequest{ClientContext: `{"x":"` + strings.Repeat("a", 6<<20) + `"}`}, "RequestSizeLimitExceeded"},
		{cloudapi.InvokeRequest{InvocationType: "Event", ClientContext: `{"x":"` + strings.Repeat("a", 130<<10) + `"}`}, "RequestSizeLimitExceeded"},
	} {
		c.req.Namespace, c.req.FunctionName = ns, "node"
		if code := h.callErr("Invoke", &c.req, &cloudapi.InvokeResponse{}); code != c.code {
			t.Errorf("Invoke %s/%s/%s (%d bytes): %q, want %s", c.req.InvocationType, c.req.LogType, c.req.Qualifier, len(c.req.ClientContext), code, c.code)
		}
	}
	res := h.invoke(ns, "node", "")
	if res.RetMsg != "1" || res.InvokeResult != 0 {
		t.Fatalf("invoke with no ClientContext: %+v", res)
	}
}

// zipWithEntry builds a zip holding one entry with the given (unsafe) name.
func zipWithEntry(t *testing.T, name string) []byte {
	t.Helper()
	return rawZip(t, name, "module.exports = 1;")
}

func TestFunctionLimitAndListing(t *testing.T) {
	t.Parallel()
	h := start(t, "", Options{})
	ns := h.newEnv()
	zip := nodeFn(t, `exports.main = async () => 1;`)
	for i := 0; i < 50; i++ {
		desc := "plain"
		if i%10 == 0 {
			desc = "Special one"
		}
		rt := "Python3.9"
		if i%2 == 0 {
			rt = "Nodejs18.15"
		}
		h.call("CreateFunction", &cloudapi.CreateFunctionRequest{FunctionName: fmt.Sprintf("f%02d", i), Namespace: ns, Runtime: rt,
			Handler: "index.main", Description: desc, Code: &cloudapi.Code{ZipFile: b64(zip)}}, &cloudapi.EmptyResponse{})
	}
	if code := h.callErr("CreateFunction", &cloudapi.CreateFunctionRequest{FunctionName: "f50", Namespace: ns, Runtime: "Python3.9",
		Handler: "index.main", Code: &cloudapi.Code{ZipFile: b64(zip)}}, &cloudapi.EmptyResponse{}); code != "LimitExceeded.Function" {
		t.Fatalf("51st function: %q", code)
	}
	list := func(req cloudapi.ListFunctionsRequest) cloudapi.ListFunctionsResponse {
		req.Namespace = ns
		var out cloudapi.ListFunctionsResponse
		h.call("ListFunctions", &req, &out)
		return out
	}
	def := list(cloudapi.ListFunctionsRequest{})
	if def.TotalCount != 50 || len(def.Functions) != 20 || def.Functions[0].FunctionName != "f49" {
		t.Fatalf("default page: %d of %d, first %s", len(def.Functions), def.TotalCount, def.Functions[0].FunctionName)
	}
	var names []string
	for off := int64(0); off < 50; off += 15 {
		page := list(cloudapi.ListFunctionsRequest{Offset: i64(off), Limit: i64(15), Order: "ASC", Orderby: "FunctionName"})
		for _, f := range page.Functions {
			names = append(names, f.FunctionName)
		}
	}
	if len(names) != 50 || names[0] != "f00" || names[49] != "f49" {
		t.Fatalf("paging: %v", names)
	}
	if s := list(cloudapi.ListFunctionsRequest{SearchKey: "F4"}); s.TotalCount != 10 {
		t.Fatalf("SearchKey F4: %d", s.TotalCount)
	}
	if s := list(cloudapi.ListFunctionsRequest{Description: "special"}); s.TotalCount != 5 {
		t.Fatalf("Description special: %d", s.TotalCount)
	}
	if s := list(cloudapi.ListFunctionsRequest{Filters: []cloudapi.Filter{{Name: "Runtime", Values: []string{"Python3.9"}}}}); s.TotalCount != 25 {
		t.Fatalf("Runtime filter: %d", s.TotalCount)
	}
	h.waitStatus(ns, "f49", "Active")
	if s := list(cloudapi.ListFunctionsRequest{Filters: []cloudapi.Filter{{Name: "Status", Values: []string{"Active"}}}}); s.TotalCount != 50 {
		t.Fatalf("Status filter: %d", s.TotalCount)
	}
	f := list(cloudapi.ListFunctionsRequest{SearchKey: "f07"}).Functions[0]
	if f.Status != "Active" || f.Runtime != "Python3.9" || f.Namespace != ns || !apiTime.MatchString(f.AddTime) || f.Type != "Event" || f.StatusReasons == nil {
		t.Fatalf("listed function: %+v", f)
	}
	// Deleting frees a slot once the deletion is done.
	h.call("DeleteFunction", &cloudapi.DeleteFunctionRequest{Namespace: ns, FunctionName: "f00"}, &cloudapi.EmptyResponse{})
	if code := h.callErr("DeleteFunction", &cloudapi.DeleteFunctionRequest{Namespace: ns, FunctionName: "f00"}, &cloudapi.EmptyResponse{}); code != "FailedOperation.DeleteFunction" {
		t.Fatalf("deleting a Deleting function: %q", code)
	}
	h.waitGone(ns, "f00")
	h.create(ns, "f50", zip, nil)
}

// waitGone moves the clock past a deletion's latency: the function is
// gone then.
func (h *harness) waitGone(ns, name string) {
	h.T.Helper()
	h.Clock.Advance(h.Latency)
	if code := h.callErr("GetFunction", &cloudapi.GetFunctionRequest{Namespace: ns, FunctionName: name}, &cloudapi.GetFunctionResponse{}); code != "ResourceNotFound.FunctionName" {
		h.T.Fatalf("GetFunction %s after its deletion: %q", name, code)
	}
}
