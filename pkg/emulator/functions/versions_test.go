package functions

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/tcb-go/tcb/pkg/cloudapi"
)

func (h *harness) invokeQ(ns, name, qualifier string) cloudapi.Result {
	h.T.Helper()
	var out cloudapi.InvokeResponse
	h.call("Invoke", &cloudapi.InvokeRequest{Namespace: ns, FunctionName: name, Qualifier: qualifier}, &out)
	return out.Result
}

func (h *harness) updateConfig(req *cloudapi.UpdateFunctionConfigurationRequest) {
	h.T.Helper()
	h.call("UpdateFunctionConfiguration", req, &cloudapi.EmptyResponse{})
	h.waitStatus(req.Namespace, req.FunctionName, "Active")
}

const versionFn = `exports.main = async () => ({code: "%s", greeting: process.env.GREETING, version: process.env.SCF_FUNCTIONVERSION})`

func TestVersionsSnapshotCodeAndConfig(t *testing.T) {
	h := start(t, t.TempDir(), Options{})
	ns := h.newEnv()
	h.create(ns, "fn", nodeFn(t, strings.Replace(versionFn, "%s", "one", 1)), func(r *cloudapi.CreateFunctionRequest) {
		r.Environment = &cloudapi.Environment{Variables: []cloudapi.Variable{{Key: "GREETING", Value: "hello"}}}
	})
	var pub cloudapi.PublishVersionResponse
	h.call("PublishVersion", &cloudapi.PublishVersionRequest{Namespace: ns, FunctionName: "fn", Description: "first"}, &pub)
	if pub.FunctionVersion != "1" || pub.Handler != "index.main" || pub.Namespace != ns {
		t.Fatalf("PublishVersion = %+v", pub)
	}
	h.call("UpdateFunctionCode", &cloudapi.UpdateFunctionCodeRequest{Namespace: ns, FunctionName: "fn",
		ZipFile: b64(nodeFn(t, strings.Replace(versionFn, "%s", "two", 1)))}, &cloudapi.EmptyResponse{})
	h.waitStatus(ns, "fn", "Active")
	h.updateConfig(&cloudapi.UpdateFunctionConfigurationRequest{Namespace: ns, FunctionName: "fn",
		Environment: &cloudapi.Environment{Variables: []cloudapi.Variable{{Key: "GREETING", Value: "bye"}}}})

	for q, want := range map[string]string{
		"":        `{"code":"two","greeting":"bye","version":"$LATEST"}`,
		"$LATEST": `{"code":"two","greeting":"bye","version":"$LATEST"}`,
		"1":       `{"code":"one","greeting":"hello","version":"1"}`,
	} {
		if got := h.invokeQ(ns, "fn", q).RetMsg; got != want {
			t.Errorf("Invoke Qualifier %q = %s, want %s", q, got, want)
		}
	}
	var v1 cloudapi.GetFunctionResponse
	h.call("GetFunction", &cloudapi.GetFunctionRequest{Namespace: ns, FunctionName: "fn", Qualifier: "1"}, &v1)
	if v1.FunctionVersion != "1" || len(v1.Environment.Variables) != 1 || v1.Environment.Variables[0].Value != "hello" {
		t.Errorf("GetFunction Qualifier 1 = %+v", v1)
	}
	if code := h.callErr("Invoke", &cloudapi.InvokeRequest{Namespace: ns, FunctionName: "fn", Qualifier: "7"}, &cloudapi.InvokeResponse{}); code != "ResourceNotFound.Qualifier" {
		t.Errorf("Invoke of a missing version: %q", code)
	}
	var list cloudapi.ListVersionByFunctionResponse
	h.call("ListVersionByFunction", &cloudapi.ListVersionByFunctionRequest{Namespace: ns, FunctionName: "fn"}, &list)
	if strings.Join(list.FunctionVersion, ",") != "$LATEST,1" || list.TotalCount != 2 || list.Versions[1].Description != "first" {
		t.Errorf("ListVersionByFunction = %+v", list)
	}

	// A version an alias routes to cannot be deleted; then it can.
	h.call("CreateAlias", &cloudapi.CreateAliasRequest{Namespace: ns, FunctionName: "fn", Name: "stable", FunctionVersion: "1"}, &cloudapi.EmptyResponse{})
	if code := h.callErr("CreateAlias", &cloudapi.CreateAliasRequest{Namespace: ns, FunctionName: "fn", Name: "stable", FunctionVersion: "1"}, &cloudapi.EmptyResponse{}); code != "ResourceInUse.Alias" {
		t.Errorf("CreateAlias twice: %q", code)
	}
	if got := h.invokeQ(ns, "fn", "stable").RetMsg; !strings.Contains(got, `"one"`) {
		t.Errorf("Invoke alias stable = %s", got)
	}
	if code := h.callErr("DeleteFunction", &cloudapi.DeleteFunctionRequest{Namespace: ns, FunctionName: "fn", Qualifier: "1"}, &cloudapi.EmptyResponse{}); code != "FailedOperation.DeleteFunction" {
		t.Errorf("DeleteFunction of a routed version: %q", code)
	}
	h.call("DeleteAlias", &cloudapi.DeleteAliasRequest{Namespace: ns, FunctionName: "fn", Name: "stable"}, &cloudapi.EmptyResponse{})
	if code := h.callErr("DeleteAlias", &cloudapi.DeleteAliasRequest{Namespace: ns, FunctionName: "fn", Name: "$DEFAULT"}, &cloudapi.EmptyResponse{}); code != "InvalidParameterValue.Name" {
		t.Errorf("DeleteAlias $DEFAULT: %q", code)
	}

	// Versions survive a restart.
	h.Stop()
	h2 := h.restart(Options{})
	if got := h2.invokeQ(ns, "fn", "1").RetMsg; !strings.Contains(got, `"one"`) {
		t.Errorf("after restart, version 1 = %s", got)
	}
	h2.call("DeleteFunction", &cloudapi.DeleteFunctionRequest{Namespace: ns, FunctionName: "fn", Qualifier: "1"}, &cloudapi.EmptyResponse{})
	if code := h2.callErr("Invoke", &cloudapi.InvokeRequest{Namespace: ns, FunctionName: "fn", Qualifier: "1"}, &cloudapi.InvokeResponse{}); code != "ResourceNotFound.Qualifier" {
		t.Errorf("Invoke of a deleted version: %q", code)
	}
}

func TestAliasRouting(t *testing.T) {
	h := start(t, "", Options{})
	ns := h.newEnv()
	h.create(ns, "fn", nodeFn(t, strings.Replace(versionFn, "%s", "one", 1)), nil)
	h.call("PublishVersion", &cloudapi.PublishVersionRequest{Namespace: ns, FunctionName: "fn"}, &cloudapi.PublishVersionResponse{})
	h.call("UpdateFunctionCode", &cloudapi.UpdateFunctionCodeRequest{Namespace: ns, FunctionName: "fn",
		ZipFile: b64(nodeFn(t, strings.Replace(versionFn, "%s", "two", 1)))}, &cloudapi.EmptyResponse{})
	h.waitStatus(ns, "fn", "Active")

	for _, bad := range []*cloudapi.RoutingConfig{
		{AdditionalVersionWeights: []cloudapi.VersionWeight{{Version: "9", Weight: 0.5}}},
		{AdditionalVersionWeights: []cloudapi.VersionWeight{{Version: "1", Weight: 1.5}}},
		{AddtionVersionMatchs: []cloudapi.VersionMatch{{Version: "1", Key: "invoke.headers.X-Tcb-Route-Key", Method: "range", Expression: "[80,0)"}}},
		{AddtionVersionMatchs: []cloudapi.VersionMatch{{Version: "1", Key: "User", Method: "exact", Expression: "a"}}},
	} {
		code := h.callErr("UpdateAlias", &cloudapi.UpdateAliasRequest{Namespace: ns, FunctionName: "fn", Name: "$DEFAULT", FunctionVersion: "$LATEST", RoutingConfig: bad}, &cloudapi.EmptyResponse{})
		if !strings.HasPrefix(code, "InvalidParameterValue") && !strings.HasPrefix(code, "ResourceNotFound") {
			t.Errorf("UpdateAlias %+v: %q", bad, code)
		}
	}
	// What the official CLI's config-route sends for "1 80 $LATEST 20".
	h.call("UpdateAlias", &cloudapi.UpdateAliasRequest{Namespace: ns, FunctionName: "fn", Name: "$DEFAULT", FunctionVersion: "$LATEST",
		RoutingConfig: &cloudapi.RoutingConfig{AddtionVersionMatchs: []cloudapi.VersionMatch{
			{Version: "1", Key: "invoke.headers.X-Tcb-Route-Key", Method: "range", Expression: "[0,80)"},
			{Version: "$LATEST", Key: "invoke.headers.X-Tcb-Route-Key", Method: "range", Expression: "[80,100)"},
		}}}, &cloudapi.EmptyResponse{})
	var got cloudapi.GetAliasResponse
	h.call("GetAlias", &cloudapi.GetAliasRequest{Namespace: ns, FunctionName: "fn", Name: "$DEFAULT"}, &got)
	if len(got.RoutingConfig.AddtionVersionMatchs) != 2 || got.FunctionVersion != "$LATEST" {
		t.Fatalf("GetAlias = %+v", got)
	}

	// The doors without a qualifier (Run) split by the random route key;
	// a given X-Tcb-Route-Key is deterministic.
	const n = 100
	ones := 0
	for range n {
		res, err := h.m.Run(context.Background(), RunRequest{Env: ns, Name: "fn"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Version == "1" {
			ones++
		}
	}
	if sigma := math.Sqrt(n * 0.8 * 0.2); math.Abs(float64(ones)-n*0.8) > 4.5*sigma {
		t.Errorf("version 1 ran %d of %d times, expected 80 ± %.0f", ones, n, 4.5*sigma)
	}
	for key, want := range map[string]string{"0": "1", "79": "1", "80": "$LATEST", "99": "$LATEST"} {
		res, err := h.m.Run(context.Background(), RunRequest{Env: ns, Name: "fn", Headers: map[string][]string{"X-Tcb-Route-Key": {key}}})
		if err != nil || res.Version != want {
			t.Errorf("route key %s ran %v (%v), want %s", key, res, err, want)
		}
	}
	// scf Invoke without a Qualifier stays on $LATEST.
	for range 5 {
		if r := h.invokeQ(ns, "fn", "").RetMsg; !strings.Contains(r, `"two"`) {
			t.Fatalf("Invoke without Qualifier = %s", r)
		}
	}
}

func TestLayers(t *testing.T) {
	h := start(t, t.TempDir(), Options{})
	ns := h.newEnv()
	publish := func(name string, files map[string]string) int64 {
		var out cloudapi.PublishLayerVersionResponse
		h.call("PublishLayerVersion", &cloudapi.PublishLayerVersionRequest{LayerName: name, CompatibleRuntimes: []string{"Nodejs18.15"},
			Content: &cloudapi.Code{ZipFile: b64(zipOf(t, files))}, Src: "TCB_" + ns}, &out)
		return out.LayerVersion
	}
	va := publish("liba", map[string]string{
		"node_modules/greet/index.js": `module.exports = () => "from layer a"`,
		"shared.txt":                  "a",
	})
	vb := publish("libb", map[string]string{"shared.txt": "b"})
	if va != 1 || vb != 1 {
		t.Fatalf("versions %d %d", va, vb)
	}
	h.create(ns, "fn", nodeFn(t, `const fs = require("fs"), path = require("path");
exports.main = async () => {
  const opt = process.env.NODE_PATH.split(path.delimiter)[2];
  return {greet: require("greet")(), shared: fs.readFileSync(path.join(opt, "shared.txt"), "utf8")};
}`), nil)
	bind := func(layers ...cloudapi.LayerVersionSimple) {
		h.updateConfig(&cloudapi.UpdateFunctionConfigurationRequest{Namespace: ns, FunctionName: "fn", Layers: layers})
	}
	bind(cloudapi.LayerVersionSimple{LayerName: "liba", LayerVersion: 1}, cloudapi.LayerVersionSimple{LayerName: "libb", LayerVersion: 1})
	if got := h.invokeQ(ns, "fn", "").RetMsg; got != `{"greet":"from layer a","shared":"b"}` {
		t.Errorf("a then b: %s", got)
	}
	bind(cloudapi.LayerVersionSimple{LayerName: "libb", LayerVersion: 1}, cloudapi.LayerVersionSimple{LayerName: "liba", LayerVersion: 1})
	if got := h.invokeQ(ns, "fn", "").RetMsg; got != `{"greet":"from layer a","shared":"a"}` {
		t.Errorf("b then a: %s", got)
	}
	if info := h.get(ns, "fn").Layers; len(info) != 2 || info[0].LayerName != "libb" || info[1].Status != "Active" {
		t.Errorf("GetFunction Layers = %+v", info)
	}
	// Deleting a bound layer version keeps the function working.
	h.call("DeleteLayerVersion", &cloudapi.LayerVersionRequest{LayerName: "liba", LayerVersion: 1}, &cloudapi.EmptyResponse{})
	if code := h.callErr("GetLayerVersion", &cloudapi.LayerVersionRequest{LayerName: "liba", LayerVersion: 1}, &cloudapi.GetLayerVersionResponse{}); code != "ResourceNotFound.Layer" {
		t.Errorf("GetLayerVersion of a deleted version: %q", code)
	}
	h.Stop()
	h = h.restart(Options{})
	if got := h.invokeQ(ns, "fn", "").RetMsg; got != `{"greet":"from layer a","shared":"a"}` {
		t.Errorf("after deletion and restart: %s", got)
	}
	if code := h.callErr("UpdateFunctionConfiguration", &cloudapi.UpdateFunctionConfigurationRequest{Namespace: ns, FunctionName: "fn",
		Layers: []cloudapi.LayerVersionSimple{{LayerName: "liba", LayerVersion: 1}}}, &cloudapi.EmptyResponse{}); code != "ResourceNotFound.Layer" {
		t.Errorf("binding a deleted layer: %q", code)
	}
	// Numbering continues after every version was deleted.
	if v := publish("liba", map[string]string{"x": "y"}); v != 2 {
		t.Errorf("next version = %d", v)
	}
	// Hostile zips are refused like function code.
	for name, zip := range map[string][]byte{
		"slip":     rawZip(t, "../evil.js", "x"),
		"absolute": rawZip(t, "/etc/evil", "x"),
		"garbage":  []byte("not a zip"),
	} {
		code := h.callErr("PublishLayerVersion", &cloudapi.PublishLayerVersionRequest{LayerName: "bad", CompatibleRuntimes: []string{"Nodejs18.15"},
			Content: &cloudapi.Code{ZipFile: b64(zip)}}, &cloudapi.PublishLayerVersionResponse{})
		if code != "InvalidParameterValue.ZipFile" {
			t.Errorf("%s zip: %q", name, code)
		}
	}
	var list cloudapi.ListLayersResponse
	h.call("ListLayers", &cloudapi.ListLayersRequest{SearchSrc: "TCB_" + ns}, &list)
	if list.TotalCount != 2 {
		t.Errorf("ListLayers = %+v", list)
	}
}
