// Package token manages WeChat access_tokens so that one refresher serves
// everybody: callers never invalidate each other's tokens.
//
// Pieces:
//
//   - Record: one stored token (appid, token, absolute expiry, when it was
//     obtained, source "stable" or "legacy"). Records mask the token in every
//     String/Format/LogValue form; Mask masks any secret.
//   - Store: shared storage with a per-app lock and a fencing token.
//     FileStore (default, $TCB_CONFIG_DIR/tokens.json, flock + atomic rename,
//     safe across processes) and RedisStore (SET NX PX lock, INCR fence,
//     Lua-checked writes, safe across machines; NewRedisSentinelStore puts
//     it behind Sentinel). SQLStore (PostgreSQL with pgx, MySQL/MariaDB with
//     go-sql-driver/mysql: one row per app, the lease on the database clock,
//     writes conditional on the fence, a versioned schema created on first
//     use) and TCBStore (the env's own document database through the Cloud
//     API: conditional updates on a version field). OpenURLStore opens the
//     URL-named ones; MigrateApp copies a token between stores without a
//     refresh.
//   - Manager: Get (valid stored token, else fetch under the store lock,
//     single-flight inside the process), Refresh (compare-and-refresh: fetch
//     only if the reported stale token is still the current one) and
//     ForceRefresh (stable_token force_refresh, at most 20 a day and 30 s
//     apart per app, counted in the store so every process and replica
//     shares the budget).
//   - Fetcher: the upstream call; WeChatFetcher wraps pkg/wechat in stable
//     (default) or legacy mode with per-app secrets from AppSecrets.
//   - Server: the central token server behind `tcb token serve`; serves from
//     an in-memory snapshot kept fresh by one background refresher per app,
//     coordinated with other replicas through the store lock.
//   - ServerClient: the client side of Server for `tcb token get --server`.
//   - LoadApps / LoadKeys: the server's configuration files.
//
// Nothing in this package prints, prompts or reads the environment; logs go
// to the *slog.Logger passed in and never contain a token, secret or key.
//
// Deviations from DESIGN.md §5 worth knowing: Redis keys carry the appid in
// a hash tag (tcb:token:{wx123}) so that a Lua script's keys share one slot;
// the layout is documented on RedisStore. Besides the file and Redis stores
// of §5 there are the database stores of issue 16 (SQLStore, TCBStore);
// the tcb:// store measures leases on the replicas' clocks (the Cloud API
// has no server clock), the SQL stores on the database's.
package token
