package serve

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/token"
)

// resolveKeys collects the bearer keys. Without any, --insecure-no-auth on
// a loopback address yields a random internal key (returned as noAuth)
// that injectKey adds to requests that carry none.
func resolveKeys(f *cmdutil.Factory, opts *Options, host string, log *slog.Logger) (keys []string, noAuth string, err error) {
	var fileKeys []string
	if opts.AuthKeyFile != "" {
		fileKeys, err = token.LoadKeys(opts.AuthKeyFile)
		if err != nil {
			return nil, "", cmdutil.LocalErrorf("--auth-key-file: %v", err)
		}
		if fileTooOpen(opts.AuthKeyFile) {
			log.Warn("the keys file is readable by group or others; chmod 600 it", slog.String("file", opts.AuthKeyFile))
		}
	}
	envKey := f.Getenv(cmdutil.EnvTokenServerKey)
	if len(fileKeys) == 0 && strings.TrimSpace(envKey) == "" {
		if !opts.InsecureNoAuth {
			return nil, "", cmdutil.FlagErrorf("token serve: no bearer key configured: refusing to serve tokens to anyone who asks").
				WithHint("give keys with --auth-key-file FILE or TCB_TOKEN_SERVER_KEY (at least %d characters; e.g. `openssl rand -hex 32`); for local development on a loopback address only, --insecure-no-auth", token.MinKeyLength)
		}
		if !isLoopback(host) {
			return nil, "", cmdutil.FlagErrorf("token serve: --insecure-no-auth is allowed only on a loopback address, not %q", host).
				WithHint("configure keys with --auth-key-file or TCB_TOKEN_SERVER_KEY")
		}
		var b [32]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, "", err
		}
		k := hex.EncodeToString(b[:])
		log.Warn("serving WITHOUT authentication (--insecure-no-auth): any local process can read tokens")
		return []string{k}, k, nil
	}
	if opts.InsecureNoAuth {
		return nil, "", cmdutil.FlagErrorf("token serve: --insecure-no-auth conflicts with the configured keys (--auth-key-file / TCB_TOKEN_SERVER_KEY)")
	}
	keys, err = token.CollectKeys(fileKeys, envKey)
	if err != nil {
		return nil, "", cmdutil.FlagErrorf("token serve: %v", err)
	}
	return keys, "", nil
}

// resolveApps reads --apps, or builds the one app of --appid / the
// environment / the profile.
func resolveApps(f *cmdutil.Factory, opts *Options) (token.Apps, error) {
	if opts.AppsFile != "" {
		apps, err := token.LoadApps(opts.AppsFile, f.Getenv)
		if err != nil {
			return nil, cmdutil.LocalErrorf("--apps: %v", err)
		}
		if len(apps) == 0 {
			return nil, cmdutil.LocalErrorf("--apps %s: no apps", opts.AppsFile)
		}
		return apps, nil
	}
	app, err := f.ResolveWeChatApp(opts.AppID)
	if err != nil {
		return nil, err
	}
	if err := f.ResolveWeChatSecret(&app, opts.SecretFile); err != nil {
		if ce, ok := err.(*cmdutil.Error); ok && ce.Hint == "" {
			return nil, ce.WithHint("or list the apps in a file: --apps FILE")
		}
		return nil, err
	}
	return token.Apps{app.ID: app.Secret}, nil
}

// isLoopback reports whether a listen host only accepts local
// connections.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// injectKey lets requests without an Authorization header through with
// the internal key (--insecure-no-auth). A request with a wrong key is
// still refused.
func injectKey(h http.Handler, key string) http.Handler {
	hdr := "Bearer " + key
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			r.Header.Set("Authorization", hdr)
		}
		h.ServeHTTP(w, r)
	})
}
