// Package functions is the emulator's Serverless Cloud Function service
// (scf 2018-04-16): an emulator.Module that stores functions, runs Node.js
// functions for real in child node processes (pkg/fnrun), installs their npm
// dependencies, keeps their invocation logs and fires their timer triggers.
//
// # Actions
//
// CreateFunction, UpdateFunctionCode, UpdateFunctionConfiguration,
// GetFunction, ListFunctions, DeleteFunction, Invoke, GetFunctionLogs,
// GetFunctionAddress, CreateTrigger, DeleteTrigger, ListTriggers,
// PublishVersion, ListVersionByFunction, CreateAlias, UpdateAlias,
// GetAlias, ListAliases, DeleteAlias, PublishLayerVersion, ListLayers,
// ListLayerVersions, GetLayerVersion and DeleteLayerVersion, with the
// request and response types of pkg/cloudapi and the cloud's error codes.
// Namespace is the CloudBase environment id; a missing Namespace means
// "default", which exists only if an environment is called that.
//
// # States
//
// CreateFunction and the two Update actions answer at once and leave the
// function Creating or Updating. A background build extracts the code and,
// for Node.js functions with InstallDependency "TRUE", installs the npm
// dependencies; the function becomes Active when the build is done and the
// host's Latency has passed since the call (both are stored, so the state
// survives a restart: an unfinished build is started again). A failed build
// leaves CreateFailed (delete and create again) or UpdateFailed (the previous
// code and configuration keep serving; another update may follow), with
// StatusReasons. DeleteFunction leaves Deleting for Latency, then the function,
// its triggers and its logs are gone. Creating, Updating and Deleting
// functions refuse updates, deletion and invocation with the cloud's
// FailedOperation codes.
//
// # Storage
//
// Records live in the host's bbolt store: functions under
// scf_functions/<namespace>/<name>, code zips once per SHA-256 under
// scf_code/<sha>, invocation logs under scf_logs/<namespace>/<function id>
// (newest MaxLogRecords per function), the download-URL key in scf_meta. Files
// live under <DataDir>/functions: code/<sha>/ is an extracted zip (recreated
// from the store whenever it is missing), code/<sha>.deps-<key>/ the same code
// with a node_modules symlink into deps/<key>/, which is a build directory
// where npm ran; deps/ is a cache shared by every function whose
// package.json, lockfile, local file: dependencies, Node.js major version and
// install flags hash to the same key.
//
// # Dependencies
//
// npm runs as `npm install --omit=dev --no-audit --no-fund
// --no-update-notifier --ignore-scripts` in a copy of the code, with the
// emulator's environment minus Tencent Cloud and CloudBase credentials.
// Install scripts are skipped by default (Options.InstallScripts enables
// them): code received by the emulator does not get to run arbitrary commands
// at deploy time, and most dependencies of cloud functions are plain
// JavaScript. A zip that already holds node_modules/ is used as it is. npm
// failures (and timeouts, Options.InstallTimeout) become CreateFailed or
// UpdateFailed with the end of npm's output in StatusReasons.
//
// # Invocation
//
// Invoke runs Node.js functions (any Nodejs* runtime, with the node binary
// the emulator finds) through one fnrun.Pool; warm instances are reused until
// the code or the configuration changes. Other runtimes are stored and
// listed but Invoke answers UnsupportedOperation: the emulator never fakes a
// result. Every invocation, synchronous, asynchronous (Event) or by a timer,
// writes a log record that GetFunctionLogs reads. Functions are also run by
// name for the WeChat HTTP API (InvokeHTTP, /tcb/invokecloudfunction) and
// for the server SDKs' callFunction (functions.invokeFunction on /admin,
// package sdkapi).
//
// The module serves /tcb/invokecloudfunction itself, with the checks every
// /tcb/* path makes (pkg/emulator/wxhttp; Options.Tokens, the WeChat
// module, checks the access_token): the raw body is the event (JSON, 47001
// otherwise), env and name come from the query string (40101); the function
// gets HTTPAPITimeout (5 s); -501000 for a missing function or env, -504002
// "functions execute fail | errMsg: ..." when it threw, -504003 when it
// timed out.
//
// # What a function sees
//
// As on SCF: its Environment variables; the system variables of pkg/fnrun
// (SCF_*, TCB_ENV, TENCENTCLOUD_RUNENV, USER_CODE_ROOT, ...);
// TENCENTCLOUD_REGION (the env's region); TCB_CONTEXT_CNFG =
// {"URL":"http://<emulator>/admin"}, which wx-server-sdk and
// @cloudbase/node-sdk read before their cloud hosts, so their database,
// callFunction and auth calls reach the emulator with no change to user
// code; TCB_CONTEXT_KEYS (the TCB_* names node-sdk may read);
// TCB_EMULATOR_HOST and TCB_EMULATOR=true. A variable the function sets
// itself wins over all of these but the system variables.
//
// Per invocation: temporary credentials (TENCENTCLOUD_SECRETID, SECRETKEY,
// SESSIONTOKEN) minted by the host's creds.Authority for the function's
// environment only, valid for at least the function's timeout plus ten
// minutes when the invocation starts (minted for an hour or longer, and
// reused by the invocations of the same caller in that time, as SCF reuses
// its role's credentials), accepted with their session token only; TCB_SEQID
// (the request id); and the caller's WeChat context for getWXContext():
// WX_OPENID, WX_APPID, WX_UNIONID, WX_API_TOKEN and WX_CONTEXT_KEYS
// listing them, with TCB_SOURCE:
//
//	scf Invoke                    nobody (no OPENID, no SOURCE)
//	scf Invoke with X-WX-OPENID,  that user (cloudapi.WxCaller;
//	X-WX-APPID, X-WX-UNIONID      tcb fn invoke --openid), SOURCE wx_client
//	/tcb/invokecloudfunction      APPID of the access_token's app, SOURCE wx_http
//	timer trigger                 SOURCE wx_trigger, TRIGGER_SRC=timer
//	callFunction from a function  the calling invocation's caller, SOURCE
//	(or scf Invoke signed with    with ",scf" appended ("wx_client,scf")
//	its temporary credentials)
//
// # Timer triggers
//
// Only timer triggers exist here (other types answer
// UnsupportedOperation.Trigger). TriggerDesc is a 7-field cron expression,
// or {"cron":"..."}; responses show it as {"cron":"<expr>"} like the cloud.
// The expressions are evaluated in China time (UTC+8) by project.NextCron, and
// a scheduler goroutine fires them while the emulator runs (missed firings
// while it was stopped are not replayed), with the event
// {"Type":"Timer","TriggerName":...,"Time":"<RFC 3339>","Message":<CustomArgument>}.
//
// # Code downloads
//
// GetFunctionAddress answers
// http://<Host header>/_emulator/code/<namespace>/<name>?expires=<unix>&sha=<sha256>&sig=<hmac>,
// valid for an hour (and across restarts; a reset invalidates it), serving
// the exact zip of the running code; CodeSha256 is its hex SHA-256.
//
// # Choices where the API leaves room
//
//   - Defaults: Runtime Python2.7, Handler index.main_handler, Timeout 3,
//     MemorySize 128, InitTimeout 15, Type Event, InstallDependency FALSE.
//   - ListFunctions sorts by AddTime, newest first, unless Order/Orderby say
//     otherwise; Limit is 20 by default and at most 100.
//   - GetFunctionLogs: Offset 0, Limit 10, Order desc, OrderBy start_time;
//     without StartTime/EndTime every stored record qualifies; RetCode is 0
//     for success, else the SCF status code of the outcome (430, 433, ...);
//     Source is the invocation type (RequestResponse, Event or Timer).
//     Filter.RetCode UserCodeException matches 430, 437 and 439,
//     ResourceLimitExceeded 434, 407 and 432, TimeLimitExceeded 433.
//   - Versions, aliases and layers: see versions.go and layers.go (which
//     version runs without a Qualifier, traffic splits, the directory that
//     stands for /opt). Publish=TRUE is not emulated (UnsupportedOperation);
//     GetFunctionLogs, GetFunctionAddress and triggers take only $LATEST.
//   - A synchronous Invoke waits at most 300 s (a longer Timeout applies to
//     Event and timer invocations only).
//   - Web functions (Type HTTP) are not invoked with an event: the HTTP
//     access service (package gateway) starts their scf_bootstrap and
//     proxies requests to it (WebFunction, webfn.go).
//   - Triggers can be added to Active and UpdateFailed functions only
//     (FailedOperation.CreateTrigger otherwise); timers fire with the live
//     code while an update is in progress.
package functions
