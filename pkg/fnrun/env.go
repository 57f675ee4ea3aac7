package fnrun

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Names of the credential variables, set per invocation.
const (
	envSecretID     = "TENCENTCLOUD_SECRETID"
	envSecretKey    = "TENCENTCLOUD_SECRETKEY"
	envSessionToken = "TENCENTCLOUD_SESSIONTOKEN"
)

var credKeys = [...]string{envSecretID, envSecretKey, envSessionToken}

// hostEnvAllowed reports whether a variable of this process may pass to a
// function: only basics that make node and its tools work, never secrets.
func hostEnvAllowed(key string) bool {
	switch strings.ToUpper(key) {
	case "PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TEMP", "TMP",
		"SYSTEMROOT", "WINDIR", "COMSPEC", "PATHEXT", "USERPROFILE":
		return true
	}
	return strings.HasPrefix(key, "LC_")
}

// functionEnv returns the child's environment and the context.environ base
// (the function-visible part, without host basics and credentials).
//
// Precedence, lowest first: host basics, baseEnv, fn.Env, system variables
// (SCF_*, TENCENTCLOUD_RUNENV, TCB_ENV, GLOBAL_USER_FILE_PATH).
func functionEnv(fn *Function, baseEnv []string) (env []string, environ map[string]string) {
	vars := map[string]string{}
	host := map[string]bool{}
	for _, kv := range os.Environ() {
		k, v, ok := strings.Cut(kv, "=")
		if ok && k != "" && hostEnvAllowed(k) {
			vars[k] = v
			host[k] = true
		}
	}
	set := func(k, v string) {
		vars[k] = v
		delete(host, k)
	}
	for _, kv := range baseEnv {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			set(k, v)
		}
	}
	for k, v := range fn.Env {
		if k != "" && !strings.Contains(k, "=") {
			set(k, v)
		}
	}
	codeDir, _ := filepath.Abs(fn.CodeDir)
	set("SCF_FUNCTION_NAME", fn.Name)
	set("SCF_FUNCTION_HANDLER", fn.handler())
	set("SCF_NAMESPACE", fn.Namespace)
	set("SCF_RUNTIME", fn.runtime())
	set("TENCENTCLOUD_RUNENV", "SCF")
	set("GLOBAL_USER_FILE_PATH", codeDir+string(filepath.Separator))
	if fn.Namespace != "" {
		set("TCB_ENV", fn.Namespace)
	}
	environ = map[string]string{}
	env = make([]string, 0, len(vars))
	for k, v := range vars {
		env = append(env, k+"="+v)
		if !host[k] {
			environ[k] = v
		}
	}
	sort.Strings(env)
	return env, environ
}

// environString renders context.environ ("K=V;K=V", sorted) with the
// invocation's credentials.
func environString(base map[string]string, creds map[string]*string) string {
	keys := make([]string, 0, len(base)+len(creds))
	for k := range base {
		if _, isCred := creds[k]; !isCred {
			keys = append(keys, k)
		}
	}
	for k, v := range creds {
		if v != nil {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(';')
		}
		v := base[k]
		if c := creds[k]; c != nil {
			v = *c
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v)
	}
	return b.String()
}

// invocationCreds is the credential variables for one invocation: the
// caller's credentials, else the function's own variables (environ, from
// Function.Env or BaseEnv), else unset (nil).
func invocationCreds(environ map[string]string, c *Credentials) map[string]*string {
	m := make(map[string]*string, len(credKeys))
	if c != nil {
		vals := [...]string{c.SecretID, c.SecretKey, c.SessionToken}
		for i, k := range credKeys {
			if vals[i] != "" {
				v := vals[i]
				m[k] = &v
			} else {
				m[k] = nil
			}
		}
		return m
	}
	for _, k := range credKeys {
		if v, ok := environ[k]; ok {
			m[k] = &v
		} else {
			m[k] = nil
		}
	}
	return m
}
