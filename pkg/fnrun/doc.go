// Package fnrun runs CloudBase (SCF) Node.js functions for real in child
// node processes. It is the runtime behind the emulator's scf Invoke (Pool)
// and `tcb fn run` (RunOnce). It never prints and never prompts.
//
// # Instances
//
// An instance is `node [NodeArgs] --max-old-space-size=<MemoryMB>
// <bootstrap.js>` started in Function.CodeDir. bootstrap.js is embedded in
// the binary and written once to the user cache dir (content-addressed). The
// child loads the handler (Function.Handler, "<file>.<export>", e.g.
// "index.main" or "src/app.handler") on its first invocation, so a load
// error is that invocation's result, then serves invocations one at a time.
// CommonJS files are loaded with require, ES modules (.mjs, "type":"module")
// with import().
//
// Handlers follow SCF Node semantics: an async function, a function
// returning a promise or a plain value, or the callback style
// (event, context, callback) — a handler declaring three parameters is
// settled by its callback (or by a promise it returns, whichever comes
// first). RetMsg is JSON.stringify of the value ("null" for undefined).
//
// # Protocol
//
// Go and the child talk over a dedicated pipe pair, never stdout: fd 3
// carries Go -> child frames, fd 4 child -> Go frames. A frame is a 4-byte
// big-endian length followed by UTF-8 JSON:
//
//	-> {"type":"init","marker":"..."}                      once, at start
//	<- {"type":"ready","pid":123,"node":"v20.11.1"}
//	-> {"type":"invoke","id":"<request id>","event":<event JSON>,
//	    "context":{...},"vars":{"TENCENTCLOUD_SECRETID":"..."|null,...}}
//	<- {"type":"result","id":"...","status":200,"duration":1.2,"rss":41000000,"ret":<JSON>}
//	<- {"type":"result","id":"...","status":430|437|407,"error":{"name","message","stack"},...}
//	<- {"type":"fatal","id":"...","kind":"uncaughtException"|"unhandledRejection"|"exit",...}
//
// The child's stdout and stderr share one pipe, which is the invocation's
// log (interleaved in write order). After the handler settles, the child
// waits until its stdout and stderr writes are flushed and then writes the
// init marker (a random string) to stdout before sending the result; the
// Go side strips the marker and so attributes every byte to the right
// invocation. Output written while no invocation runs (timers firing
// between invocations) goes to the next invocation's log. The child exits
// when fd 3 closes (the Go process went away).
//
// # Context and environment
//
// The handler's context has request_id and requestId, function_name,
// function_version (Function.Version, "$LATEST" by default), namespace, memory_limit_in_mb,
// time_limit_in_ms, environ ("K=V;K=V", sorted: the function-visible
// variables) and getRemainingTimeInMillis().
//
// The child's environment is built from scratch: PATH, HOME, LANG, LC_*,
// TZ and TMPDIR of this process, then PoolOptions.BaseEnv, then
// Function.Env, then SCF_FUNCTION_NAME (and SCF_FUNCTIONNAME),
// SCF_FUNCTION_HANDLER, SCF_FUNCTIONVERSION, SCF_MEMORYSIZE, SCF_NAMESPACE,
// SCF_RUNTIME, TENCENTCLOUD_RUNENV=SCF, TCB_ENV (= Namespace, the env id),
// USER_CODE_ROOT and GLOBAL_USER_FILE_PATH (CodeDir plus a separator). Nothing else of this
// process leaks (its secrets in particular). InvokeOptions.Credentials (as
// TENCENTCLOUD_SECRETID/SECRETKEY/SESSIONTOKEN) and InvokeOptions.Env are
// set in process.env for that invocation only, before the handler module is
// loaded; the child puts the function's own values back before the next.
//
// # Outcomes
//
// Every outcome of user code is a Result; its StatusCode is
//
//	200  success; RetMsg holds the JSON of the return value
//	407  the return value is over 6 MB
//	430  the handler threw, rejected or called back with an error (also a
//	     module that fails to load for another reason than a missing file)
//	433  Function.Timeout expired: the instance (its process group) is killed
//	434  V8 ran out of heap ("JavaScript heap out of memory"): MemoryMB
//	437  handler file missing, or the export missing or not a function
//	439  the process died during the invocation: process.exit, an uncaught
//	     exception or an unhandled rejection (from a timer, say)
//
// Failures carry ErrMsg = {"errorCode":-1,"errorMessage":...,"requestId":...,
// "stackTrace":...,"statusCode":...} and InvokeResult -1; RetMsg is empty.
// After 433, 434 and 439 the instance is gone and the next invocation gets a
// fresh one; after 430, 437 and 407 the instance stays warm. Go errors are
// only for what prevented an invocation (see Pool.Invoke).
//
// Duration is measured in the child around the handler (module loading
// included on an instance's first invocation), BillDuration = ceil(Duration)
// (at least 1), MemUsage = process.memoryUsage().rss after the invocation.
// Log is capped (1 MB by default) with a "... [truncated N bytes]" line;
// LogTail is the last 4 KB of the whole output. The log holds the user's
// output only (no START/END/Report lines).
//
// # Pool
//
// Warm instances are keyed by Namespace/Name and reused while
// Function.Revision is unchanged; a new revision retires the old instances
// (idle ones are killed at once, busy ones when their invocation ends).
// Parallel invocations of a function get separate instances up to
// MaxInstancesPerFunction (then they wait, or fail with ErrConcurrencyLimit
// with NoWait); MaxInstances caps the pool, stopping the least recently
// used idle instance of another function to make room. Idle instances stop
// after IdleTimeout. Close kills every process group and waits for the
// processes to be reaped; on Linux the kernel also kills the children if
// this process dies (Pdeathsig), and core dumps are disabled for them.
//
// # Limitations
//
//   - Unix only: the protocol pipes are passed as extra file descriptors,
//     which os/exec does not support on Windows (starting fails with ErrStart).
//   - MemoryMB limits the V8 heap (--max-old-space-size), not the RSS:
//     Buffers and native memory can go past it without a 434.
//   - Processes a function starts end when the invocation ends (the
//     instance itself stays warm), and on a timeout, a crash, Stop or
//     Close. On Linux every instance runs in a cgroup v2 of its own when
//     this process can create one (Pool.Containment() == "cgroup"), which
//     finds detached processes too (a new session, a double fork); a pool
//     ends and removes what a SIGKILLed predecessor left. Elsewhere, or
//     without cgroup access, only the instance's process group is found.
//   - One invocation per instance at a time; no async (Event) invocation
//     type here: callers run Invoke in the background for that.
package fnrun
