package functions

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	sdkerrors "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	scf "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/scf/v20180416"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/pkg/config"
)

// The unmodified SDK scf client talks to the module: its requests decode
// strictly and its response models parse ours.
func TestSDKWireCompatibility(t *testing.T) {
	t.Parallel()
	h := start(t, "", Options{})
	ns := h.newEnv()
	p := profile.NewClientProfile()
	p.HttpProfile.Scheme = "HTTP"
	p.HttpProfile.Endpoint = h.Addr()
	c, err := scf.NewClient(common.NewCredential(config.EmulatorSecretID, config.EmulatorSecretKey), "ap-shanghai", p)
	if err != nil {
		t.Fatal(err)
	}
	zip := nodeFn(t, `exports.main_handler = async (event) => { console.log('sdk says', event.who); return { hi: event.who }; };`)

	cr := scf.NewCreateFunctionRequest()
	cr.FunctionName = common.StringPtr("sdkfn")
	cr.Namespace = common.StringPtr(ns)
	cr.Runtime = common.StringPtr("Nodejs12.16")
	cr.Handler = common.StringPtr("index.main_handler")
	cr.Code = &scf.Code{ZipFile: common.StringPtr(b64(zip))}
	cr.MemorySize = common.Int64Ptr(128)
	cr.Timeout = common.Int64Ptr(10)
	cr.Description = common.StringPtr("made by the SDK")
	cr.Environment = &scf.Environment{Variables: []*scf.Variable{{Key: common.StringPtr("K"), Value: common.StringPtr("V")}}}
	cr.VpcConfig = &scf.VpcConfig{VpcId: common.StringPtr(""), SubnetId: common.StringPtr("")}
	cr.Role = common.StringPtr("TCB_QcsRole")
	cr.Tags = []*scf.Tag{{Key: common.StringPtr("team"), Value: common.StringPtr("a")}}
	if _, err := c.CreateFunction(cr); err != nil {
		t.Fatal(err)
	}

	var got *scf.GetFunctionResponse
	h.Clock.Advance(h.Latency)
	emulatortest.Wait(10*time.Second, func() bool {
		gr := scf.NewGetFunctionRequest()
		gr.FunctionName = common.StringPtr("sdkfn")
		gr.Namespace = common.StringPtr(ns)
		if got, err = c.GetFunction(gr); err != nil {
			t.Fatal(err)
		}
		return *got.Response.Status == "Active"
	})
	r := got.Response
	if *r.Status != "Active" || *r.Runtime != "Nodejs12.16" || *r.Handler != "index.main_handler" || *r.MemorySize != 128 ||
		*r.Timeout != 10 || *r.Description != "made by the SDK" || len(r.Environment.Variables) != 1 || *r.Environment.Variables[0].Value != "V" ||
		*r.Role != "TCB_QcsRole" || len(r.Tags) != 1 || *r.Tags[0].Key != "team" || *r.CodeSize != int64(len(zip)) || r.RequestId == nil {
		t.Fatalf("GetFunction via the SDK: %s", got.ToJsonString())
	}

	ir := scf.NewInvokeRequest()
	ir.FunctionName = common.StringPtr("sdkfn")
	ir.Namespace = common.StringPtr(ns)
	ir.ClientContext = common.StringPtr(`{"who":"sdk"}`)
	ir.LogType = common.StringPtr("Tail")
	inv, err := c.Invoke(ir)
	if err != nil {
		t.Fatal(err)
	}
	res := inv.Response.Result
	var ret map[string]string
	if err := json.Unmarshal([]byte(*res.RetMsg), &ret); err != nil || ret["hi"] != "sdk" || *res.InvokeResult != 0 ||
		*res.FunctionRequestId == "" || *res.Log != "sdk says sdk\n" || *res.BillDuration < 1 {
		t.Fatalf("Invoke via the SDK: %s", inv.ToJsonString())
	}

	lr := scf.NewListFunctionsRequest()
	lr.Namespace = common.StringPtr(ns)
	list, err := c.ListFunctions(lr)
	if err != nil || *list.Response.TotalCount != 1 || *list.Response.Functions[0].FunctionName != "sdkfn" {
		t.Fatalf("ListFunctions via the SDK: %v %s", err, list.ToJsonString())
	}

	gl := scf.NewGetFunctionLogsRequest()
	gl.FunctionName = common.StringPtr("sdkfn")
	gl.Namespace = common.StringPtr(ns)
	gl.Filter = &scf.LogFilter{RetCode: common.StringPtr("is0")}
	logs, err := c.GetFunctionLogs(gl)
	if err != nil || *logs.Response.TotalCount != 1 || *logs.Response.Data[0].RequestId != *res.FunctionRequestId {
		t.Fatalf("GetFunctionLogs via the SDK: %v %s", err, logs.ToJsonString())
	}

	tr := scf.NewCreateTriggerRequest()
	tr.FunctionName = common.StringPtr("sdkfn")
	tr.Namespace = common.StringPtr(ns)
	tr.TriggerName = common.StringPtr("nightly")
	tr.Type = common.StringPtr("timer")
	tr.TriggerDesc = common.StringPtr("0 0 3 * * * *")
	tr.Enable = common.StringPtr("OPEN")
	trig, err := c.CreateTrigger(tr)
	if err != nil || *trig.Response.TriggerInfo.TriggerName != "nightly" || *trig.Response.TriggerInfo.Enable != 1 {
		t.Fatalf("CreateTrigger via the SDK: %v", err)
	}

	ar := scf.NewGetFunctionAddressRequest()
	ar.FunctionName = common.StringPtr("sdkfn")
	ar.Namespace = common.StringPtr(ns)
	addr, err := c.GetFunctionAddress(ar)
	if err != nil || string(download(t, *addr.Response.Url, 200)) != string(zip) {
		t.Fatalf("GetFunctionAddress via the SDK: %v", err)
	}

	// Errors arrive as SDK errors with the real codes.
	dr := scf.NewDeleteFunctionRequest()
	dr.FunctionName = common.StringPtr("ghost")
	dr.Namespace = common.StringPtr(ns)
	_, err = c.DeleteFunction(dr)
	var se *sdkerrors.TencentCloudSDKError
	if !errors.As(err, &se) || se.Code != "ResourceNotFound.FunctionName" || se.RequestId == "" {
		t.Fatalf("DeleteFunction of a missing function via the SDK: %v", err)
	}
	dr.FunctionName = common.StringPtr("sdkfn")
	if _, err := c.DeleteFunction(dr); err != nil {
		t.Fatal(err)
	}
}
