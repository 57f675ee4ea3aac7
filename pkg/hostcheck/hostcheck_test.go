package hostcheck

import (
	"net/http/httptest"
	"testing"
)

func TestAllows(t *testing.T) {
	p, err := New("127.0.0.1:9800", []string{"Dev.Example.Test", "*.corp.test", "10.1.2.3"})
	if err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]bool{
		"127.0.0.1:9800": true, "127.0.0.2:9800": true, "[::1]:9800": true, "localhost": true, "LOCALHOST:1": true,
		"env.site.localhost:9800": true, "localhost.": true, "dev.example.test:80": true, "a.b.corp.test": true,
		"10.1.2.3:9800": true,
		"corp.test":     false, "evil.example:9800": false, "localhost.evil.example": false, "10.1.2.4": false,
		"192.168.1.9:9800": false, "": false, "dev.example.test.evil": false,
	} {
		if got := p.Allows(host); got != want {
			t.Errorf("Allows(%q) = %v, want %v", host, got, want)
		}
	}
	any, _ := New("0.0.0.0:9800", nil)
	for _, ip := range interfaceIPs() {
		if !any.Allows(ip.String()) && !any.Allows("["+ip.String()+"]:1") {
			t.Errorf("listening on 0.0.0.0, the interface address %s is refused", ip)
		}
	}
	if any.Allows("evil.example") {
		t.Error("listening on 0.0.0.0 allowed a foreign name")
	}
	for _, bad := range []string{"*", "*.", "a/b", "x:1", "*x.test"} {
		if _, err := New("127.0.0.1:1", []string{bad}); (err == nil) != (bad == "*") {
			t.Errorf("allow %q: %v", bad, err)
		}
	}
	star, _ := New("127.0.0.1:1", []string{"*"})
	if !star.Allows("anything.example") || !star.AllowsAny() {
		t.Error("* allows any host")
	}
}

func TestCheckOrigin(t *testing.T) {
	p, _ := New("127.0.0.1:9800", nil)
	r := httptest.NewRequest("GET", "http://127.0.0.1:9800/", nil)
	for origin, ok := range map[string]bool{"": true, "null": true, "http://localhost:3000": true,
		"http://127.0.0.1:9800": true, "https://evil.example": false, "not a url": false} {
		r.Header.Set("Origin", origin)
		if err := p.Check(r); (err == nil) != ok {
			t.Errorf("Origin %q: %v", origin, err)
		}
	}
}
