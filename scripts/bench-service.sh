#!/usr/bin/env bash
# Benchmark of the HTTP access service budget (issue 10): a warm request
# through the emulator's gateway to a trivial event function, over
# loopback: p50 <= 5 ms, p99 <= 20 ms, >= 1,500 req/s on 2 cores. Beside it,
# in the same run, a constant Go HTTP server (scripts/loadgen const, the
# ceiling). Numbers are reported, never asserted.
#
# Load generator: scripts/loadgen on the same machine (closed loop for
# throughput, then open loop at BENCH_RATE for latency without coordinated
# omission). The closed loops also report CPU time per request (user +
# system, from /proc) of the emulator, of its node processes and of the
# constant server: on a machine shared with other jobs it moves less than
# the rates do. Environment: BENCH_DURATION (default 10s), BENCH_CONNS
# (default 8), BENCH_RATE (default 1500).
set -euo pipefail
cd "$(dirname "$0")/.."
dur="${BENCH_DURATION:-10s}"
conns="${BENCH_CONNS:-8}"
rate="${BENCH_RATE:-1500}"
work="$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/tcb-bench-service.XXXXXX")"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# BENCH_TCB: a tcb binary to measure instead of building one.
if [ -n "${BENCH_TCB:-}" ]; then tcb="$BENCH_TCB"; else go build -trimpath -o "$work/tcb" ./cmd/tcb; tcb="$work/tcb"; fi
go build -o "$work/loadgen" ./scripts/loadgen
export TCB_CONFIG_DIR="$work/config"
wait_for() { # FILE PATTERN
  for _ in $(seq 1 200); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
  echo "timed out waiting for $2 in $1" >&2; cat "$1" >&2; exit 1
}

"$tcb" emulator start --data-dir "$work/emu" --listen 127.0.0.1:0 --json --latency 10ms --no-ui >"$work/emu.json" 2>"$work/emu.log" &
pids+=($!)
emu_pid=$!
wait_for "$work/emu.json" '"host"'
export TCB_EMULATOR_HOST="$(sed -n 's/.*"host":"\([^"]*\)".*/\1/p' "$work/emu.json")"
env_id="$("$tcb" env create benchsvc --use --json | sed -n 's/.*"EnvId": *"\([^"]*\)".*/\1/p')"

mkdir -p "$work/proj/functions/hello"
cat >"$work/proj/functions/hello/index.js" <<'JS'
exports.main = async (event) => ({ ok: true, path: event.path })
JS
cat >"$work/proj/cloudbaserc.json" <<JSON
{"version": "2.0", "envId": "$env_id", "functionRoot": "functions",
 "functions": [{"name": "hello", "runtime": "Nodejs18.15", "handler": "index.main", "timeout": 10, "path": "/hello"}]}
JSON
(cd "$work/proj" && "$tcb" fn deploy hello --force >/dev/null 2>&1)

"$work/loadgen" const -listen 127.0.0.1:0 >"$work/const.out" &
pids+=($!)
const_pid=$!
wait_for "$work/const.out" '^listening'
const_addr="$(sed -n 's/^listening //p' "$work/const.out")"

svc_url="http://$TCB_EMULATOR_HOST/_service/$env_id/hello"
const_url="http://$const_addr/hello"
curl -fsS "$svc_url" >/dev/null
# Warm up: as many warm instances as connections.
"$work/loadgen" run -url "$svc_url" -c "$conns" -d 2s -label warmup >/dev/null

# CPU time (user+system, clock ticks) of a process and of all its
# descendants (Linux /proc; 0 elsewhere).
cpu_ticks() { # PID -> "own descendants"
  awk -v root="$1" '
    function stat(pid,   line, f, n) {
      if ((getline line < ("/proc/" pid "/stat")) <= 0) return 0
      close("/proc/" pid "/stat")
      sub(/^.*\) /, "", line); n = split(line, f, " ")
      return f[12] + f[13]
    }
    function kids(pid,   cmd, c, t, i, n, a, sum) {
      sum = 0
      cmd = "cat /proc/" pid "/task/*/children 2>/dev/null"
      while ((cmd | getline c) > 0) { n = split(c, a, " "); for (i = 1; i <= n; i++) sum += stat(a[i]) + kids(a[i]) }
      close(cmd)
      return sum
    }
    BEGIN { print stat(root), kids(root) }'
}

echo "== HTTP access service -> trivial event function ($(nproc) cores, loopback, load generator on the same machine, $dur each)"
tck="$(getconf CLK_TCK 2>/dev/null || echo 100)"
per_request() { # LABEL OWN_TICKS CHILD_TICKS RUN_OUTPUT
  local n
  n="$(sed -n 's/.* n=\([0-9]*\) .*/\1/p' "$4")"
  [ -n "$n" ] && [ "$n" -gt 0 ] || return 0
  awk -v l="$1" -v e="$2" -v d="$3" -v n="$n" -v t="$tck" 'BEGIN {
    printf "  CPU per request: %s %.0f us", l, e * 1e6 / t / n
    if (d != "-") printf ", its node processes %.0f us", d * 1e6 / t / n
    printf "\n" }'
}
read -r emu0 node0 < <(cpu_ticks "$emu_pid")
"$work/loadgen" run -url "$svc_url" -c "$conns" -d "$dur" -label "gateway -> function (closed loop)" | tee "$work/closed.out"
read -r emu1 node1 < <(cpu_ticks "$emu_pid")
per_request "emulator (Go)" $((emu1 - emu0)) $((node1 - node0)) "$work/closed.out"
read -r c0 _ < <(cpu_ticks "$const_pid")
"$work/loadgen" run -url "$const_url" -c "$conns" -d "$dur" -label "constant Go HTTP server (closed loop)" | tee "$work/const-closed.out"
read -r c1 _ < <(cpu_ticks "$const_pid")
per_request "constant server" $((c1 - c0)) - "$work/const-closed.out"
"$work/loadgen" run -url "$svc_url" -c "$conns" -d "$dur" -rate "$rate" -label "gateway -> function (at $rate/s)"
"$work/loadgen" run -url "$const_url" -c "$conns" -d "$dur" -rate "$rate" -label "constant Go HTTP server (at $rate/s)"
echo "budget: p50 <= 5 ms, p99 <= 20 ms, >= 1,500 req/s"
