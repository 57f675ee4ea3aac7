#!/usr/bin/env bash
# The whole test suite: formatting, vet, then every package's tests
# (unit, fuzz seeds, end-to-end scripts driving the built binary against the
# emulator, a real redis-server, PostgreSQL, MariaDB, real node and headless
# Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in node redis-server; do
  command -v "$tool" >/dev/null || { echo "scripts/test.sh: $tool is required (see .ci/run)" >&2; exit 1; }
done
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null ||
  { echo "scripts/test.sh: PostgreSQL (initdb) is required (see .ci/run)" >&2; exit 1; }
command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] ||
  { echo "scripts/test.sh: MariaDB (mariadbd) is required (see .ci/run)" >&2; exit 1; }
command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null ||
  { echo "scripts/test.sh: Chromium is required for the console and hosting tests (see .ci/run)" >&2; exit 1; }

unformatted="$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*'))"
if [ -n "$unformatted" ]; then
  echo "gofmt needed on:" >&2
  echo "$unformatted" >&2
  exit 1
fi
go vet ./...
go test -count=1 -timeout 20m "$@" ./...
