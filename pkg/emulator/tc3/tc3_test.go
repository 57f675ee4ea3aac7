package tc3

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// The reference's test vectors (computed independently with Python's hmac).
func TestSignatureVectors(t *testing.T) {
	cases := []struct {
		service, body, wantSig string
	}{
		{"scf", `{"Limit":20,"Namespace":"default"}`, "3d5d7bcff19635211ac7f9596b49d27d12fe57bcbc463ef7de65077620033dec"},
		{"tcb", `{}`, "9975e871b7d17b87cfadbd7048cc75c3205e68e6d2ad1de36857342cfb924876"},
	}
	for _, c := range cases {
		r := httptest.NewRequest("POST", "http://127.0.0.1:8484/", bytes.NewReader([]byte(c.body)))
		r.Host = "127.0.0.1:8484"
		r.Header.Set("Content-Type", "application/json")
		cr := CanonicalRequest(r, []byte(c.body), []string{"content-type", "host"})
		if got := Signature("SKEXAMPLE", c.service, 1700000000, cr); got != c.wantSig {
			t.Errorf("%s: signature %s, want %s", c.service, got, c.wantSig)
		}
	}
}

func signed(t *testing.T, body string, ts int64, id, key, service string) *http.Request {
	t.Helper()
	r := httptest.NewRequest("POST", "http://127.0.0.1:9800/", bytes.NewReader([]byte(body)))
	r.Host = "127.0.0.1:9800"
	r.Header.Set("Content-Type", "application/json")
	Sign(r, []byte(body), id, key, service, ts)
	return r
}

// signedAs signs with canonical host signedHost, then sends Host header host.
func signedAs(t *testing.T, body, signedHost, host, key string) *http.Request {
	t.Helper()
	r := httptest.NewRequest("POST", "http://"+host+"/", bytes.NewReader([]byte(body)))
	r.Host = signedHost
	r.Header.Set("Content-Type", "application/json")
	Sign(r, []byte(body), "AKIDtest", key, "tcb", 1700000000)
	r.Host = host
	return r
}

func TestVerify(t *testing.T) {
	now := time.Unix(1700000000, 0)
	keys := func(id string) (string, bool) {
		if id == "AKIDtest" {
			return "secret", true
		}
		return "", false
	}
	body := `{"EnvId":"a<b>&c"}`
	tests := []struct {
		name     string
		req      func() (*http.Request, []byte)
		wantCode string
	}{
		{"valid", func() (*http.Request, []byte) {
			return signed(t, body, now.Unix(), "AKIDtest", "secret", "tcb"), []byte(body)
		}, ""},
		{"tampered body", func() (*http.Request, []byte) {
			return signed(t, body, now.Unix(), "AKIDtest", "secret", "tcb"), []byte(`{"EnvId":"x"}`)
		}, "AuthFailure.SignatureFailure"},
		{"tampered host", func() (*http.Request, []byte) {
			r := signed(t, body, now.Unix(), "AKIDtest", "secret", "tcb")
			r.Host = "127.0.0.1:9801"
			return r, []byte(body)
		}, "AuthFailure.SignatureFailure"},
		{"host signed without the port", func() (*http.Request, []byte) {
			return signedAs(t, body, "127.0.0.1", "127.0.0.1:9800", "secret"), []byte(body)
		}, ""},
		{"host signed without the port, IPv6", func() (*http.Request, []byte) {
			return signedAs(t, body, "[::1]", "[::1]:9800", "secret"), []byte(body)
		}, ""},
		{"host signed without the port, tampered body", func() (*http.Request, []byte) {
			return signedAs(t, body, "127.0.0.1", "127.0.0.1:9800", "secret"), []byte(`{"EnvId":"x"}`)
		}, "AuthFailure.SignatureFailure"},
		{"host signed without the port, wrong key", func() (*http.Request, []byte) {
			return signedAs(t, body, "127.0.0.1", "127.0.0.1:9800", "nope"), []byte(body)
		}, "AuthFailure.SignatureFailure"},
		{"another hostname signed", func() (*http.Request, []byte) {
			return signedAs(t, body, "localhost", "127.0.0.1:9800", "secret"), []byte(body)
		}, "AuthFailure.SignatureFailure"},
		{"a port signed that the Host header lacks", func() (*http.Request, []byte) {
			return signedAs(t, body, "127.0.0.1:9800", "127.0.0.1", "secret"), []byte(body)
		}, "AuthFailure.SignatureFailure"},
		{"another port signed", func() (*http.Request, []byte) {
			return signedAs(t, body, "127.0.0.1:80", "127.0.0.1:9800", "secret"), []byte(body)
		}, "AuthFailure.SignatureFailure"},
		{"wrong secret", func() (*http.Request, []byte) {
			return signed(t, body, now.Unix(), "AKIDtest", "nope", "tcb"), []byte(body)
		}, "AuthFailure.SignatureFailure"},
		{"unknown secret id", func() (*http.Request, []byte) {
			return signed(t, body, now.Unix(), "AKIDother", "secret", "tcb"), []byte(body)
		}, "AuthFailure.SecretIdNotFound"},
		{"6 minutes old", func() (*http.Request, []byte) {
			return signed(t, body, now.Add(-6*time.Minute).Unix(), "AKIDtest", "secret", "tcb"), []byte(body)
		}, "AuthFailure.SignatureExpire"},
		{"6 minutes ahead", func() (*http.Request, []byte) {
			return signed(t, body, now.Add(6*time.Minute).Unix(), "AKIDtest", "secret", "tcb"), []byte(body)
		}, "AuthFailure.SignatureExpire"},
		{"4 minutes old is fine", func() (*http.Request, []byte) {
			return signed(t, body, now.Add(-4*time.Minute).Unix(), "AKIDtest", "secret", "tcb"), []byte(body)
		}, ""},
		{"missing authorization", func() (*http.Request, []byte) {
			r := signed(t, body, now.Unix(), "AKIDtest", "secret", "tcb")
			r.Header.Del("Authorization")
			return r, []byte(body)
		}, "AuthFailure.InvalidAuthorization"},
		{"garbled authorization", func() (*http.Request, []byte) {
			r := signed(t, body, now.Unix(), "AKIDtest", "secret", "tcb")
			r.Header.Set("Authorization", "Bearer abc")
			return r, []byte(body)
		}, "AuthFailure.InvalidAuthorization"},
		{"scope date not the timestamp's", func() (*http.Request, []byte) {
			r := signed(t, body, now.Unix(), "AKIDtest", "secret", "tcb")
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", replaceOnce(a, "2023-11-14", "2023-11-13"))
			return r, []byte(body)
		}, "AuthFailure.SignatureFailure"},
		{"scope service altered", func() (*http.Request, []byte) {
			r := signed(t, body, now.Unix(), "AKIDtest", "secret", "tcb")
			r.Header.Set("Authorization", replaceOnce(r.Header.Get("Authorization"), "/tcb/", "/scf/"))
			return r, []byte(body)
		}, "AuthFailure.SignatureFailure"},
		{"missing timestamp", func() (*http.Request, []byte) {
			r := signed(t, body, now.Unix(), "AKIDtest", "secret", "tcb")
			r.Header.Del("X-TC-Timestamp")
			return r, []byte(body)
		}, "MissingParameter"},
		{"content-type changed after signing", func() (*http.Request, []byte) {
			r := signed(t, body, now.Unix(), "AKIDtest", "secret", "tcb")
			r.Header.Set("Content-Type", "application/json; charset=utf-8")
			return r, []byte(body)
		}, "AuthFailure.SignatureFailure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, b := tt.req()
			_, err := Verify(r, b, now, keys)
			got := ""
			if err != nil {
				got = err.Code
			}
			if got != tt.wantCode {
				t.Fatalf("code %q, want %q (%v)", got, tt.wantCode, err)
			}
		})
	}
}

func replaceOnce(s, old, new string) string {
	i := bytes.Index([]byte(s), []byte(old))
	if i < 0 {
		return s
	}
	return s[:i] + new + s[i+len(old):]
}

func FuzzParseAuthorization(f *testing.F) {
	f.Add("TC3-HMAC-SHA256 Credential=AKID/2023-11-14/tcb/tc3_request, SignedHeaders=content-type;host, Signature=3d5d7bcff19635211ac7f9596b49d27d12fe57bcbc463ef7de65077620033dec")
	f.Add("")
	f.Add("TC3-HMAC-SHA256 Credential=/")
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAuthorization(s)
		if (a == nil) == (err == nil) {
			t.Fatalf("exactly one of result and error expected")
		}
		if a != nil && (a.SecretID == "" || len(a.Signature) != 64) {
			t.Fatalf("accepted a malformed header: %q", s)
		}
	})
}
