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
func functionEnv(fn *Function, baseEnv []string) (env []string, visible *environ) {
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
	fnVars := map[string]string{}
	env = make([]string, 0, len(vars))
	for k, v := range vars {
		env = append(env, k+"="+v)
		if !host[k] {
			fnVars[k] = v
		}
	}
	sort.Strings(env)
	return env, newEnviron(fnVars)
}

// environ is the function-visible part of an instance's environment,
// sorted by name once per instance: context.environ's base.
type environ struct {
	keys []string
	vals map[string]string
	size int // bytes of "K=V;" over all variables
}

func newEnviron(vars map[string]string) *environ {
	e := &environ{keys: slices.Sorted(maps.Keys(vars)), vals: vars}
	for k, v := range vars {
		e.size += len(k) + len(v) + 2
	}
	return e
}

// environString renders context.environ ("K=V;K=V", sorted): the
// function's variables with this invocation's over them (an unset one is
// left out). Both lists are sorted, so they are merged in one pass.
func environString(base *environ, vars []invVar) string {
	size := base.size
	for _, v := range vars {
		size += len(v.key) + len(v.val) + 2
	}
	var b strings.Builder
	b.Grow(size)
	add := func(k, v string) {
		if b.Len() > 0 {
			b.WriteByte(';')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v)
	}
	i, j := 0, 0
	for i < len(base.keys) || j < len(vars) {
		switch {
		case j == len(vars) || (i < len(base.keys) && base.keys[i] < vars[j].key):
			add(base.keys[i], base.vals[base.keys[i]])
			i++
		default:
			if i < len(base.keys) && base.keys[i] == vars[j].key {
				i++ // replaced or unset by this invocation
			}
			if !vars[j].unset {
				add(vars[j].key, vars[j].val)
			}
			j++
		}
	}
	return b.String()
}

// invVar is a variable one invocation sets, or unsets.
type invVar struct {
	key, val string
	unset    bool
}

// invocationVars are the variables one invocation sets (a value) or unsets
// over the function's own, sorted by name: InvokeOptions.Env (an empty
// value unsets), and the caller's credentials when given (all three names,
// so that a missing session token is unset rather than left from the
// function's variables; they win over Env's). The child restores the
// function's values before the next invocation.
func invocationVars(opts *InvokeOptions) []invVar {
	c := opts.Credentials
	vars := make([]invVar, 0, len(opts.Env)+len(credKeys))
	for k, v := range opts.Env {
		if k == "" || strings.ContainsAny(k, "=\x00") || (c != nil && slices.Contains(credKeys[:], k)) {
			continue
		}
		vars = append(vars, invVar{key: k, val: v, unset: v == ""})
	}
	if c != nil {
		vals := [...]string{c.SecretID, c.SecretKey, c.SessionToken}
		for i, k := range credKeys {
			vars = append(vars, invVar{key: k, val: vals[i], unset: vals[i] == ""})
		}
	}
	slices.SortFunc(vars, func(a, b invVar) int { return strings.Compare(a.key, b.key) })
	return vars
}
