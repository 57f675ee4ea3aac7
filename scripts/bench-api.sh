#!/usr/bin/env bash
# Overhead of `tcb api` over the bare signed call (issue 10 budget: ≤ 10 ms).
# Starts an ephemeral emulator with one environment, then runs, interleaved
# (scripts/benchrun): the bare call (scripts/benchcall: the same signed
# DescribeEnvs from a minimal Go program), `tcb api tcb DescribeEnvs`, and
# `tcb env list --json` (the typed command making the same call). Prints
# each median with its ratio to the bare call, then the in-process
# benchmark (pkg/cmd/api BenchmarkAPIOverhead), which leaves process
# startup out. Not a pass/fail test.
#
# Usage: scripts/bench-api.sh [runs]    (default 41)
set -euo pipefail

runs=${1:-41}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/tcb-bench-api.XXXXXX")
emu_pid=
cleanup() {
	[ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null && wait "$emu_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

(cd "$repo" && go build -o "$work/tcb" ./cmd/tcb && go build -o "$work/benchcall" ./scripts/benchcall && go build -o "$work/benchrun" ./scripts/benchrun)

export TCB_CONFIG_DIR="$work/config"
"$work/tcb" emulator start --ephemeral --listen 127.0.0.1:0 --json --latency 0s --no-ui >"$work/emu.json" 2>"$work/emu.log" &
emu_pid=$!
for _ in $(seq 100); do
	[ -s "$work/emu.json" ] && break
	sleep 0.1
done
host=$(sed -n 's/.*"host":"\([^"]*\)".*/\1/Ip' "$work/emu.json" | head -1)
[ -n "$host" ] || { echo "bench-api: the emulator did not start" >&2; cat "$work/emu.log" >&2; exit 1; }
export TCB_EMULATOR_HOST=$host
"$work/tcb" env create benchapi --json >/dev/null

echo "emulator at $host; $runs interleaved runs of each"
"$work/benchrun" -n "$runs" -label bare-call -label "tcb api" -label "tcb env list" -- \
	"$work/benchcall" -endpoint "http://$host" tcb DescribeEnvs :: \
	"$work/tcb" api tcb DescribeEnvs :: \
	"$work/tcb" env list --json

echo
echo "in process (no process startup): the bare call vs tcb api's whole Run"
(cd "$repo" && go test -run '^$' -bench '^BenchmarkAPIOverhead$' -benchtime 300x -count 1 ./pkg/cmd/api | grep -E '^Benchmark')
