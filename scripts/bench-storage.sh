#!/usr/bin/env bash
# Storage budgets (issue 9), each measured beside its baseline in the same
# run and reported, never asserted:
#   - uploading a 1,000-file / 200 MB tree to the emulator: >= 4x faster than
#     one file at a time (--parallel 1), and within 2x of `cp -r` of the same
#     tree on the same disk (the emulator's data dir is beside the copy);
#   - re-deploying the unchanged tree with `tcb hosting deploy`: <= 1 s, with
#     nothing uploaded;
#   - a 1 GB file up and down: peak RSS of the client and of the emulator
#     <= 100 MiB (flat memory).
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d "${TMPDIR:-/tmp}/tcb-bench-storage.XXXXXX")"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

go build -trimpath -ldflags "-s -w" -o "$work/tcb" ./cmd/tcb
go build -o "$work/benchrun" ./scripts/benchrun
export TCB_CONFIG_DIR="$work/config"
tcb="$work/tcb"
bench() { "$work/benchrun" "$@"; }
ms() { printf '%s' $(( ($2 - $1) / 1000000 )); }

# start_emulator DIR: a persistent emulator with its data in DIR (on the
# same disk as the copies below); sets emu_pid and TCB_EMULATOR_HOST.
start_emulator() {
  "$tcb" emulator start --data-dir "$1" --listen 127.0.0.1:0 --json --latency 10ms >"$1.json" 2>/dev/null &
  emu_pid=$!
  pids+=("$emu_pid")
  for _ in $(seq 1 200); do [ -s "$1.json" ] && break; sleep 0.05; done
  export TCB_EMULATOR_HOST="$(sed -n 's/.*"host":"\([^"]*\)".*/\1/p' "$1.json")"
}
rss_mib() { awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo "n/a"; }

echo "== storage: 1,000 files / 200 MB (emulator data dir and cp -r target on the same disk)"
mkdir -p "$work/tree"
# 1,000 files of 1 KB to ~400 KB, 200 MB in all, in 10 x 7 directories.
awk 'BEGIN { srand(42); total = 0; for (i = 0; i < 1000; i++) { s[i] = 1024 + int(rand() * 400000); total += s[i] }
  for (i = 0; i < 1000; i++) printf "%d %d\n", i, int(s[i] * 209715200 / total) }' |
  while read -r i size; do
    d="$work/tree/d$((i % 10))/s$((i % 7))"
    mkdir -p "$d"
    head -c "$size" /dev/urandom >"$d/f$i.bin"
  done
echo "tree: $(find "$work/tree" -type f | wc -l) files, $(du -sm "$work/tree" | cut -f1) MB"
start_emulator "$work/emu"
"$tcb" env create benchfiles --use >/dev/null
sync
bench -n 3 -warmup 0 \
  -label "cp -r of the tree (baseline)" -label "tcb storage upload --parallel 1" -label "tcb storage upload (16 at once)" -- \
  sh -c "rm -rf '$work/copy' && exec cp -r '$work/tree' '$work/copy'" :: \
  sh -c "exec '$tcb' storage upload '$work/tree' serial/ --force --parallel 1 2>/dev/null" :: \
  sh -c "exec '$tcb' storage upload '$work/tree' parallel/ --force 2>/dev/null" | tee "$work/upload.txt"
awk '/--parallel 1/ { for (i = 1; i <= NF; i++) if ($i ~ /^median=/) { sub("median=", "", $i); sub("ms", "", $i); serial = $i } }
     /16 at once/   { for (i = 1; i <= NF; i++) if ($i ~ /^median=/) { sub("median=", "", $i); sub("ms", "", $i); par = $i } }
     END { if (par > 0) printf "%-40s %.2fx (budget: >= 4x)\n", "one at a time / 16 at once", serial / par }' "$work/upload.txt"
echo "(budget for the ratio of 16 at once to cp -r: <= 2x)"

echo "== hosting: re-deploying the unchanged 1,000-file site"
"$tcb" hosting deploy "$work/tree" --yes >/dev/null 2>&1
uploaded="$("$tcb" hosting deploy "$work/tree" --json --jq .uploaded 2>/dev/null)"
echo "files uploaded by a re-deploy: $uploaded (budget: 0)"
bench -n 11 -warmup 1 -label "tcb hosting deploy (unchanged, budget <= 1 s)" -- sh -c "exec '$tcb' hosting deploy '$work/tree' 2>/dev/null"
bench -n 3 -warmup 0 -label "tcb hosting deploy (unchanged, no checksum cache)" -- \
  sh -c "rm -rf '$TCB_CONFIG_DIR/cache' && exec '$tcb' hosting deploy '$work/tree' 2>/dev/null"

echo "== storage: a 1 GB file up and down (peak RSS budget: 100 MiB each)"
kill -TERM "$emu_pid" 2>/dev/null && wait "$emu_pid" 2>/dev/null || true
rm -rf "$work/emu" "$work/copy"
start_emulator "$work/emu1g"
"$tcb" env create benchbig --use >/dev/null
head -c 1073741824 /dev/urandom >"$work/big.bin"
echo "emulator peak RSS before: $(rss_mib "$emu_pid") MiB"
bench -n 1 -warmup 0 -label "tcb storage upload (1 GB, 16 MB parts)" -- sh -c "exec '$tcb' storage upload '$work/big.bin' big.bin 2>/dev/null"
bench -n 1 -warmup 0 -label "tcb storage download (1 GB)" -- sh -c "exec '$tcb' storage download big.bin '$work/big.out' 2>/dev/null"
echo "emulator peak RSS after: $(rss_mib "$emu_pid") MiB"
cmp -s "$work/big.bin" "$work/big.out" && echo "1 GB round trip: identical" || echo "1 GB round trip: DIFFERENT"
t0=$(date +%s%N); cp "$work/big.bin" "$work/big.cp"; t1=$(date +%s%N)
echo "cp of the 1 GB file (baseline): $(ms "$t0" "$t1") ms"
