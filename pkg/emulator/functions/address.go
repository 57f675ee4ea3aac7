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
	ns, err := m.decodeFunctionRequest(c, &req, &req.Namespace, &req.FunctionName)
	if err != nil {
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
	u, err := m.signedZipURL(m.host(c.Host, rec.Host), codeRoute+ns+"/"+rec.Name, sha, func(secret []byte, expires int64) string {
		return codeSignature(secret, ns, rec.Name, sha, expires)
	})
	if err != nil {
		return nil, err
	}
	return cloudapi.GetFunctionAddressResponse{Url: u, CodeSha256: sha}, nil
}

// signedZipURL is a download URL of the zip sha at path on host, good for
// codeURLTTL, with the signature sign makes with the URL secret.
func (m *Module) signedZipURL(host, path, sha string, sign func(secret []byte, expires int64) string) (string, error) {
	secret, err := m.secret()
	if err != nil {
		return "", err
	}
	expires := m.now().Add(codeURLTTL).Unix()
	q := url.Values{}
	q.Set("sha", sha)
	q.Set("expires", strconv.FormatInt(expires, 10))
	q.Set("sig", sign(secret, expires))
	u := url.URL{Scheme: "http", Host: host, Path: path, RawQuery: q.Encode()}
	return u.String(), nil
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
	m.serveSignedZip(w, r, signedZip{
		action: "GetFunctionAddress",
		sign: func(secret []byte, sha string, expires int64) string {
			return codeSignature(secret, ns, name, sha, expires)
		},
		load:     m.loadZip,
		gone:     "this code no longer exists",
		filename: name + ".zip",
	})
}

// signedZip is what serveSignedZip needs to know of one kind of download URL.
type signedZip struct {
	action   string // the action that gives a fresh URL
	badPath  bool   // the URL's path did not parse: it is incomplete
	sign     func(secret []byte, sha string, expires int64) string
	load     func(sha string) ([]byte, error) // errZipMissing when gone
	gone     string                           // the answer when the zip is gone
	filename string                           // the attachment's name
}

// serveSignedZip answers a URL of signedZipURL with the zip, once its
// signature and expiry are checked.
func (m *Module) serveSignedZip(w http.ResponseWriter, r *http.Request, z signedZip) {
	q := r.URL.Query()
	sha, sig := q.Get("sha"), q.Get("sig")
	expires, err := strconv.ParseInt(q.Get("expires"), 10, 64)
	if sha == "" || sig == "" || err != nil || z.badPath {
		writeError(w, http.StatusForbidden, "the URL is incomplete: call "+z.action+" for a fresh one")
		return
	}
	secret, err := m.secret()
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if !hmac.Equal([]byte(z.sign(secret, sha, expires)), []byte(sig)) {
		writeError(w, http.StatusForbidden, "the URL signature does not match")
		return
	}
	if m.now().Unix() > expires {
		writeError(w, http.StatusForbidden, "the URL has expired: call "+z.action+" for a fresh one")
		return
	}
	zip, err := z.load(sha)
	if errors.Is(err, errZipMissing) {
		writeError(w, http.StatusNotFound, z.gone)
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Length", strconv.Itoa(len(zip)))
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", z.filename))
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
