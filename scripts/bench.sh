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
go build -trimpath -ldflags "-s -w" -o "$work/benchbase" ./scripts/benchbase
go build -o "$work/benchrun" ./scripts/benchrun
export TCB_CONFIG_DIR="$work/config"
tcb="$work/tcb"
bench() { "$work/benchrun" "$@"; }

# Startup is compared with a minimal cobra program built the same way
# (scripts/benchbase), in interleaved runs; the ratios are what matter
# (budget: --version within 1.3x, env list on the emulator within 1.5x).
base="$work/benchbase"
echo "== CLI startup (ratios to a minimal cobra program)"
bench -n 51 -label "cobra baseline --version" -label "tcb --version" -- "$base" --version :: "$tcb" --version

echo "== emulator"
go test -run '^$' -bench 'BenchmarkStartToHealthy' -benchtime 50x ./pkg/emulator/ | grep Benchmark
"$tcb" emulator start --ephemeral --listen 127.0.0.1:0 --json --latency 500ms >"$work/emu.json" 2>/dev/null &
emu_pid=$!
for _ in $(seq 1 100); do [ -s "$work/emu.json" ] && break; sleep 0.05; done
export TCB_EMULATOR_HOST="$(sed -n 's/.*"host":"\([^"]*\)".*/\1/p' "$work/emu.json")"
for i in 1 2 3; do "$tcb" env create "bench$i" >/dev/null; done
bench -n 51 -label "cobra baseline list" -label "tcb env list (3 envs, emulator)" -- "$base" list :: "$tcb" env list

echo "== functions (emulator latency 500ms, as real async states)"
"$tcb" env create fnbench --use >/dev/null
mkdir -p "$work/fns"
cfg='{"version":"2.0","functionDefaultConfig":{"runtime":"Nodejs18.15","installDependency":false},"functions":['
for i in $(seq 1 10); do
  mkdir -p "$work/fns/functions/f$i"
  printf 'exports.main = async (e) => ({ n: %d, echo: e });\n' "$i" >"$work/fns/functions/f$i/index.js"
  [ "$i" -gt 1 ] && cfg="$cfg,"
  cfg="$cfg{\"name\":\"f$i\"}"
done
echo "$cfg]}" >"$work/fns/cloudbaserc.json"
mkdir -p "$work/one/functions/solo" && cp "$work/fns/functions/f1/index.js" "$work/one/functions/solo/"
t0=$(date +%s%N); (cd "$work/one" && "$tcb" fn deploy solo >/dev/null 2>&1); t1=$(date +%s%N)
(cd "$work/fns" && "$tcb" fn deploy --all --parallel 10 >/dev/null 2>&1); t2=$(date +%s%N)
printf '%-40s %.0f ms\n' "tcb fn deploy (1 new function)" "$(( (t1-t0)/1000000 ))"
printf '%-40s %.0f ms\n' "tcb fn deploy --all (10 new functions)" "$(( (t2-t1)/1000000 ))"
"$tcb" fn invoke f1 >/dev/null 2>&1
bench -n 50 -label "tcb fn invoke (warm, trivial)" -- "$tcb" fn invoke f1

# A function doing one indexed get() through wx-server-sdk (npm install on
# deploy), warm: the whole path CLI -> scf Invoke -> node -> /admin -> docdb.
mkdir -p "$work/sdk/functions/sdkget"
printf '{"private":true,"dependencies":{"wx-server-sdk":"4.0.2"}}\n' >"$work/sdk/functions/sdkget/package.json"
cat >"$work/sdk/functions/sdkget/index.js" <<'JS'
const cloud = require('wx-server-sdk')
cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV })
const db = cloud.database()
exports.main = async () => (await db.collection('bench_sdk').doc('one').get()).data
JS
echo '{"version":"2.0","functions":[{"name":"sdkget","runtime":"Nodejs18.15","installDependency":true,"timeout":10}]}' >"$work/sdk/cloudbaserc.json"
"$tcb" db collection create bench_sdk >/dev/null
"$tcb" db add bench_sdk --data '{"_id":"one","v":1}' >/dev/null
if (cd "$work/sdk" && "$tcb" fn deploy sdkget --yes >/dev/null 2>&1) && "$tcb" fn invoke sdkget >/dev/null 2>&1; then
  bench -n 50 -label "tcb fn invoke (warm, wx-server-sdk get())" -- "$tcb" fn invoke sdkget
else
  echo "tcb fn invoke (warm, wx-server-sdk get()): skipped, the npm registry is not reachable"
fi

echo "== database"
go test -run '^$' -bench 'Benchmark(QueryByID|SDKGetByID|IndexedEquality|UnindexedEquality|ExportPaging)$' -benchtime 10x ./pkg/emulator/docdb/ 2>/dev/null | grep -E '^Benchmark' || true
"$tcb" db collection create big >/dev/null
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "{\"_id\":\"doc%06d\",\"n\":%d,\"owner\":\"user%d\",\"done\":%s,\"title\":\"item %d of the benchmark collection\"}\n", i, i, i % 100, (i % 3 == 0 ? "true" : "false"), i }' >"$work/big.jsonl"
t0=$(date +%s%N); "$tcb" db import "$work/big.jsonl" --collection big >/dev/null 2>&1; t1=$(date +%s%N)
printf '%-40s %.0f ms\n' "tcb db import (100,000 documents)" "$(( (t1-t0)/1000000 ))"
bench -n 3 -warmup 1 -label "tcb db export (100,000 documents)" -- sh -c "\"$tcb\" db export big --out \"$work/out.jsonl\""
echo "exported lines: $(wc -l <"$work/out.jsonl")"

if [ -x scripts/bench-pack.sh ]; then
  echo "== packaging"
  scripts/bench-pack.sh
fi

if [ -x scripts/bench-storage.sh ]; then
  scripts/bench-storage.sh
fi
