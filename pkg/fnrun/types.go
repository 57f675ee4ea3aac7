package fnrun

import (
	"io"
	"time"
)

// Runtime status codes reported in Result.StatusCode and in the statusCode
// field of Result.ErrMsg (the SCF function-level codes).
const (
	StatusOK                 = 200
	StatusInvalidEvent       = 400 // event is not JSON (returned as ErrInvalidEvent)
	StatusRequestTooLarge    = 406 // event over MaxEventBytes (returned as ErrEventTooLarge)
	StatusResponseTooLarge   = 407 // return value over MaxResponseBytes
	StatusUserCodeException  = 430 // handler threw, rejected or called back with an error
	StatusConcurrencyLimit   = 432 // no instance free (returned as ErrConcurrencyLimit)
	StatusTimeLimitReached   = 433 // Function.Timeout expired; the instance was killed
	StatusMemoryLimitReached = 434 // the V8 heap limit (Function.MemoryMB) was hit
	StatusHandlerNotFound    = 437 // handler file or export missing
	StatusProcessExited      = 439 // the instance died during the invocation
)

// Limits and defaults.
const (
	MaxEventBytes    = 6 << 20 // largest accepted event (sync invoke limit)
	MaxResponseBytes = 6 << 20 // largest return value (JSON bytes)

	DefaultHandler     = "index.main"
	DefaultTimeout     = 3 * time.Second
	DefaultMemoryMB    = 256
	DefaultMaxLogBytes = 1 << 20 // Result.Log cap per invocation
	LogTailBytes       = 4 << 10 // size of Result.LogTail (SCF LogType "Tail")

	DefaultMaxInstancesPerFunction = 4
	DefaultMaxInstances            = 16
	DefaultIdleTimeout             = 10 * time.Minute
	DefaultStartTimeout            = 15 * time.Second

	// FunctionVersion is the version of a Function whose Version is empty.
	FunctionVersion = "$LATEST"
)

// Function describes the code and configuration of one function.
type Function struct {
	Name      string // SCF_FUNCTION_NAME, context.function_name
	Namespace string // SCF_NAMESPACE and TCB_ENV (the env id), context.namespace
	Handler   string // "<file>.<export>" relative to CodeDir; default "index.main"
	Runtime   string // "Nodejs18.15" etc.; "" means Node.js, anything else is unsupported
	CodeDir   string // unpacked code; the instance's working directory

	Timeout  time.Duration     // wall clock per invocation; default 3 s
	MemoryMB int               // --max-old-space-size and context.memory_limit_in_mb; default 256
	Env      map[string]string // the function's environment variables

	// Version is the function version being run (SCF_FUNCTIONVERSION,
	// context.function_version); "" means "$LATEST". Each version other
	// than $LATEST has warm instances of its own.
	Version string

	// Revision identifies code + configuration (the caller computes it, e.g.
	// from the code hash and config). Warm instances are reused only while
	// it stays the same.
	Revision string
}

// Credentials are passed to the function as TENCENTCLOUD_SECRETID,
// TENCENTCLOUD_SECRETKEY and TENCENTCLOUD_SESSIONTOKEN.
type Credentials struct {
	SecretID     string
	SecretKey    string
	SessionToken string
}

// InvokeOptions are per-invocation options.
type InvokeOptions struct {
	// RequestID is context.request_id and Result.RequestID; a random UUID
	// when empty.
	RequestID string
	// Credentials, when set, are visible to this invocation only (they
	// replace the function's own TENCENTCLOUD_* variables, if any).
	Credentials *Credentials
	// Env holds variables visible to this invocation only (WX_OPENID,
	// TRIGGER_SRC, ...), over the function's own; an empty value unsets
	// the variable. The next invocation sees the function's variables
	// again unless it sets its own.
	Env map[string]string
	// LogWriter, when set, receives the invocation's output as it happens
	// (uncapped; Result.Log is capped). Writes come from another goroutine
	// than the caller's; a slow writer slows the function down.
	LogWriter io.Writer
}

// Result is the outcome of one invocation, shaped like SCF's Invoke Result.
type Result struct {
	RequestID string
	// RetMsg is the JSON of the return value ("null" for undefined); empty
	// on failure.
	RetMsg string
	// ErrMsg is empty on success, else SCF's error JSON:
	// {"errorCode":-1,"errorMessage":...,"requestId":...,"stackTrace":...,"statusCode":...}
	ErrMsg string
	// Log is everything the function wrote to stdout and stderr during the
	// invocation, capped (see PoolOptions.MaxLogBytes) with a
	// "... [truncated N bytes]" line. LogTail is the last 4 KB of the
	// uncapped output.
	Log     string
	LogTail string
	// Duration is the handler time in ms measured in the child (module
	// loading included on a cold start); on a timeout it is the timeout,
	// when the instance died it is the wall time.
	Duration     float64
	BillDuration int64 // ceil(Duration), at least 1
	MemUsage     int64 // bytes: the child's RSS after the invocation
	InvokeResult int   // 0 ok, -1 failure
	StatusCode   int   // StatusOK or one of the Status* failure codes

	ColdStart bool          // a new instance was started for this invocation
	PID       int           // the instance's process id
	WallTime  time.Duration // measured in Go around the whole invocation
}

// OK reports whether the invocation succeeded.
func (r *Result) OK() bool { return r.StatusCode == StatusOK }

// PoolOptions configure a Pool. Zero values mean the defaults.
type PoolOptions struct {
	// NodePath is the node binary; "node" from PATH when empty.
	NodePath string
	// NodeArgs are extra node flags put before the bootstrap script.
	NodeArgs []string
	// MaxInstancesPerFunction caps the instances of one function (default
	// 4); MaxInstances caps all instances of the pool (default 16). An idle
	// instance of another function is stopped to make room.
	MaxInstancesPerFunction int
	MaxInstances            int
	// NoWait makes Invoke fail at once with ErrConcurrencyLimit when the
	// function is at its cap; by default it waits for a free instance until
	// ctx is done.
	NoWait bool
	// IdleTimeout stops instances idle for this long (default 10 min;
	// negative: never).
	IdleTimeout time.Duration
	// StartTimeout bounds the start of a node process (default 15 s).
	StartTimeout time.Duration
	// MaxLogBytes caps Result.Log (default 1 MB).
	MaxLogBytes int
	// BaseEnv ("K=V" entries) is added to every function's environment,
	// below the function's own variables. Besides it the child gets only
	// PATH, HOME, LANG, LC_*, TZ and TMPDIR from this process.
	BaseEnv []string
}

// RunOptions configure RunOnce.
type RunOptions struct {
	InvokeOptions
	NodePath     string
	NodeArgs     []string // e.g. "--inspect-brk=9229" (raise StartTimeout and Timeout then)
	BaseEnv      []string
	StartTimeout time.Duration
	MaxLogBytes  int
}
