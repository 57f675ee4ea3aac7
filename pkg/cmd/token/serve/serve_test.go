package serve

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/emulator/wxapi"
	"github.com/tcb-go/tcb/pkg/iostreams"
	"github.com/tcb-go/tcb/pkg/prompt"
)

const testKey = "serve-unit-test-key-0123456789"

func testFactory(t *testing.T, vars map[string]string) (*cmdutil.Factory, *bytes.Buffer) {
	t.Helper()
	ios, _, _, errOut := iostreams.Test()
	f := cmdutil.New("test", ios)
	if vars["TCB_CONFIG_DIR"] == "" {
		vars["TCB_CONFIG_DIR"] = t.TempDir()
	}
	f.Getenv = func(k string) string { return vars[k] }
	f.Prompter = prompt.NoTTY{}
	return f, errOut
}

func code(err error) int {
	var ce *cmdutil.Error
	if errors.As(err, &ce) {
		return ce.Code
	}
	return -1
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "127.1.2.3": true, "::1": true, "localhost": true, "LOCALHOST": true,
		"": false, "0.0.0.0": false, "::": false, "10.0.0.5": false, "example.com": false,
	} {
		if isLoopback(host) != want {
			t.Errorf("isLoopback(%q) = %v", host, !want)
		}
	}
}

func TestResolveKeys(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	vars := map[string]string{}
	f, _ := testFactory(t, vars)
	dir := t.TempDir()
	kf := filepath.Join(dir, "keys")
	os.WriteFile(kf, []byte("# comment\nfile-key-0123456789abcdef\n\n"), 0o600)

	if _, _, err := resolveKeys(f, &Options{}, "127.0.0.1", log); code(err) != cmdutil.ExitInput {
		t.Fatalf("no keys: %v", err)
	}
	if _, _, err := resolveKeys(f, &Options{InsecureNoAuth: true}, "0.0.0.0", log); code(err) != cmdutil.ExitInput {
		t.Fatalf("insecure off loopback: %v", err)
	}
	keys, noAuth, err := resolveKeys(f, &Options{InsecureNoAuth: true}, "127.0.0.1", log)
	if err != nil || len(keys) != 1 || noAuth != keys[0] || len(noAuth) < 32 {
		t.Fatalf("insecure on loopback: %v %q %v", keys, noAuth, err)
	}
	vars["TCB_TOKEN_SERVER_KEY"] = "env-key-0123456789abcdef"
	keys, noAuth, err = resolveKeys(f, &Options{AuthKeyFile: kf}, "0.0.0.0", log)
	if err != nil || noAuth != "" || len(keys) != 2 {
		t.Fatalf("file + env: %v %v", keys, err)
	}
	if _, _, err := resolveKeys(f, &Options{AuthKeyFile: kf, InsecureNoAuth: true}, "127.0.0.1", log); code(err) != cmdutil.ExitInput {
		t.Fatalf("keys + insecure: %v", err)
	}
	vars["TCB_TOKEN_SERVER_KEY"] = "abc12"
	if _, _, err := resolveKeys(f, &Options{}, "127.0.0.1", log); code(err) != cmdutil.ExitInput || strings.Contains(err.Error(), "abc12") {
		t.Fatalf("short env key: %v", err)
	}
	if _, _, err := resolveKeys(f, &Options{AuthKeyFile: filepath.Join(dir, "missing")}, "127.0.0.1", log); code(err) != cmdutil.ExitLocal {
		t.Fatalf("missing key file: %v", err)
	}
}

// selfSigned writes a certificate for 127.0.0.1 and returns the paths and
// a pool trusting it.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "tcb test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// Run serves HTTPS with a key, against an in-process emulator, and stops
// gracefully when its context ends; the log holds no token or key.
func TestRunTLSAndGracefulStop(t *testing.T) {
	m := wxapi.New(wxapi.Options{})
	e := emulatortest.Start(t, emulatortest.Options{}, m)
	vars := map[string]string{"TCB_EMULATOR_HOST": e.Addr(), "TCB_TOKEN_SERVER_KEY": testKey}
	f, logBuf := testFactory(t, vars)
	certFile, keyFile, pool := selfSigned(t)

	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	opts := &Options{F: f, Listen: "127.0.0.1:0", RefreshMargin: 5 * time.Minute, LogFormat: "json",
		TLSCert: certFile, TLSKey: keyFile, ShutdownGrace: 5 * time.Second, Ready: func(a string) { ready <- a }}
	go func() { done <- Run(ctx, opts) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("not ready")
	}
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	req, _ := http.NewRequest("GET", "https://"+addr+"/v1/token?appid="+config.EmulatorWxAppID, nil)
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(b, &body) != nil || body.ExpiresIn < 7100 {
		t.Fatalf("HTTP %d %s", resp.StatusCode, b)
	}
	if _, c := m.CheckToken(body.AccessToken); c != 0 {
		t.Fatalf("served token invalid: %d", c)
	}
	// Plain HTTP on the TLS port does not get a token.
	if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
		if resp.StatusCode == 200 {
			t.Fatal("plain HTTP answered on the TLS port")
		}
		resp.Body.Close()
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no graceful stop")
	}
	logs := logBuf.String()
	if !strings.Contains(logs, `"msg":"token server listening"`) || !strings.Contains(logs, `"tls":true`) || !strings.Contains(logs, `"msg":"token server stopped"`) {
		t.Fatalf("logs:\n%s", logs)
	}
	for _, s := range []string{body.AccessToken, testKey, config.EmulatorWxSecret} {
		if strings.Contains(logs, s) {
			t.Fatal("the log leaks a secret")
		}
	}
}

// DNS rebinding against an unauthenticated server: a page whose name
// resolves to 127.0.0.1 must not read tokens; the server's own names work.
func TestRunRefusesOtherHosts(t *testing.T) {
	m := wxapi.New(wxapi.Options{})
	e := emulatortest.Start(t, emulatortest.Options{}, m)
	f, _ := testFactory(t, map[string]string{"TCB_EMULATOR_HOST": e.Addr()})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan error, 1)
	opts := &Options{F: f, Listen: "127.0.0.1:0", RefreshMargin: 5 * time.Minute, InsecureNoAuth: true,
		AllowHosts: []string{"tokens.internal.test"}, ShutdownGrace: time.Second, Ready: func(a string) { ready <- a }}
	go func() { done <- Run(ctx, opts) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("Run: %v", err)
	}
	_, port, _ := net.SplitHostPort(addr)
	get := func(host, origin string) (int, string) {
		req, _ := http.NewRequest("GET", "http://"+addr+"/v1/token?appid="+config.EmulatorWxAppID, nil)
		req.Host = host
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("rebound.example:"+port, ""); code != 403 || strings.Contains(body, "access_token") || !strings.Contains(body, "--allow-host") {
		t.Fatalf("a rebound name: %d %s", code, body)
	}
	if code, _ := get("127.0.0.1:"+port, "http://rebound.example"); code != 403 {
		t.Fatalf("a foreign page: %d", code)
	}
	for _, h := range []string{"127.0.0.1:" + port, "localhost:" + port, "tokens.internal.test:" + port} {
		if code, body := get(h, ""); code != 200 || !strings.Contains(body, "access_token") {
			t.Errorf("Host %s: %d %s", h, code, body)
		}
	}
	// Switching the check off needs keys.
	opts2 := &Options{F: f, Listen: "127.0.0.1:0", InsecureNoAuth: true, AllowHosts: []string{"*"}, RefreshMargin: 5 * time.Minute}
	if err := Run(ctx, opts2); code(err) != cmdutil.ExitInput || !strings.Contains(err.Error(), "needs bearer keys") {
		t.Fatalf("--allow-host '*' without keys: %v", err)
	}
}
