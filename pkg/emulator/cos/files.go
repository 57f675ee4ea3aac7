package cos

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tcb-go/tcb/pkg/emulator/creds"
	"github.com/tcb-go/tcb/pkg/emulator/envs"
)

// What the WeChat HTTP API and the server SDKs share: upload tickets (a
// URL, a temporary key's token and a signature the client uploads with),
// download URLs and file ids.

// Ticket lifetimes.
const (
	UploadTicketTTL = 15 * time.Minute
	// MaxURLTTL caps the max_age of download URLs (one day, as the
	// platform's temporary URLs).
	MaxURLTTL = 24 * time.Hour
)

// ticket is what /tcb/uploadfile and storage.getUploadMetadata answer.
type ticket struct {
	URL           string
	Token         string
	Authorization string
	FileID        string
	CosFileID     string
	DownloadURL   string
}

// uploadTicket mints the credentials for one upload of key into rec's
// storage bucket by method (PUT of the object, or POST of a form), at
// host (the Host the caller used to reach the emulator). The temporary
// key carries caller, so the object records who created it.
func (m *Module) uploadTicket(rec *envs.Record, key, method, host string, caller creds.Caller) *ticket {
	now := m.now()
	p := m.h.Credentials.Issue(rec.EnvID, caller, UploadTicketTTL+time.Minute)
	path := "/" + rec.Bucket + "/" + key
	auth := mint(p.SecretID, p.SecretKey, method, path, now.Add(-time.Second), now.Add(UploadTicketTTL))
	var id [24]byte
	rand.Read(id[:])
	return &ticket{
		URL:           "http://" + host + "/" + rec.Bucket + "/" + escapePath(key),
		Token:         p.SessionToken,
		Authorization: auth,
		FileID:        fileID(rec.EnvID, rec.Bucket, key),
		CosFileID:     base64.RawStdEncoding.EncodeToString(id[:]),
		DownloadURL:   m.tempURL(host, rec.Bucket, key, DefaultURLTTL),
	}
}

// Download URLs have the platform's shape: http://HOST/<bucket>/<path>?
// sign=<hex>&t=<expiry>, with the path unescaped (the SDKs pass it through
// encodeURI) and sign an HMAC with a key kept in the store.

var keyURLSecret = []byte("url_secret")

// urlKey returns the store's URL signing key, creating it on first use.
func (m *Module) urlKey() []byte {
	m.secretMu.Lock()
	defer m.secretMu.Unlock()
	if m.secret != nil {
		return m.secret
	}
	var key []byte
	m.db.bolt.Update(func(tx *bolt.Tx) error {
		t := tx.Bucket(bucketTop)
		if t == nil {
			return nil
		}
		if k := t.Get(keyURLSecret); len(k) == 32 {
			key = append([]byte(nil), k...)
			return nil
		}
		key = make([]byte, 32)
		rand.Read(key)
		return t.Put(keyURLSecret, key)
	})
	m.secret = key
	return key
}

func (m *Module) urlSign(bucket, key string, expires int64) string {
	mac := hmac.New(sha256.New, m.urlKey())
	mac.Write([]byte(bucket + "\x00" + key + "\x00" + strconv.FormatInt(expires, 10)))
	return hex.EncodeToString(mac.Sum(nil))[:32]
}

// tempURL is a download URL of key valid for ttl.
func (m *Module) tempURL(host, bucket, key string, ttl time.Duration) string {
	exp := m.now().Add(ttl).Unix()
	return "http://" + host + "/" + bucket + "/" + key + "?sign=" + m.urlSign(bucket, key, exp) + "&t=" + strconv.FormatInt(exp, 10)
}

// isTempURL reports whether a query is a download URL's (sign=<32 hex>&t=).
func isTempURL(q url.Values) bool {
	s := q.Get("sign")
	return len(q["t"]) == 1 && len(s) == 32 && strings.Trim(s, "0123456789abcdef") == ""
}

// checkTempURL verifies a download URL for bucket and key.
func (m *Module) checkTempURL(q url.Values, bucket, key string) *cosError {
	for k := range q {
		if k != "sign" && k != "t" {
			return errAccessDenied("The download URL has an extra parameter %q.", k)
		}
	}
	exp, err := strconv.ParseInt(q.Get("t"), 10, 64)
	if err != nil {
		return errAccessDenied("The download URL's t is not a time.")
	}
	if !hmac.Equal([]byte(m.urlSign(bucket, key, exp)), []byte(q.Get("sign"))) {
		return errf(http.StatusForbidden, "SignatureDoesNotMatch", "The download URL's sign does not match.")
	}
	if m.now().Unix() > exp {
		return errAccessDenied("Request has expired (the download URL was valid until %s).", time.Unix(exp, 0).UTC().Format(time.RFC3339))
	}
	return nil
}

// fileRef is a file id resolved to its bucket and key.
type fileRef struct {
	ID     string
	Bucket string
	Key    string
}

// refError says why a file id cannot be used: the platform's code.
type refError struct {
	Code    string // STORAGE_FILE_NONEXIST, STORAGE_EXCEED_AUTHORITY, INVALID_PARAM
	Message string
}

// resolveFile checks that id names a file of env's buckets.
func (m *Module) resolveFile(rec *envs.Record, id string) (*fileRef, *refError) {
	env, bucket, key, err := parseFileID(id)
	if err != nil {
		return nil, &refError{"INVALID_PARAM", err.Error()}
	}
	if env != rec.EnvID || (bucket != rec.Bucket && bucket != hostingBucket(rec.Bucket)) {
		return nil, &refError{"STORAGE_EXCEED_AUTHORITY", "the file " + id + " is not in environment " + rec.EnvID}
	}
	if e := checkKey(key); e != nil {
		return nil, &refError{"INVALID_PARAM", e.Message}
	}
	return &fileRef{ID: id, Bucket: bucket, Key: key}, nil
}

// cloudPath checks a path the SDKs or the WeChat API upload to.
func cloudPath(p string) (string, string) {
	if p == "" {
		return "", "the path is empty"
	}
	if strings.HasPrefix(p, "/") {
		return "", "the path " + p + " must not start with /"
	}
	if e := checkKey(p); e != nil {
		return "", e.Message
	}
	return p, ""
}
