// Package wechat is a client for the WeChat server-side APIs that tcb needs:
// the access_token endpoints (POST /cgi-bin/stable_token, GET /cgi-bin/token)
// and the CloudBase HTTP APIs under /tcb/* (database, collections, indexes,
// migrations, cloud function invocation).
//
// The exported request and response structs are the wire types: the local
// emulator reuses them to decode requests and encode answers, so their JSON
// field names follow the WeChat documentation exactly (capitalised pager keys,
// data as an array of JSON strings, and so on).
//
// Secrets never leak through this package: errors and log records are built
// from the request path only, and any text that could carry the AppSecret or
// an access_token (for example a *url.Error from net/http, whose message
// contains the full request URL) is scrubbed before it is returned.
//
// Retry policy: only WeChat errcode -1 ("system error"), transport errors and
// HTTP 429/5xx are retried, with jittered exponential backoff, and only for
// calls that are safe to repeat (token reads, database reads). Stale-token
// errors (40001, 40014, 42001), quota errors (45009, 45011) and configuration
// errors are returned at once; WithStaleTokenRetry implements the
// "refresh the failing token once and retry once" rule for business calls.
//
// The package never prints or prompts; it logs only through the *slog.Logger
// given in Client.Logger.
package wechat
