package functions

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/tcb-go/tcb/internal/ascii"
	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/emulator/capi"
	"github.com/tcb-go/tcb/pkg/funcpack"
	"github.com/tcb-go/tcb/pkg/project"
)

// Limits of the API.
const (
	maxFunctionsPerNamespace = 50
	maxTriggersPerType       = 10
	maxEnvironmentBytes      = 4 << 10
	maxDescription           = 1000
	maxCustomArgument        = 4 << 10
	maxSyncEvent             = 6 << 20
	maxAsyncEvent            = 128 << 10
	defaultTimeout           = 3
	maxTimeout               = 900
	maxSyncWait              = 300 * time.Second
	defaultMemorySize        = 128
	defaultInitTimeout       = 15
	defaultRuntime           = "Python2.7"
	defaultHandler           = "index.main_handler"
	latestQualifier          = "$LATEST"
	defaultNamespace         = "default"
)

// runtimes are the runtime names CreateFunction and
// UpdateFunctionConfiguration accept: SDK v1.0.162's list and the ones
// CloudBase offers today.
var runtimes = map[string]bool{}

func init() {
	for _, r := range []string{
		// SDK v1.0.162.
		"Python2.7", "Python3.6", "Nodejs6.10", "Nodejs8.9", "Nodejs10.15", "Nodejs12.16",
		"Php5", "Php7", "Go1", "Java8", "CustomRuntime",
		// CloudBase and SCF today.
		"Nodejs14.18", "Nodejs16.13", "Nodejs18.15", "Nodejs20.19", "Nodejs22.21", "Nodejs24.11",
		"Python3.7", "Python3.9", "Python3.10", "Python3.11",
		"Php7.2", "Php7.4", "Php8.0", "Java11",
	} {
		runtimes[r] = true
	}
}

// Function, trigger and variable names follow the project config's rules
// (project.IsFunctionName, IsTriggerName, IsEnvVarName, IsExportName);
// the handler shapes below are the API's own, looser than the config's.

// handlerFileByte is [A-Za-z0-9_.-].
func handlerFileByte(c byte) bool { return ascii.Alnum(c) || c == '_' || c == '-' || c == '.' }

// isHandlerFile checks a handler's file part, path segments of letters,
// digits, '_', '-' and '.' (not first), separated by '/':
// ^[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$.
func isHandlerFile(s string) bool {
	for seg := range strings.SplitSeq(s, "/") {
		if seg == "" || seg[0] == '.' || !ascii.Only(seg, handlerFileByte) {
			return false
		}
	}
	return true
}

// isJavaHandler: ^[A-Za-z_$][A-Za-z0-9_$.]*::[A-Za-z_$][A-Za-z0-9_$]*$.
func isJavaHandler(s string) bool {
	identStart := func(c byte) bool { return ascii.Letter(c) || c == '_' || c == '$' }
	identByte := func(c byte) bool { return ascii.Word(c) || c == '$' }
	class, method, ok := strings.Cut(s, "::")
	return ok && class != "" && identStart(class[0]) && ascii.Only(class[1:], func(c byte) bool { return identByte(c) || c == '.' }) &&
		method != "" && identStart(method[0]) && ascii.Only(method[1:], identByte)
}

// isGoHandler: ^[A-Za-z0-9_][A-Za-z0-9_.-]*$.
func isGoHandler(s string) bool {
	return s != "" && ascii.Word(s[0]) && ascii.Only(s[1:], handlerFileByte)
}

func validateFunctionName(name string) error {
	if !project.IsFunctionName(name) {
		return capi.Errorf("InvalidParameterValue.FunctionName",
			"FunctionName %q is invalid: 2-60 characters of letters, digits, '-' and '_', starting with a letter and ending with a letter or digit.", name)
	}
	return nil
}

func validateRuntime(rt string) error {
	if !runtimes[rt] {
		return capi.Errorf("InvalidParameterValue.Runtime", "Runtime %q is not supported (for example Nodejs18.15, Nodejs20.19, Python3.9, Php8.0, Go1, Java11).", rt)
	}
	return nil
}

func validateHandler(runtime, h string) error {
	bad := func(format string, a ...any) error {
		return capi.Errorf("InvalidParameterValue.Handler", "Handler %q is invalid: %s.", h, fmt.Sprintf(format, a...))
	}
	if h == "" {
		return bad("it must not be empty")
	}
	if len(h) > 128 {
		return bad("it is longer than 128 characters")
	}
	switch {
	case strings.HasPrefix(runtime, "Java"):
		if !isJavaHandler(h) {
			return bad("Java handlers are package.Class::method")
		}
		return nil
	case runtime == "Go1":
		if !isGoHandler(h) {
			return bad("Go handlers name the executable")
		}
		return nil
	case runtime == "CustomRuntime":
		return nil
	}
	dot := strings.LastIndexByte(h, '.')
	if dot <= 0 || dot == len(h)-1 {
		return bad("use file.method, e.g. index.main")
	}
	file, method := h[:dot], h[dot+1:]
	if len(file) > 60 || len(method) > 60 {
		return bad("the file and the method are at most 60 characters each")
	}
	if !isHandlerFile(file) || strings.Contains(file, "..") {
		return bad("the file part %q may hold letters, digits, '_', '-' and '/' between path segments", file)
	}
	if !project.IsExportName(method) {
		return bad("the method part %q must be an identifier", method)
	}
	return nil
}

func validateTimeout(t int64) error {
	if t < 1 {
		return capi.Errorf("InvalidParameterValue", "Timeout must be between 1 and %d seconds, got %d.", maxTimeout, t)
	}
	if t > maxTimeout {
		return capi.Errorf("LimitExceeded.Timeout", "Timeout must be between 1 and %d seconds, got %d.", maxTimeout, t)
	}
	return nil
}

func validateMemorySize(m int64) error {
	if m == 64 || (m >= 128 && m <= 3072 && m%128 == 0) {
		return nil
	}
	return capi.Errorf("InvalidParameterValue.MemorySize", "MemorySize must be 64 or 128 to 3072 in steps of 128 MB, got %d.", m)
}

func validateInitTimeout(t int64) error {
	if t < 1 || t > 300 {
		return capi.Errorf("LimitExceeded.InitTimeout", "InitTimeout must be between 1 and 300 seconds, got %d.", t)
	}
	return nil
}

func validateDescription(d string) error {
	if n := len([]rune(d)); n > maxDescription {
		return capi.Errorf("InvalidParameterValue.Description", "Description is %d characters long, the limit is %d.", n, maxDescription)
	}
	return nil
}

// validateEnvironment checks the variables and returns them in a canonical
// form (never nil).
func validateEnvironment(env *cloudapi.Environment) ([]cloudapi.Variable, error) {
	out := []cloudapi.Variable{}
	if env == nil {
		return out, nil
	}
	seen := map[string]bool{}
	size := 0
	for _, v := range env.Variables {
		if !project.IsEnvVarName(v.Key) {
			return nil, capi.Errorf("InvalidParameterValue.Environment", "Environment variable name %q is invalid: letters, digits and '_', not starting with a digit.", v.Key)
		}
		if seen[v.Key] {
			return nil, capi.Errorf("InvalidParameterValue.Environment", "Environment variable %s is given twice.", v.Key)
		}
		seen[v.Key] = true
		up := strings.ToUpper(v.Key)
		if strings.HasPrefix(up, "SCF_") || strings.HasPrefix(up, "TENCENTCLOUD_") {
			return nil, capi.Errorf("InvalidParameterValue.EnvironmentSystemProtect", "Environment variable %s is reserved by the system (SCF_* and TENCENTCLOUD_* cannot be set).", v.Key)
		}
		size += len(v.Key) + len(v.Value)
		out = append(out, cloudapi.Variable{Key: v.Key, Value: v.Value})
	}
	if size > maxEnvironmentBytes {
		return nil, capi.Errorf("InvalidParameterValue.EnvironmentExceededLimit", "Environment variables take %d bytes, the limit is 4 KB.", size)
	}
	return out, nil
}

func validateBoolString(field, v string) error {
	if v == "" || v == "TRUE" || v == "FALSE" {
		return nil
	}
	return capi.Errorf("InvalidParameterValue", "%s must be TRUE or FALSE, got %q.", field, v)
}

func checkQualifier(q, code string) error {
	if q == "" || q == latestQualifier {
		return nil
	}
	return capi.Errorf(code, "Qualifier %s does not exist: the emulator keeps only $LATEST (versions and aliases are not emulated).", q)
}

func checkPublish(p string) error {
	if p == "TRUE" {
		return capi.Errorf("UnsupportedOperation", "Publish=TRUE is not supported: the emulator keeps only $LATEST (versions are not emulated).")
	}
	return validateBoolString("Publish", p)
}

// codeSources are the CodeSource values of the API.
var codeSources = map[string]bool{"": true, "ZipFile": true, "Cos": true, "Demo": true, "TempCos": true, "Git": true, "Inline": true}

// zipFromCode extracts the zip of a Code struct (CreateFunction and
// UpdateFunctionCode) of namespace ns: inline, or read from COS
// (coscode.go); Git and demos are refused.
func (m *Module) zipFromCode(ns string, code *cloudapi.Code, codeSource string) ([]byte, error) {
	if !codeSources[codeSource] {
		return nil, capi.Errorf("InvalidParameterValue.CodeSource", "CodeSource %q is invalid (ZipFile, Cos, Demo, TempCos or Git).", codeSource)
	}
	switch codeSource {
	case "Cos", "TempCos":
		if m.h.Objects == nil {
			return nil, errNoCos()
		}
		if code == nil || code.ZipFile != "" {
			return nil, capi.Errorf("InvalidParameterValue.CodeSource", "CodeSource %s needs the code's COS location in Code, not Code.ZipFile.", codeSource)
		}
	case "Git":
		return nil, errNoGit()
	case "Demo":
		return nil, errNoDemo()
	}
	if code == nil {
		return nil, capi.Errorf("MissingParameter.Code", "The function's code is missing: send Code.ZipFile (a base64 zip).")
	}
	if code.ZipFile != "" {
		if code.CosBucketName != "" || code.CosObjectName != "" || code.DemoId != "" || code.TempCosObjectName != "" || code.GitUrl != "" {
			return nil, capi.Errorf("InvalidParameterValue.Code", "Code.ZipFile, COS, Git and DemoId sources are mutually exclusive.")
		}
		return decodeZip(code.ZipFile)
	}
	src, err := m.cosSourceOf(ns, code)
	if err != nil {
		return nil, err
	}
	if src != nil {
		if code.DemoId != "" || code.GitUrl != "" {
			return nil, capi.Errorf("InvalidParameterValue.Code", "Code.ZipFile, COS, Git and DemoId sources are mutually exclusive.")
		}
		return m.zipFromCOS(src)
	}
	switch {
	case code.GitUrl != "":
		return nil, errNoGit()
	case code.DemoId != "":
		return nil, errNoDemo()
	}
	return nil, capi.Errorf("MissingParameter.Code", "The function's code is missing: send Code.ZipFile (a base64 zip).")
}

func errNoCos() error {
	return capi.Errorf("UnsupportedOperation.Cos", "This emulator runs without its storage module, so code cannot come from COS: send it inline as ZipFile (base64 zip, up to about 7.5 MB per request).")
}

func errNoGit() error {
	return capi.Errorf("UnsupportedOperation", "The emulator cannot fetch code from Git: send the code inline as ZipFile.")
}

func errNoDemo() error {
	return capi.Errorf("UnsupportedOperation", "The emulator has no demo templates: send the code inline as ZipFile.")
}

// decodeZip decodes and checks an inline zip.
func decodeZip(b64 string) ([]byte, error) {
	zip, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, capi.Errorf("InvalidParameterValue.ZipFileBase64BinasciiError", "ZipFile is not valid base64: %v.", err)
	}
	if len(zip) == 0 {
		return nil, capi.Errorf("MissingParameter.Code", "ZipFile is empty.")
	}
	if err := funcpack.CheckZipSize(int64(len(zip))); err != nil {
		return nil, capi.Errorf("InvalidParameterValue.ZipFile", "%v.", err)
	}
	st, err := funcpack.Validate(bytes.NewReader(zip), int64(len(zip)), funcpack.DefaultLimits())
	if err != nil {
		return nil, capi.Errorf("InvalidParameterValue.ZipFile", "ZipFile is not a usable zip archive: %v.", err)
	}
	if st.Files == 0 {
		return nil, capi.Errorf("InvalidParameterValue.ZipFile", "ZipFile holds no files.")
	}
	return zip, nil
}
