package cos

import (
	"fmt"
	"html"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/tcb-go/tcb/pkg/emulator/envs"
)

// The hosting bucket served as a website: at its own origin
// (<envId>.site.localhost:PORT, so root-relative paths work) and under
// /site/<envId>/ on the emulator's address.

// IndexDocument and ErrorDocument are the hosting defaults.
const (
	IndexDocument = "index.html"
	ErrorDocument = "404.html"
)

// siteHandler serves rec's site; rec nil answers that there is no such
// environment.
func (m *Module) siteHandler(rec *envs.Record, env string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rec == nil {
			sitePage(w, r, http.StatusNotFound, "No such site", fmt.Sprintf("No CloudBase environment %q runs in this emulator.", env))
			return
		}
		m.serveSite(w, r, rec, strings.TrimPrefix(r.URL.Path, "/"), "/")
	})
}

// serveSitePath serves /site/{env}/{path...}.
func (m *Module) serveSitePath(w http.ResponseWriter, r *http.Request) {
	env := r.PathValue("env")
	rec, ok := m.envRecord(env)
	if !ok {
		sitePage(w, r, http.StatusNotFound, "No such site", fmt.Sprintf("No CloudBase environment %q runs in this emulator.", env))
		return
	}
	base := "/site/" + env + "/"
	if !strings.HasPrefix(r.URL.Path, base) {
		http.Redirect(w, r, base, http.StatusMovedPermanently)
		return
	}
	m.serveSite(w, r, rec, strings.TrimPrefix(r.URL.Path, base), base)
}

// SiteURL is the site's origin for an emulator listening on addr
// (host:port).
func SiteURL(env, addr string) string {
	port := addr
	if i := strings.LastIndexByte(addr, ':'); i >= 0 {
		port = addr[i+1:]
	}
	return "http://" + env + ".site.localhost:" + port + "/"
}

func (m *Module) serveSite(w http.ResponseWriter, r *http.Request, rec *envs.Record, p, base string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		sitePage(w, r, http.StatusMethodNotAllowed, "Method not allowed", "A static site answers GET and HEAD.")
		return
	}
	st, err := m.db.envState(rec.EnvID)
	if err != nil {
		sitePage(w, r, http.StatusInternalServerError, "Error", err.Error())
		return
	}
	if st.HostingDestroyed {
		sitePage(w, r, http.StatusNotFound, "Static hosting is off", "Static hosting of "+rec.EnvID+" is not enabled (tcb hosting: CreateStaticStore).")
		return
	}
	bucket := hostingBucket(rec.Bucket)
	key := p
	if key == "" || strings.HasSuffix(key, "/") {
		key += IndexDocument
	}
	if checkKey(key) == nil {
		o, rd, err := m.open(bucket, key)
		if err != nil {
			sitePage(w, r, http.StatusInternalServerError, "Error", err.Error())
			return
		}
		if o != nil {
			defer rd.Close()
			m.sendSiteObject(w, r, o, rd, http.StatusOK)
			return
		}
		// A directory without its slash: redirect when it has an index.
		if p != "" && !strings.HasSuffix(p, "/") {
			if o, _ := m.db.getObject(bucket, p+"/"+IndexDocument); o != nil {
				http.Redirect(w, r, base+escapePath(p)+"/", http.StatusMovedPermanently)
				return
			}
		}
	}
	if o, rd, err := m.open(bucket, ErrorDocument); err == nil && o != nil {
		defer rd.Close()
		m.sendSiteObject(w, r, o, rd, http.StatusNotFound)
		return
	}
	sitePage(w, r, http.StatusNotFound, "Not found", "/"+p+" is not in the site of "+rec.EnvID+".")
}

// sendSiteObject answers an object of the site with status (200, or 404
// for the error document), honouring conditional requests and one Range.
func (m *Module) sendSiteObject(w http.ResponseWriter, r *http.Request, o *object, rd *objectReader, status int) {
	h := w.Header()
	ctype := o.Type
	if ctype == "" || ctype == "application/octet-stream" {
		if t := mime.TypeByExtension(path.Ext(r.URL.Path)); t != "" {
			ctype = t
		}
	}
	h.Set("Content-Type", ctype)
	h.Set("ETag", `"`+o.ETag+`"`)
	h.Set("Last-Modified", o.modTime().Format(http.TimeFormat))
	for k, v := range o.Headers {
		if !strings.HasPrefix(k, "X-Cos-Meta-") {
			h.Set(k, v)
		}
	}
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-cache")
	}
	if status == http.StatusOK {
		h.Set("Accept-Ranges", "bytes")
		if s := checkConditions(r, o); s != 0 {
			if s == http.StatusNotModified {
				h.Del("Content-Type")
			}
			w.WriteHeader(s)
			return
		}
	}
	start, n := int64(0), o.Size
	if status == http.StatusOK {
		var e *cosError
		start, n, status, e = parseRange(r.Header.Get("Range"), o.Size)
		if e != nil {
			h.Set("Content-Range", fmt.Sprintf("bytes */%d", o.Size))
			w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
			return
		}
		if status == http.StatusPartialContent {
			h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, start+n-1, o.Size))
		}
	}
	h.Set("Content-Length", strconv.FormatInt(n, 10))
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	sent, _ := rd.copyRange(w, start, n)
	m.bytesOut.Add(sent)
}

func sitePage(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	body := "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + html.EscapeString(title) +
		"</title></head><body><h1>" + html.EscapeString(title) + "</h1><p>" + html.EscapeString(msg) +
		"</p><p><small>tcb emulator, " + time.Now().UTC().Format(time.RFC1123) + "</small></p></body></html>\n"
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write([]byte(body))
	}
}
