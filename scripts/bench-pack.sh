#!/usr/bin/env bash
# Compare tcb's function packaging (pkg/funcpack) with Info-ZIP `zip -qr` on
# the same generated tree: 10,000 files / 100 MB, mixed source-like text and
# random bytes. Prints both wall times. Not a pass/fail test.
#
# Usage: scripts/bench-pack.sh [runs]    (default 3 runs of each)
set -euo pipefail

runs=${1:-3}
repo=$(cd "$(dirname "$0")/.." && pwd)
command -v zip >/dev/null || { echo "bench-pack: zip (Info-ZIP) is not installed" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/tcb-bench-pack.XXXXXX")
trap 'rm -rf "$work"' EXIT
tree="$work/tree"

echo "generating tree in $tree ..."
(cd "$repo" && TCB_BENCH_TREE_OUT="$tree" go test -count=1 -run '^TestGenerateBenchTree$' ./pkg/funcpack >/dev/null)
files=$(find "$tree" -type f | wc -l)
bytes=$(du -sb "$tree" | cut -f1)
echo "tree: $files files, $bytes bytes (apparent size incl. directories)"

# Compile the benchmark binary first so compilation is not timed.
(cd "$repo" && go test -c -o "$work/funcpack.test" ./pkg/funcpack)

now() { date +%s.%N; }

zip_times=()
for i in $(seq "$runs"); do
	rm -f "$work/zip.zip"
	t0=$(now)
	(cd "$tree" && zip -qr "$work/zip.zip" .)
	t1=$(now)
	zip_times+=("$(echo "$t1 - $t0" | bc)")
done
zip_size=$(stat -c %s "$work/zip.zip")

go_out=$(cd "$repo/pkg/funcpack" && TCB_BENCH_TREE="$tree" "$work/funcpack.test" \
	-test.run '^$' -test.bench '^BenchmarkPackLargeTree$' -test.benchtime="${runs}x" -test.count=1)
echo "$go_out" | grep -E '^Benchmark' || { echo "$go_out"; exit 1; }
go_ns=$(echo "$go_out" | awk '/^BenchmarkPackLargeTree/ {print $3; exit}')
go_zip=$(echo "$go_out" | awk '/^BenchmarkPackLargeTree/ {for (i=1;i<=NF;i++) if ($i=="zipbytes") print $(i-1)}')
go_s=$(echo "scale=3; $go_ns / 1000000000" | bc)

best() { printf '%s\n' "$@" | sort -n | head -1; }
printf '\n%-28s %10s %14s\n' "packager ($(nproc) cores)" "seconds" "zip bytes"
printf '%-28s %10.3f %14s   (best of %s: %s)\n' "zip -qr (Info-ZIP)" "$(best "${zip_times[@]}")" "$zip_size" "$runs" "${zip_times[*]}"
printf '%-28s %10.3f %14s   (mean of %s)\n' "tcb funcpack.Pack" "$go_s" "$go_zip" "$runs"
