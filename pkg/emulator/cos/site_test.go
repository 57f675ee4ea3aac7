package cos

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/tcb-go/tcb/pkg/cloudapi"
)

func TestSite(t *testing.T) {
	h := start(t).newEnv()
	c := h.sdk(h.hosting)
	h.put(c, "index.html", []byte("<h1>home</h1>"), nil)
	h.put(c, "app.js", []byte("console.log(1)"), nil)
	h.put(c, "data/items.json", []byte(`[1,2]`), nil)
	h.put(c, "docs/index.html", []byte("<h1>docs</h1>"), nil)
	origin := h.env + ".site.localhost:" + h.port()
	get := func(host, path string, hdr http.Header) (*http.Response, string) {
		t.Helper()
		resp, body := h.do("GET", host, path, hdr, nil)
		return resp, string(body)
	}
	for _, tc := range []struct {
		host, path string
		code       int
		body, ct   string
	}{
		{origin, "/", 200, "<h1>home</h1>", "text/html"},
		{origin, "/app.js", 200, "console.log(1)", "text/javascript"},
		{origin, "/data/items.json", 200, "[1,2]", "application/json"},
		{origin, "/docs/", 200, "<h1>docs</h1>", "text/html"},
		{origin, "/nope", 404, "not in the site", "text/html"},
		{origin, "/../index.html", 404, "", "text/html"},
		{"", "/site/" + h.env + "/", 200, "<h1>home</h1>", "text/html"},
		{"", "/site/" + h.env + "/data/items.json", 200, "[1,2]", "application/json"},
		{"nosuch.site.localhost:" + h.port(), "/", 404, "No such site", "text/html"},
	} {
		resp, body := get(tc.host, tc.path, nil)
		if resp.StatusCode != tc.code || !strings.Contains(body, tc.body) || !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.ct) {
			t.Errorf("GET %s%s: %d %q (%s), want %d %q (%s)", tc.host, tc.path, resp.StatusCode, body, resp.Header.Get("Content-Type"), tc.code, tc.body, tc.ct)
		}
	}
	// A directory without its slash redirects; the path form keeps its base.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("GET", "http://"+h.Addr()+"/docs", nil)
	req.Host = origin
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 301 || resp.Header.Get("Location") != "/docs/" {
		t.Errorf("GET /docs: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Conditional GET and HEAD.
	resp, _ = get(origin, "/app.js", nil)
	etag := resp.Header.Get("ETag")
	if resp, _ := get(origin, "/app.js", http.Header{"If-None-Match": {etag}}); resp.StatusCode != 304 {
		t.Errorf("If-None-Match: %d", resp.StatusCode)
	}
	if resp, body := h.do("HEAD", origin, "/app.js", nil, nil); resp.StatusCode != 200 || len(body) != 0 || resp.Header.Get("Content-Length") != "14" {
		t.Errorf("HEAD: %d %d %s", resp.StatusCode, len(body), resp.Header.Get("Content-Length"))
	}
	if resp, _ := h.do("POST", origin, "/", nil, strings.NewReader("x")); resp.StatusCode != 405 {
		t.Errorf("POST to the site: %d", resp.StatusCode)
	}
	// The error document.
	h.put(c, "404.html", []byte("custom 404"), nil)
	if resp, body := get(origin, "/missing.png", nil); resp.StatusCode != 404 || body != "custom 404" {
		t.Errorf("error document: %d %q", resp.StatusCode, body)
	}
	// A site origin serves the site only.
	if resp, _ := get(origin, "/_emulator/health", nil); resp.StatusCode != 404 {
		t.Errorf("the emulator's admin paths on a site origin: %d", resp.StatusCode)
	}
}

func TestStaticStoreActions(t *testing.T) {
	h := start(t).newEnv()
	ctx := context.Background()
	describe := func() []map[string]string {
		t.Helper()
		var out struct{ Data []map[string]string }
		if err := h.Client.Call(ctx, "tcb", "DescribeStaticStore", map[string]string{"EnvId": h.env}, &out); err != nil {
			t.Fatal(err)
		}
		return out.Data
	}
	d := describe()
	if len(d) != 1 || d[0]["Regoin"] != "ap-shanghai" || d[0]["Bucket"] != h.hosting || d[0]["Status"] != "online" ||
		d[0]["CdnDomain"] != h.env+".site.localhost:"+h.port() || d[0]["EnvId"] != h.env {
		t.Errorf("DescribeStaticStore: %v", d)
	}
	h.put(h.sdk(h.hosting), "index.html", []byte("x"), nil)
	var res struct{ Result string }
	err := h.Client.Call(ctx, "tcb", "DestroyStaticStore", map[string]string{"EnvId": h.env}, &res)
	if !cloudapi.IsCode(err, "ResourceInUse") {
		t.Errorf("DestroyStaticStore with files: %v", err)
	}
	h.sdk(h.hosting).Object.Delete(ctx, "index.html")
	if err := h.Client.Call(ctx, "tcb", "DestroyStaticStore", map[string]string{"EnvId": h.env}, &res); err != nil || res.Result != "succ" {
		t.Fatalf("DestroyStaticStore: %v %v", res, err)
	}
	if d := describe(); len(d) != 0 {
		t.Errorf("DescribeStaticStore after destroy: %v", d)
	}
	if resp, body := h.do("GET", h.env+".site.localhost:"+h.port(), "/", nil, nil); resp.StatusCode != 404 || !strings.Contains(string(body), "not enabled") {
		t.Errorf("site after destroy: %d %s", resp.StatusCode, body)
	}
	if err := h.Client.Call(ctx, "tcb", "CreateStaticStore", map[string]string{"EnvId": h.env}, &res); err != nil || res.Result != "succ" {
		t.Fatalf("CreateStaticStore: %v %v", res, err)
	}
	if d := describe(); len(d) != 1 {
		t.Errorf("DescribeStaticStore after create: %v", d)
	}

	var acl struct{ AclTag string }
	if err := h.Client.Call(ctx, "tcb", "DescribeStorageACL", map[string]string{"EnvId": h.env, "Bucket": h.bucket}, &acl); err != nil || acl.AclTag != "READONLY" {
		t.Errorf("DescribeStorageACL: %v %v", acl, err)
	}
	if err := h.Client.Call(ctx, "tcb", "ModifyStorageACL", map[string]string{"EnvId": h.env, "Bucket": h.bucket, "AclTag": "PRIVATE"}, &struct{}{}); err != nil {
		t.Fatal(err)
	}
	h.Client.Call(ctx, "tcb", "DescribeStorageACL", map[string]string{"EnvId": h.env, "Bucket": h.bucket}, &acl)
	if acl.AclTag != "PRIVATE" {
		t.Errorf("after ModifyStorageACL: %v", acl)
	}
	for _, bad := range []map[string]string{
		{"EnvId": h.env, "Bucket": h.bucket, "AclTag": "EVERYONE"},
		{"EnvId": h.env, "Bucket": "other-1", "AclTag": "PRIVATE"},
		{"EnvId": "nope-1", "Bucket": h.bucket, "AclTag": "PRIVATE"},
	} {
		err := h.Client.Call(ctx, "tcb", "ModifyStorageACL", bad, &struct{}{})
		var ae *cloudapi.APIError
		if err == nil || !errors.As(err, &ae) {
			b, _ := json.Marshal(bad)
			t.Errorf("ModifyStorageACL %s: %v", b, err)
		}
	}
}
