package cloudapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func testClient(t *testing.T, h http.HandlerFunc) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := New(Options{Credential: Credential{SecretID: "AKIDtest", SecretKey: "secret"}, Region: "ap-shanghai", Endpoint: srv.URL, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A proxy or gateway answering with a large HTML page must not turn the
// one-line error into the whole page.
func TestClientErrorsKeepOneShortLine(t *testing.T) {
	page := "<html>\n<body>\n" + strings.Repeat("<p>bad gateway</p>\n", 5000) + "</body></html>"
	for _, tt := range []struct {
		name   string
		status int
		code   string
	}{
		{"non-200", http.StatusBadGateway, "ClientError.HttpStatusCodeError"},
		{"200 but not JSON", http.StatusOK, "ClientError.ParseJsonError"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := testClient(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				w.Write([]byte(page))
			})
			err := c.Call(context.Background(), "tcb", "DescribeEnvs", struct{}{}, nil)
			if !IsCode(err, tt.code) {
				t.Fatalf("err %v, want %s", err, tt.code)
			}
			msg := err.Error()
			if len(msg) > 500 || strings.Contains(msg, "\n") {
				t.Fatalf("error is %d bytes and multi-line=%v: %.200q", len(msg), strings.Contains(msg, "\n"), msg)
			}
		})
	}
}

func TestClip(t *testing.T) {
	if got := clip("a\n  b\tc", 10); got != "a b c" {
		t.Fatalf("%q", got)
	}
	got := clip(strings.Repeat("é", 10), 5) // 2-byte runes: cut at 4
	if got != "éé… (16 bytes cut)" {
		t.Fatalf("%q", got)
	}
}
