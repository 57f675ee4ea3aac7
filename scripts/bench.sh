#!/usr/bin/env bash
# Measure the performance budgets named in the issues. Timings are reported,
# never asserted: machines here are shared and noisy.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d "${TMPDIR:-/tmp}/tcb-bench.XXXXXX")"
emu_pid=""
cleanup() {
  [ -n "$emu_pid" ] && kill -TERM "$emu_pid" 2>/dev/null && wait "$emu_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

go build -trimpath -ldflags "-s -w" -o "$work/tcb" ./cmd/tcb
go build -o "$work/benchrun" ./scripts/benchrun
export TCB_CONFIG_DIR="$work/config"
tcb="$work/tcb"
bench() { "$work/benchrun" "$@"; }

echo "== CLI startup"
bench -n 50 -label "tcb --version" -- "$tcb" --version

echo "== emulator"
go test -run '^$' -bench 'BenchmarkStartToHealthy' -benchtime 50x ./pkg/emulator/ | grep Benchmark
"$tcb" emulator start --ephemeral --listen 127.0.0.1:0 --json --latency 0s >"$work/emu.json" 2>/dev/null &
emu_pid=$!
for _ in $(seq 1 100); do [ -s "$work/emu.json" ] && break; sleep 0.05; done
export TCB_EMULATOR_HOST="$(sed -n 's/.*"host":"\([^"]*\)".*/\1/p' "$work/emu.json")"
for i in 1 2 3; do "$tcb" env create "bench$i" >/dev/null; done
bench -n 50 -label "tcb env list (3 envs, emulator)" -- "$tcb" env list

if [ -x scripts/bench-pack.sh ]; then
  echo "== packaging"
  scripts/bench-pack.sh
fi
