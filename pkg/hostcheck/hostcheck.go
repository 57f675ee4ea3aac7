// Package hostcheck protects the HTTP servers tcb runs on a developer's
// machine (the emulator, the token server) from DNS rebinding: a web page
// whose domain is made to resolve to 127.0.0.1 is "same-origin" with a
// local server, so without a check any page could call it. A request is
// served only when its Host header — and its Origin, when a browser sent
// one — names the server: a loopback name (localhost, *.localhost), a
// loopback address, the address it listens on (any local interface address
// when it listens on all of them), or a name the user allowed.
//
// The package also holds the listener guard the servers share: it caps
// concurrent connections below the file-descriptor limit, so a flood of
// slow clients cannot starve the process of descriptors.
package hostcheck

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Policy decides which hosts a server answers to.
type Policy struct {
	names    map[string]bool // exact names, lower case
	suffixes []string        // ".example.com" for "*.example.com"
	ips      []net.IP        // addresses the server listens on
	anyLocal bool            // listening on 0.0.0.0 / [::]: every local address
	local    []net.IP        // the machine's interface addresses (anyLocal)
	any      bool            // "*" was allowed: no check
	// Flag names the option that allows more hosts ("--allow-host"), for
	// the refusal message.
	Flag string
}

// New returns the policy of a server listening on listenAddr (host:port)
// that also answers to the allowed names ("example.test",
// "*.example.test", an IP address, or "*" for any name).
func New(listenAddr string, allowed []string) (*Policy, error) {
	p := &Policy{names: map[string]bool{}, Flag: "--allow-host"}
	host, _, err := net.SplitHostPort(listenAddr)
	if err != nil {
		host = listenAddr
	}
	if ip := net.ParseIP(strings.Trim(host, "[]")); ip != nil {
		if ip.IsUnspecified() {
			p.anyLocal = true
			p.local = interfaceIPs()
		} else {
			p.ips = append(p.ips, ip)
		}
	} else if host != "" {
		p.names[strings.ToLower(host)] = true
	}
	for _, a := range allowed {
		a = strings.ToLower(strings.TrimSpace(a))
		switch {
		case a == "":
		case a == "*":
			p.any = true
		case strings.HasPrefix(a, "*."):
			if len(a) < 4 || strings.ContainsAny(a[2:], "*/:") {
				return nil, fmt.Errorf("allowed host %q: a wildcard is *.domain", a)
			}
			p.suffixes = append(p.suffixes, a[1:])
		case net.ParseIP(strings.Trim(a, "[]")) != nil:
			p.ips = append(p.ips, net.ParseIP(strings.Trim(a, "[]")))
		case strings.ContainsAny(a, "*/: "):
			return nil, fmt.Errorf("allowed host %q is not a host name, *.domain or an IP address", a)
		default:
			p.names[a] = true
		}
	}
	return p, nil
}

func interfaceIPs() []net.IP {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []net.IP
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			out = append(out, n.IP)
		}
	}
	return out
}

// Allows reports whether host (a Host header value, with or without port)
// names this server.
func (p *Policy) Allows(host string) bool {
	if p.any {
		return true
	}
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	h = strings.ToLower(strings.TrimSuffix(strings.Trim(h, "[]"), "."))
	if h == "" {
		return false
	}
	if ip := net.ParseIP(h); ip != nil {
		if ip.IsLoopback() {
			return true
		}
		for _, a := range p.ips {
			if a.Equal(ip) {
				return true
			}
		}
		if p.anyLocal {
			for _, a := range p.local {
				if a.Equal(ip) {
					return true
				}
			}
		}
		return false
	}
	if h == "localhost" || strings.HasSuffix(h, ".localhost") || p.names[h] {
		return true
	}
	for _, s := range p.suffixes {
		if strings.HasSuffix(h, s) {
			return true
		}
	}
	return false
}

// Check returns why r must be refused, or nil. Requests without a Host
// header (HTTP/1.0) carry nothing a browser would send and pass.
func (p *Policy) Check(r *http.Request) error {
	if r.Host != "" && !p.Allows(r.Host) {
		return fmt.Errorf("host %q is not served here: this server answers loopback names and its own addresses only (a protection against DNS rebinding); to use another name, start it with %s %s",
			r.Host, p.Flag, hostOnly(r.Host))
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || u.Host == "" || !p.Allows(u.Host) {
			return fmt.Errorf("origin %q is not served here: this server answers pages from loopback names and its own addresses only; to allow it, start it with %s %s",
				o, p.Flag, hostOnly(hostOf(u)))
		}
	}
	return nil
}

func hostOf(u *url.URL) string {
	if u == nil {
		return ""
	}
	return u.Host
}

func hostOnly(h string) string {
	if hh, _, err := net.SplitHostPort(h); err == nil {
		return hh
	}
	return h
}

// Handler wraps next: refused requests get HTTP 403 with a JSON
// {"error": ...} that says how to allow the host.
func (p *Policy) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := p.Check(r); err != nil {
			b, _ := json.Marshal(map[string]string{"error": err.Error()})
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusForbidden)
			w.Write(append(b, '\n'))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// AllowsAny reports whether "*" switched the check off.
func (p *Policy) AllowsAny() bool { return p.any }
