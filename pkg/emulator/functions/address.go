package functions

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/emulator/capi"
	"github.com/tcb-go/tcb/pkg/emulator/store"
)

// codeRoute serves code downloads: codeRoute + <namespace>/<name>?sha=&expires=&sig=.
const codeRoute = "/_emulator/code/"

// codeURLTTL is how long a GetFunctionAddress URL works.
const codeURLTTL = time.Hour

func (m *Module) getFunctionAddress(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.GetFunctionAddressRequest
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	ns, err := m.namespace(req.Namespace)
	if err != nil {
		return nil, err
	}
	if err := requireName(req.FunctionName); err != nil {
		return nil, err
	}
	if err := checkQualifier(req.Qualifier, "ResourceNotFound.Qualifier"); err != nil {
		return nil, err
	}
	rec, err := m.lookup(ns, req.FunctionName)
	if err != nil {
		return nil, err
	}
	sha := rec.Spec.CodeSha
	if rec.Live != nil {
		sha = rec.Live.CodeSha
	}
	secret, err := m.secret()
	if err != nil {
		return nil, err
	}
	expires := m.now().Add(codeURLTTL).Unix()
	q := url.Values{}
	q.Set("sha", sha)
	q.Set("expires", strconv.FormatInt(expires, 10))
	q.Set("sig", codeSignature(secret, ns, rec.Name, sha, expires))
	u := url.URL{Scheme: "http", Host: m.host(c.Host, rec.Host),
		Path: codeRoute + ns + "/" + rec.Name, RawQuery: q.Encode()}
	return cloudapi.GetFunctionAddressResponse{Url: u.String(), CodeSha256: sha}, nil
}

func codeSignature(secret []byte, ns, name, sha string, expires int64) string {
	mac := hmac.New(sha256.New, secret)
	fmt.Fprintf(mac, "%s\n%s\n%s\n%d", ns, name, sha, expires)
	return hex.EncodeToString(mac.Sum(nil))
}

// secret is the key of the download URLs, kept in the store so URLs
// survive a restart (and die with a reset).
func (m *Module) secret() ([]byte, error) {
	m.secretMu.Lock()
	defer m.secretMu.Unlock()
	if m.urlSecret != nil {
		return m.urlSecret, nil
	}
	var s string
	err := m.h.DB.Update(func(tx *store.Tx) error {
		ok, err := tx.Get([]string{bucketMeta}, "url_secret", &s)
		if err != nil || ok {
			return err
		}
		b := make([]byte, 32)
		rand.Read(b)
		s = hex.EncodeToString(b)
		return tx.Put([]string{bucketMeta}, "url_secret", s)
	})
	if err != nil {
		return nil, err
	}
	m.urlSecret = []byte(s)
	return m.urlSecret, nil
}

// serveCode answers a download URL with the exact zip bytes.
func (m *Module) serveCode(w http.ResponseWriter, r *http.Request) {
	// The path is parsed here rather than with r.PathValue: the emulator
	// dispatches through ServeMux.Handler, which does not set path values.
	ns, name, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, codeRoute), "/")
	q := r.URL.Query()
	sha, sig := q.Get("sha"), q.Get("sig")
	expires, err := strconv.ParseInt(q.Get("expires"), 10, 64)
	if sha == "" || sig == "" || err != nil {
		writeError(w, http.StatusForbidden, "the URL is incomplete: call GetFunctionAddress for a fresh one")
		return
	}
	secret, err := m.secret()
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	want := codeSignature(secret, ns, name, sha, expires)
	if !hmac.Equal([]byte(want), []byte(sig)) {
		writeError(w, http.StatusForbidden, "the URL signature does not match")
		return
	}
	if m.now().Unix() > expires {
		writeError(w, http.StatusForbidden, "the URL has expired: call GetFunctionAddress for a fresh one")
		return
	}
	zip, err := m.loadZip(sha)
	if errors.Is(err, errZipMissing) {
		writeError(w, http.StatusNotFound, "this code no longer exists")
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Length", strconv.Itoa(len(zip)))
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name+".zip"))
	w.Header().Set("ETag", `"`+sha+`"`)
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(zip)
	}
}

func writeError(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(map[string]string{"error": msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
