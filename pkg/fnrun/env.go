package fnrun

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
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
// (SCF_*, TENCENTCLOUD_RUNENV, TCB_ENV, GLOBAL_USER_FILE_PATH,
// USER_CODE_ROOT).
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
	set("USER_CODE_ROOT", codeDir+string(filepath.Separator))
	set("SCF_FUNCTIONNAME", fn.Name)
	set("SCF_FUNCTIONVERSION", fn.version())
	set("SCF_MEMORYSIZE", strconv.Itoa(fn.memoryMB()))
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

// environString renders context.environ ("K=V;K=V", sorted): the
// function's variables with this invocation's over them.
func environString(base map[string]string, vars map[string]*string) string {
	merged := make(map[string]string, len(base)+len(vars))
	for k, v := range base {
		merged[k] = v
	}
	for k, v := range vars {
		if v == nil {
			delete(merged, k)
		} else {
			merged[k] = *v
		}
	}
	var b strings.Builder
	for i, k := range slices.Sorted(maps.Keys(merged)) {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(merged[k])
	}
	return b.String()
}

// invocationVars are the variables one invocation sets (a value) or unsets
// (nil) over the function's own: InvokeOptions.Env, and the caller's
// credentials when given (all three names, so that a missing session token
// is unset rather than left from the function's variables). The child
// restores the function's values before the next invocation.
func invocationVars(opts *InvokeOptions) map[string]*string {
	m := make(map[string]*string, len(opts.Env)+len(credKeys))
	for k, v := range opts.Env {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			continue
		}
		if v == "" {
			m[k] = nil
			continue
		}
		v := v
		m[k] = &v
	}
	if c := opts.Credentials; c != nil {
		vals := [...]string{c.SecretID, c.SecretKey, c.SessionToken}
		for i, k := range credKeys {
			if vals[i] != "" {
				v := vals[i]
				m[k] = &v
			} else {
				m[k] = nil
			}
		}
	}
	return m
}
