#!/usr/bin/env bash
# Benchmarks of the access_token budgets (issue 4). Numbers are reported,
# never asserted: the machine is shared and noisy.
#
#   1. `tcb token serve`, cached GET /v1/token over loopback: throughput with
#      as many requests as it answers, and latency at a fixed 5,000 req/s;
#      the same two runs against a minimal Go HTTP server returning a
#      constant (the ceiling). Load generator: scripts/loadgen, on the same
#      machine.
#   2. `tcb token get` with a valid stored token: median wall time, and the
#      number of network connections it opens (strace, when installed).
#   3. Issue 16, the shared stores: cached GET /v1/token throughput of
#      `tcb token serve` on each store (Redis, the file, Redis behind
#      Sentinel, PostgreSQL, MariaDB, the env's own database through the
#      emulator) as a ratio to Redis (budget: within 5%: the serving path
#      must not touch the store), then `go test -bench` of the same hot path
#      in-process and of a refresh's store time (budget: <= 20 ms on
#      PostgreSQL and MySQL). The databases are started throwaway on free
#      ports by scripts/benchstores; stores whose server is not installed
#      are skipped. BENCH_STORES=0 skips this part.
#
# Environment: BENCH_DURATION (default 10s), BENCH_CONNS (default 50),
# BENCH_RATE (default 5000).
set -euo pipefail
cd "$(dirname "$0")/.."
dur="${BENCH_DURATION:-10s}"
conns="${BENCH_CONNS:-50}"
rate="${BENCH_RATE:-5000}"
work="$(mktemp -d "${TMPDIR:-/tmp}/tcb-bench-token.XXXXXX")"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

go build -trimpath -o "$work/tcb" ./cmd/tcb
go build -o "$work/loadgen" ./scripts/loadgen
go build -o "$work/benchrun" ./scripts/benchrun
tcb="$work/tcb"
export TCB_CONFIG_DIR="$work/config" NO_COLOR=1
unset TCB_TOKEN_SERVER TCB_TOKEN_SERVER_KEY TCB_WX_APPID TCB_WX_SECRET TCB_TOKEN_STORE TCB_WECHAT_API

# wait_for FILE PATTERN [TRIES]: until FILE has a line matching PATTERN
# (TRIES x 50 ms, default 10 s).
wait_for() {
  for _ in $(seq 1 "${3:-200}"); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "timed out waiting for $2 in $1" >&2
  cat "$1" >&2
  return 1
}

"$tcb" emulator start --ephemeral --listen 127.0.0.1:0 --json >"$work/emu.json" 2>"$work/emu.log" &
pids+=($!)
wait_for "$work/emu.json" '"host"'
export TCB_EMULATOR_HOST="$(sed -n 's/.*"host":"\([^"]*\)".*/\1/p' "$work/emu.json")"
appid="$("$tcb" emulator env | sed -n 's/^export TCB_WX_APPID=//p')"

key="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '%s\n' "$key" >"$work/keys"
chmod 600 "$work/keys"
"$tcb" token serve --listen 127.0.0.1:0 --auth-key-file "$work/keys" --store "file:$work/serve-tokens.json" 2>"$work/serve.log" &
pids+=($!)
wait_for "$work/serve.log" 'token server listening'
serve_addr="$(sed -n 's/.*msg="token server listening" addr=\([^ ]*\).*/\1/p' "$work/serve.log" | head -1)"

"$work/loadgen" const -listen 127.0.0.1:0 >"$work/const.out" &
pids+=($!)
wait_for "$work/const.out" '^listening'
const_addr="$(sed -n 's/^listening //p' "$work/const.out")"

export LOADGEN_BEARER="$key"
token_url="http://$serve_addr/v1/token?appid=$appid"
const_url="http://$const_addr/v1/token?appid=$appid"
# Warm up (first token fetched, connections open).
"$work/loadgen" run -url "$token_url" -c 4 -d 1s -label warmup >/dev/null

echo "== GET /v1/token over loopback ($(nproc) cores, load generator on the same machine, $dur each)"
"$work/loadgen" run -url "$token_url" -c "$conns" -d "$dur" -label "tcb token serve (cached)"
"$work/loadgen" run -url "$const_url" -c "$conns" -d "$dur" -label "constant Go HTTP server (ceiling)"
"$work/loadgen" run -url "$token_url" -c "$conns" -d "$dur" -rate "$rate" -label "tcb token serve (cached)"
"$work/loadgen" run -url "$const_url" -c "$conns" -d "$dur" -rate "$rate" -label "constant Go HTTP server (ceiling)"
unset LOADGEN_BEARER

echo "== tcb token get with a valid stored token"
"$tcb" token get >/dev/null   # fetch once and store
if command -v strace >/dev/null 2>&1; then
  strace -f -qq -e trace=connect -o "$work/strace.out" "$tcb" token get >/dev/null
  n="$(grep -c 'connect(' "$work/strace.out" || true)"
  inet="$(grep -c 'AF_INET' "$work/strace.out" || true)"
  echo "connect() calls during one run: $n ($inet to an IP address)"
fi
fetches_before="$(curl -fsS "http://$TCB_EMULATOR_HOST/_emulator/state" 2>/dev/null | tr -d ' \n' | sed -n 's/.*"stable_token":\([0-9]*\).*/\1/p' || true)"
"$work/benchrun" -n 50 -label "tcb token get (stored token)" -- "$tcb" token get
fetches_after="$(curl -fsS "http://$TCB_EMULATOR_HOST/_emulator/state" 2>/dev/null | tr -d ' \n' | sed -n 's/.*"stable_token":\([0-9]*\).*/\1/p' || true)"
if [ -n "$fetches_before" ]; then
  echo "upstream stable_token fetches during the 53 runs: $((fetches_after - fetches_before))"
fi

[ "${BENCH_STORES:-1}" = "0" ] && exit 0

rounds="${BENCH_STORE_ROUNDS:-3}"
echo "== GET /v1/token per token store (cached; $rounds rounds in rotating order, best and median per store, ratio of bests to Redis)"
go build -o "$work/benchstores" ./scripts/benchstores
"$work/benchstores" -out "$work/stores.txt" 2>"$work/benchstores.log" &
pids+=($!)
wait_for "$work/stores.txt" '^ready' 2400
cat "$work/benchstores.log" >&2
env_id="$("$tcb" env create bench-tokens --json | sed -n 's/.*"EnvId": *"\([^"]*\)".*/\1/p')"
store_of() { sed -n "s/^$1 //p" "$work/stores.txt"; }
run_store() { # LABEL SPEC: one serve process on that store, one loadgen run
  local label="$1" spec="$2" log="$work/serve-$1.log"
  TCB_TOKEN_STORE="$spec" "$tcb" token serve --listen 127.0.0.1:0 --auth-key-file "$work/keys" 2>"$log" &
  local pid=$!
  wait_for "$log" 'token server listening'
  local addr
  addr="$(sed -n 's/.*msg="token server listening" addr=\([^ ]*\).*/\1/p' "$log" | head -1)"
  LOADGEN_BEARER="$key" "$work/loadgen" run -url "http://$addr/v1/token?appid=$appid" -c 4 -d 1s -label warmup >/dev/null
  LOADGEN_BEARER="$key" "$work/loadgen" run -url "http://$addr/v1/token?appid=$appid" -c "$conns" -d "$dur" -label "store $label" | tee -a "$work/stores.out"
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
: >"$work/stores.out"
order=("redis:$(store_of redis)" "file:file:$work/store-file.json")
for k in sentinel postgres mysql; do
  s="$(store_of "$k")"
  [ -n "$s" ] && order+=("$k:$s")
done
[ -n "$env_id" ] && order+=("tcb:tcb://$env_id/tcb_tokens")
for r in $(seq 0 $((rounds - 1))); do
  n=${#order[@]}
  for i in $(seq 0 $((n - 1))); do
    entry="${order[$(((i + r) % n))]}"
    run_store "${entry%%:*}" "${entry#*:}"
  done
done
awk '{ for (i = 1; i <= NF; i++) if ($i == "req/s") v = $(i-1); sub(/^store /, ""); split($0, a, " ")
       name = a[1]; if (!(name in seen)) { seen[name] = 1; names[++n] = name }; k[name]++; r[name, k[name]] = v }
     END {
       for (j = 1; j <= n; j++) { nm = names[j]; c = k[nm]
         for (x = 1; x <= c; x++) for (y = x + 1; y <= c; y++) if (r[nm, y] < r[nm, x]) { t = r[nm, x]; r[nm, x] = r[nm, y]; r[nm, y] = t }
         best[nm] = r[nm, c]; med[nm] = r[nm, int((c + 1) / 2)] }
       for (j = 1; j <= n; j++) { nm = names[j]
         printf "%-10s best %8.0f req/s  median %8.0f req/s  %6.1f%% of Redis (best)\n", nm, best[nm], med[nm], 100 * best[nm] / best["redis"] } }' "$work/stores.out"

echo "== in process: the cached hot path per store, and a refresh's store time (go test -bench)"
go test -run '^$' -bench 'BenchmarkStore(CachedGet|Refresh)' -benchtime "${BENCH_GO_TIME:-2s}" -count "${BENCH_GO_COUNT:-1}" ./pkg/token 2>&1 | grep -E '^Benchmark|ms/refresh|^ok|FAIL' || true
