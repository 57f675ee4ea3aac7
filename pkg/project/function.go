package project

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
)

// Deploy defaults for settings a function's configuration leaves unset.
const (
	// DefaultHandler is CloudBase's handler convention (exports.main in
	// index.js).
	DefaultHandler = "index.main"
	// DefaultRuntime is used when no runtime is configured: the oldest
	// Node.js line CloudBase offers that is still maintained upstream
	// (Node 22 LTS, maintained until April 2027), which keeps both wide
	// compatibility and security updates. Only new functions get it; an
	// existing function keeps its runtime unless one is configured.
	DefaultRuntime = "Nodejs22.21"
	// DefaultTimeout (seconds) is what the official CLI sends for a
	// configured function without "timeout" (the SCF API's own default, 3 s,
	// is too short for a cold start with dependencies).
	DefaultTimeout = 10
	// DefaultMemorySize (MB) is what CloudBase creates functions with.
	DefaultMemorySize = 256
	// DefaultFunctionRoot is the function directory root when the config
	// does not set functionRoot.
	DefaultFunctionRoot = "functions"
	// MaxEnvVariablesSize is the limit on the total size of a function's
	// environment variables (keys plus values, in bytes).
	MaxEnvVariablesSize = 4096
)

// DefaultIgnore is the ignore list of DefaultFunction. node_modules is left
// out through installDependency (funcpack.Options.ExcludeNodeModules), as
// with the official CLI.
var DefaultIgnore = []string{".git"}

// Function is one cloud function as configured. Zero values mean "not
// configured" (Timeout 0, Handler "", InstallDependency nil, ...); use
// WithDefaults for the values to deploy with.
type Function struct {
	Name string
	// Dir is the absolute function directory: "dir" from the config
	// (relative to the config file), else <FunctionRoot>/<Name>.
	Dir               string
	Handler           string
	Runtime           string // canonical spelling, see Runtimes
	Timeout           int    // seconds, 1-900
	MemorySize        int    // MB: 64, or 128-3072 in steps of 128
	EnvVariables      map[string]string
	VPC               *VPC
	InstallDependency *bool
	Ignore            []string // node-glob patterns for funcpack
	Layers            []Layer
	Triggers          []Trigger
	Params            json.RawMessage // default invoke event ("params"), any JSON
	Path              string          // HTTP access path, starts with "/"
	CodeSecret        string          // 36 letters and digits
	Role              string
	L5                *bool
	Type              string          // "", "Event" or "HTTP" ("type", or "isHTTP": true)
	Permissions       json.RawMessage // WeChat config.json "permissions", as written
	// Raw is the function's entry after placeholders, legacy "config"
	// flattening and functionDefaultConfig merging, for fields this type
	// does not model. An unresolved placeholder stays as written.
	Raw json.RawMessage

	// pending holds the settings (by config key) whose placeholder could
	// not be rendered; they are left unset.
	pending map[string]*ConfigError
}

// Resolved returns the error of the first of fields (config keys such as
// "envVariables", "params", "dir"; none means every setting) whose
// placeholder could not be rendered, naming the file, the setting and the
// variable; nil when they are all usable. A command checks the settings it
// reads: fn deploy and fn run need all of them, fn invoke only "params".
func (f *Function) Resolved(fields ...string) error {
	if len(f.pending) == 0 {
		return nil
	}
	if len(fields) == 0 {
		fields = slices.Sorted(maps.Keys(f.pending))
	}
	for _, k := range fields {
		if e, ok := f.pending[k]; ok {
			return e
		}
	}
	return nil
}

// VPC is a function's network.
type VPC struct {
	VpcID    string
	SubnetID string
}

// Layer binds a layer version.
type Layer struct {
	Name    string
	Version int
}

// Trigger is a timer trigger.
type Trigger struct {
	Name   string
	Type   string // always "timer"
	Config string // 7-field cron, see ParseCron
}

// WithDefaults returns a copy with unset deploy settings filled in:
// Handler DefaultHandler, Runtime DefaultRuntime, Timeout DefaultTimeout,
// MemorySize DefaultMemorySize, and InstallDependency true for Node.js
// runtimes (false otherwise), as the official CLI does.
func (f Function) WithDefaults() Function {
	if f.Handler == "" {
		f.Handler = DefaultHandler
	}
	if f.Runtime == "" {
		f.Runtime = DefaultRuntime
	}
	if f.Timeout == 0 {
		f.Timeout = DefaultTimeout
	}
	if f.MemorySize == 0 {
		f.MemorySize = DefaultMemorySize
	}
	if f.InstallDependency == nil {
		v := IsNodeRuntime(f.Runtime)
		f.InstallDependency = &v
	}
	return f
}

// DefaultFunction is the function used by "tcb fn deploy NAME" when no
// configuration mentions NAME: only Name, Dir (absolute; dir "" means
// ./functions/NAME) and Ignore (DefaultIgnore) are set; WithDefaults gives
// the rest.
func DefaultFunction(name, dir string) Function {
	if dir == "" {
		dir = filepath.Join(DefaultFunctionRoot, name)
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return Function{Name: name, Dir: dir, Ignore: append([]string(nil), DefaultIgnore...)}
}

// Problems shared by the tree decoder and Validate.

func nameProblem(name string) string {
	if IsFunctionName(name) {
		return ""
	}
	return fmt.Sprintf("invalid function name %s: 2-60 characters, letters, digits, - and _, starting with a letter and ending with a letter or digit", quoteShort(name))
}

func timeoutProblem(v int) string {
	if v >= 1 && v <= 900 {
		return ""
	}
	return fmt.Sprintf("%d is out of range: timeout is 1-900 seconds", v)
}

func memoryProblem(v int) string {
	if v == 64 || (v >= 128 && v <= 3072 && v%128 == 0) {
		return ""
	}
	return fmt.Sprintf("%d is not allowed: memorySize is 64, or 128 to 3072 in steps of 128 (MB)", v)
}

func runtimeProblem(s string) string {
	return fmt.Sprintf("unknown runtime %s; known runtimes: %s", quoteShort(s), strings.Join(Runtimes, ", "))
}

func handlerProblem(h, runtime string) string {
	lr := strings.ToLower(runtime)
	switch {
	case len(h) > 128:
		return "handler is longer than 128 characters"
	case strings.HasPrefix(lr, "java"):
		if !isJavaHandler(h) {
			return fmt.Sprintf("invalid handler %s for %s: expected package.Class::method", quoteShort(h), runtime)
		}
	case strings.HasPrefix(lr, "go"):
		if !isGoHandler(h) {
			return fmt.Sprintf("invalid handler %s for %s: expected the executable's file name", quoteShort(h), runtime)
		}
	case lr == "customruntime":
		if h == "" || strings.ContainsAny(h, " \t\n") {
			return fmt.Sprintf("invalid handler %s", quoteShort(h))
		}
	default:
		if !isHandler(h) {
			return fmt.Sprintf("invalid handler %s: expected FILE.FUNCTION, e.g. \"index.main\" (the file without its extension, then the exported function)", quoteShort(h))
		}
	}
	return ""
}

func pathProblem(p string) string {
	if strings.HasPrefix(p, "/") && !strings.ContainsAny(p, " \t\r\n?#") {
		return ""
	}
	return fmt.Sprintf("invalid HTTP access path %s: it must start with \"/\" and contain no spaces, \"?\" or \"#\"", quoteShort(p))
}

// Validate checks a Function built in code (e.g. DefaultFunction plus
// command-line flags). Errors are *ConfigError whose Field is the config
// key ("timeout", "triggers[0].config", ...).
func (f *Function) Validate() error {
	return f.validate("", func(k string) string { return k })
}

// validate checks the typed values that are set; pathFor maps a
// top-level key of the entry to its JSON path.
func (f *Function) validate(file string, pathFor func(string) string) error {
	fail := func(path, problem string) error {
		return &ConfigError{File: file, Field: path, Problem: problem}
	}
	if p := nameProblem(f.Name); p != "" {
		return fail(pathFor("name"), p)
	}
	if f.Runtime != "" {
		if _, ok := NormalizeRuntime(f.Runtime); !ok {
			return fail(pathFor("runtime"), runtimeProblem(f.Runtime))
		}
	}
	if f.Handler != "" {
		rt := f.Runtime
		if rt == "" {
			rt = DefaultRuntime
		}
		if p := handlerProblem(f.Handler, rt); p != "" {
			return fail(pathFor("handler"), p)
		}
	}
	if f.Timeout != 0 {
		if p := timeoutProblem(f.Timeout); p != "" {
			return fail(pathFor("timeout"), p)
		}
	}
	if f.MemorySize != 0 {
		if p := memoryProblem(f.MemorySize); p != "" {
			return fail(pathFor("memorySize"), p)
		}
	}
	if err := checkEnvVariables(f.EnvVariables, func(k string) string { return joinKey(pathFor("envVariables"), k) }, pathFor("envVariables"), file); err != nil {
		return err
	}
	if f.VPC != nil && (f.VPC.VpcID == "") != (f.VPC.SubnetID == "") {
		return fail(pathFor("vpc"), "vpcId and subnetId must be set together")
	}
	seenLayer := map[string]bool{}
	for i, l := range f.Layers {
		lp := joinIndex(pathFor("layers"), i)
		if !isLayerName(l.Name) {
			return fail(joinKey(lp, "name"), fmt.Sprintf("invalid layer name %s: 1-64 letters, digits, - and _, starting with a letter", quoteShort(l.Name)))
		}
		if l.Version < 1 {
			return fail(joinKey(lp, "version"), fmt.Sprintf("layer version must be a positive integer, got %d", l.Version))
		}
		if seenLayer[l.Name] {
			return fail(lp, fmt.Sprintf("layer %s is listed twice", quoteShort(l.Name)))
		}
		seenLayer[l.Name] = true
	}
	seenTrig := map[string]bool{}
	for i, t := range f.Triggers {
		tp := joinIndex(pathFor("triggers"), i)
		if !IsTriggerName(t.Name) {
			return fail(joinKey(tp, "name"), fmt.Sprintf("invalid trigger name %s: 1-100 letters, digits, - and _, starting with a letter", quoteShort(t.Name)))
		}
		if seenTrig[t.Name] {
			return fail(joinKey(tp, "name"), fmt.Sprintf("duplicate trigger name %s", quoteShort(t.Name)))
		}
		seenTrig[t.Name] = true
		if t.Type != "timer" {
			return fail(joinKey(tp, "type"), fmt.Sprintf("unsupported trigger type %s: only \"timer\" is supported", quoteShort(t.Type)))
		}
		if err := ValidateCron(t.Config); err != nil {
			return fail(joinKey(tp, "config"), err.Error())
		}
	}
	if f.Path != "" {
		if p := pathProblem(f.Path); p != "" {
			return fail(pathFor("path"), p)
		}
	}
	if f.CodeSecret != "" && !isCodeSecret(f.CodeSecret) {
		return fail(pathFor("codeSecret"), "codeSecret must be exactly 36 letters and digits")
	}
	if f.Type != "" && f.Type != "Event" && f.Type != "HTTP" {
		return fail(pathFor("type"), fmt.Sprintf("invalid type %s: \"Event\" or \"HTTP\"", quoteShort(f.Type)))
	}
	return nil
}

func checkEnvVariables(env map[string]string, keyPath func(string) string, path, file string) error {
	total := 0
	for _, k := range slices.Sorted(maps.Keys(env)) {
		if !IsEnvVarName(k) {
			return &ConfigError{File: file, Field: keyPath(k), Problem: fmt.Sprintf("invalid environment variable name %s: letters, digits and _, not starting with a digit", quoteShort(k))}
		}
		total += len(k) + len(env[k])
	}
	if total > MaxEnvVariablesSize {
		return &ConfigError{File: file, Field: path, Problem: fmt.Sprintf("environment variables take %d bytes (keys plus values), over the %d-byte limit by %d", total, MaxEnvVariablesSize, total-MaxEnvVariablesSize)}
	}
	return nil
}
