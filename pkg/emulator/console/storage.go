package console

import (
	"context"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"

	cossdk "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/tcb-go/tcb/pkg/config"
)

// Storage goes through the COS XML API of the env's buckets with
// cos-go-sdk-v5 (the SDK clients use), signed with the development keys and
// served in-process by the storage module: its virtual hosts are module
// routers, so the calls pass the host's whole handler (Host.Handler).

// maxUpload bounds one file uploaded from the page.
const maxUpload = 512 << 20

type bucketRef struct {
	name, region string
	site         string // hosting: the site's address
}

// bucketOf names the env's storage or hosting bucket.
func (m *Module) bucketOf(ctx context.Context, env, which string) (*bucketRef, error) {
	api, err := m.api()
	if err != nil {
		return nil, err
	}
	switch which {
	case "", "storage":
		info, err := api.DescribeEnv(ctx, env)
		if err != nil {
			return nil, err
		}
		if len(info.Storages) == 0 || info.Storages[0].Bucket == "" {
			return nil, badRequest("environment %s has no storage bucket", env)
		}
		return &bucketRef{name: info.Storages[0].Bucket, region: info.Storages[0].Region}, nil
	case "hosting":
		var out struct {
			Data []struct {
				EnvId, Bucket, Regoin, Region, CdnDomain, Status string
			}
		}
		if err := api.Call(ctx, "tcb", "DescribeStaticStore", map[string]string{"EnvId": env}, &out); err != nil {
			return nil, err
		}
		for _, d := range out.Data {
			if (d.EnvId == "" || d.EnvId == env) && d.Bucket != "" {
				region := d.Region
				if region == "" {
					region = d.Regoin
				}
				site := ""
				if d.CdnDomain != "" {
					site = "http://" + d.CdnDomain + "/"
				}
				return &bucketRef{name: d.Bucket, region: region, site: site}, nil
			}
		}
		return nil, badRequest("environment %s has no hosting bucket: enable hosting first", env)
	}
	return nil, badRequest("bucket must be storage or hosting, not %q", which)
}

// cos is an SDK client of the bucket whose requests are served in-process.
func (m *Module) cos(b *bucketRef) *cossdk.Client {
	u := &url.URL{Scheme: "http", Host: m.addr()}
	c := cossdk.NewClient(&cossdk.BaseURL{BucketURL: u}, &http.Client{Transport: &cossdk.AuthorizationTransport{
		SecretID: config.EmulatorSecretID, SecretKey: config.EmulatorSecretKey, Transport: inproc{m}}})
	c.Host = m.bucketHost(b)
	c.Conf.RetryOpt.Count = 1
	c.UserAgent = UserAgent
	return c
}

func (m *Module) bucketHost(b *bucketRef) string {
	region := b.region
	if region == "" {
		region = "ap-shanghai"
	}
	h := b.name + ".cos." + region + ".localhost"
	if _, port, err := net.SplitHostPort(m.addr()); err == nil {
		h = net.JoinHostPort(h, port)
	}
	return h
}

type storageObject struct {
	Key          string `json:"key"`
	Size         int64  `json:"size"`
	ETag         string `json:"etag"`
	LastModified string `json:"last_modified"`
}

// handleStorageList lists one level under a prefix ("/" delimited), a
// page of at most 1000 keys from ?marker=.
func (m *Module) handleStorageList(w http.ResponseWriter, r *http.Request) {
	env, q := r.PathValue("env"), r.URL.Query()
	ctx, cancel := callCtx(r)
	defer cancel()
	b, err := m.bucketOf(ctx, env, q.Get("bucket"))
	if err != nil {
		fail(w, err)
		return
	}
	res, _, err := m.cos(b).Bucket.Get(ctx, &cossdk.BucketGetOptions{Prefix: q.Get("prefix"), Delimiter: "/", Marker: q.Get("marker"), MaxKeys: 1000, EncodingType: "url"})
	if err != nil {
		fail(w, fmt.Errorf("%w: list %s: %v", errBadRequest, b.name, err))
		return
	}
	objs := []storageObject{}
	for _, o := range res.Contents {
		key, _ := url.QueryUnescape(o.Key)
		objs = append(objs, storageObject{Key: key, Size: o.Size, ETag: strings.Trim(o.ETag, `"`), LastModified: o.LastModified})
	}
	dirs := []string{}
	for _, p := range res.CommonPrefixes {
		d, _ := url.QueryUnescape(p)
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	next, _ := url.QueryUnescape(res.NextMarker)
	out := map[string]any{"bucket": b.name, "prefix": q.Get("prefix"), "objects": objs, "dirs": dirs, "truncated": res.IsTruncated, "next_marker": next}
	if b.site != "" {
		out["site"] = b.site
		out["site_path"] = "http://" + m.addr() + "/site/" + env + "/"
	}
	writeJSON(w, http.StatusOK, out)
}

// handleStorageGet streams an object to the page (download and preview):
// a signed GET served by the storage module straight into this answer,
// nothing buffered.
func (m *Module) handleStorageGet(w http.ResponseWriter, r *http.Request) {
	env, q := r.PathValue("env"), r.URL.Query()
	ctx, cancel := callCtx(r)
	defer cancel()
	b, err := m.bucketOf(ctx, env, q.Get("bucket"))
	if err != nil {
		fail(w, err)
		return
	}
	key := strings.TrimPrefix(q.Get("key"), "/")
	u := &url.URL{Scheme: "http", Host: m.addr(), Path: "/" + key}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, u.String(), nil)
	if err != nil {
		fail(w, err)
		return
	}
	req.Host, req.RemoteAddr, req.RequestURI = m.bucketHost(b), "127.0.0.1:0", u.RequestURI()
	req.Header.Set("User-Agent", UserAgent)
	cossdk.AddAuthorizationHeader(config.EmulatorSecretID, config.EmulatorSecretKey, "", req, cossdk.NewAuthTime(5*time.Minute))
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", path.Base(key)))
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	m.serve(w, req)
}

// handleStoragePut stores the request body as one object, streamed.
func (m *Module) handleStoragePut(w http.ResponseWriter, r *http.Request) {
	env, q := r.PathValue("env"), r.URL.Query()
	key := strings.TrimPrefix(q.Get("key"), "/")
	if key == "" || strings.HasSuffix(key, "/") {
		fail(w, badRequest("give the object's key"))
		return
	}
	if r.ContentLength < 0 || r.ContentLength > maxUpload {
		fail(w, badRequest("the console uploads files of a known size up to %d MB; use tcb storage upload for others", maxUpload>>20))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Minute)
	defer cancel()
	b, err := m.bucketOf(ctx, env, q.Get("bucket"))
	if err != nil {
		fail(w, err)
		return
	}
	ctype := r.Header.Get("X-Content-Type")
	if ctype == "" {
		ctype = mime.TypeByExtension(path.Ext(key))
	}
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	_, err = m.cos(b).Object.Put(ctx, key, r.Body, &cossdk.ObjectPutOptions{ObjectPutHeaderOptions: &cossdk.ObjectPutHeaderOptions{
		ContentType: ctype, ContentLength: r.ContentLength}})
	if err != nil {
		fail(w, fmt.Errorf("%w: upload %s: %v", errBadRequest, key, err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"key": key, "size": r.ContentLength})
}

func (m *Module) handleStorageDelete(w http.ResponseWriter, r *http.Request) {
	env, q := r.PathValue("env"), r.URL.Query()
	ctx, cancel := callCtx(r)
	defer cancel()
	b, err := m.bucketOf(ctx, env, q.Get("bucket"))
	if err != nil {
		fail(w, err)
		return
	}
	if _, err := m.cos(b).Object.Delete(ctx, strings.TrimPrefix(q.Get("key"), "/")); err != nil {
		fail(w, fmt.Errorf("%w: delete: %v", errBadRequest, err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"deleted": q.Get("key")})
}

// handleHostingEnable asks for the env's static store (CreateStaticStore).
func (m *Module) handleHostingEnable(w http.ResponseWriter, r *http.Request) {
	api, err := m.api()
	if err != nil {
		fail(w, err)
		return
	}
	ctx, cancel := callCtx(r)
	defer cancel()
	var out map[string]any
	if err := api.Call(ctx, "tcb", "CreateStaticStore", map[string]any{"EnvId": r.PathValue("env")}, &out); err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "enabled"})
}
