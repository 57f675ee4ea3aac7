package sdkapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// exampleBody and exampleAuth are a request signed by
// @cloudbase/signature-nodejs 2.2.0 (as node-sdk calls it) with SecretId
// AKIDtest, SecretKey testkey at 1700000000.
const exampleBody = `{"collectionName":"todos","queryType":"WHERE","query":"{\"a\":{\"$numberInt\":\"1\"}}","limit":100,"multi":true,"action":"database.getDocument","envName":"test-env","wxCloudApiToken":"","wxCloudbaseAccesstoken":"","tcb_sessionToken":"","sessionToken":"sess-token-xyz","crossAuthorizationToken":""}`

const exampleAuth = `TC3-HMAC-SHA256 Credential=AKIDtest/2023-11-14/tcb/tc3_request, SignedParams=action;collectionname;envname;limit;multi;query;querytype;sessiontoken, SignedHeaders=content-type;host;user-agent;x-client-timestamp;x-sdk-version;x-tcb-region;x-tcb-source, Signature=9b69f2211e6fb8bd6d1c810d0b0481dcd910d48defa7753fb345459d3bf02f74`

func exampleRequest(body, auth string) *http.Request {
	r := httptest.NewRequest("POST", "http://127.0.0.1:8080/admin?env=test-env&seqId=18bcfe56800_1", bytes.NewReader([]byte(body)))
	r.Host = "127.0.0.1:8080"
	for k, v := range map[string]string{
		"Content-Type": "application/json", "User-Agent": "tcb-node-sdk/3.17.2", "X-TCB-Source": ",scf",
		"X-Client-Timestamp": "1700000000123", "X-SDK-Version": "wx-server-sdk/4.0.2", "X-TCB-Region": "ap-shanghai",
		"Authorization": auth, "X-Timestamp": "1700000000", "X-Signature-Expires": "600",
	} {
		r.Header.Set(k, v)
	}
	return r
}

func check(r *http.Request, body string, key string, now time.Time) (bool, error) {
	a, err := parseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return false, err
	}
	ts, err := signatureTimestamp(r, now)
	if err != nil {
		return false, err
	}
	var params map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &params); err != nil {
		return false, err
	}
	values, err := signedParamValues(params)
	if err != nil {
		return false, err
	}
	hash, err := payloadHash(values, a.signedParams)
	if err != nil {
		return false, err
	}
	return verifySignature(r, a, ts, key, hash), nil
}

func TestSDKSignatureExample(t *testing.T) {
	now := time.Unix(1700000030, 0)
	ok, err := check(exampleRequest(exampleBody, exampleAuth), exampleBody, "testkey", now)
	if err != nil || !ok {
		t.Fatalf("the SDK's own signature does not verify: %v", err)
	}

	tamper := func(name string, mod func(r *http.Request) string, wantErr string) {
		t.Helper()
		r := exampleRequest(exampleBody, exampleAuth)
		body := mod(r)
		ok, err := check(r, body, "testkey", now)
		switch {
		case wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)):
			t.Errorf("%s: error %v, want %q", name, err, wantErr)
		case wantErr == "" && (err != nil || ok):
			t.Errorf("%s: accepted (err %v)", name, err)
		}
	}
	tamper("body value", func(r *http.Request) string {
		return strings.Replace(exampleBody, `"limit":100`, `"limit":101`, 1)
	}, "")
	tamper("query string", func(r *http.Request) string {
		r.URL.RawQuery = "env=other-env&seqId=18bcfe56800_1"
		return exampleBody
	}, "")
	tamper("signed header", func(r *http.Request) string {
		r.Header.Set("X-TCB-Source", "wx_client,scf")
		return exampleBody
	}, "")
	tamper("host", func(r *http.Request) string {
		r.Host = "127.0.0.1:8081"
		return exampleBody
	}, "")
	tamper("unsigned parameter added", func(r *http.Request) string {
		return strings.Replace(exampleBody, `"multi":true`, `"multi":true,"upsert":true`, 1)
	}, "not signed")
	tamper("expired", func(r *http.Request) string {
		r.Header.Set("X-Timestamp", "1699999000")
		return exampleBody
	}, "expired")
	tamper("future", func(r *http.Request) string {
		r.Header.Set("X-Timestamp", "1700001000")
		return exampleBody
	}, "future")
	tamper("bearer", func(r *http.Request) string {
		r.Header.Set("Authorization", "Bearer abc")
		return exampleBody
	}, "Bearer")

	// An empty string parameter is not signed and may be absent or empty.
	ok, err = check(exampleRequest(exampleBody, exampleAuth), strings.Replace(exampleBody, `"wxCloudApiToken":"",`, ``, 1), "testkey", now)
	if err != nil || !ok {
		t.Errorf("dropping an empty unsigned parameter broke the signature: %v", err)
	}
	if ok, _ := check(exampleRequest(exampleBody, exampleAuth), exampleBody, "otherkey", now); ok {
		t.Error("a wrong key verified")
	}
}

func TestParseAuthorizationRejects(t *testing.T) {
	for _, v := range []string{
		"",
		"TC3-HMAC-SHA256",
		"TC3-HMAC-SHA256 Credential=AKID/2023-11-14/tcb/tc3_request, SignedHeaders=host, Signature=" + strings.Repeat("a", 64),
		"TC3-HMAC-SHA256 Credential=AKID/2023-11-14/tcb, SignedHeaders=content-type;host, Signature=" + strings.Repeat("a", 64),
		"TC3-HMAC-SHA256 Credential=AKID/23-11-14/tcb/tc3_request, SignedHeaders=content-type;host, Signature=" + strings.Repeat("a", 64),
		"TC3-HMAC-SHA256 Credential=AKID/2023-11-14/tcb/tc3_request, SignedHeaders=content-type;host, Signature=XYZ",
		"TC3-HMAC-SHA256 Credential=AKID/2023-11-14/tcb/tc3_request, Credential=B/2023-11-14/tcb/tc3_request, SignedHeaders=content-type;host, Signature=" + strings.Repeat("a", 64),
	} {
		if _, err := parseAuthorization(v); err == nil {
			t.Errorf("accepted %q", v)
		}
	}
}

func FuzzParseAuthorization(f *testing.F) {
	f.Add(exampleAuth)
	f.Add("TC3-HMAC-SHA256 Credential=a/b/c/d")
	f.Fuzz(func(t *testing.T, v string) {
		a, err := parseAuthorization(v)
		if err == nil && (a.secretID == "" || len(a.signature) != 64) {
			t.Fatalf("accepted %q as %+v", v, a)
		}
	})
}
