#!/usr/bin/env bash
# The quick start: build tcb, start an ephemeral emulator on a free port, and
# run the main job against it — log in, create an environment, list it and
# show it. Nothing outside a temp dir is touched; the emulator is stopped on
# exit whatever happens.
set -euo pipefail

cd "$(dirname "$0")/.."
work="$(mktemp -d "${TMPDIR:-/tmp}/tcb-demo.XXXXXX")"
emu_pid=""
cleanup() {
  if [ -n "$emu_pid" ] && kill -0 "$emu_pid" 2>/dev/null; then
    kill -TERM "$emu_pid" 2>/dev/null || true
    wait "$emu_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "Building tcb"
go build -o "$work/bin/tcb" ./cmd/tcb
export PATH="$work/bin:$PATH"
export TCB_CONFIG_DIR="$work/config"
unset TENCENTCLOUD_SECRETID TENCENTCLOUD_SECRETKEY TENCENTCLOUD_SESSIONTOKEN TCB_ENV_ID TCB_PROFILE TCB_WX_APPID TCB_WX_SECRET || true
tcb --version

step "Starting the emulator (ephemeral, free port)"
tcb emulator start --ephemeral --listen 127.0.0.1:0 --json >"$work/emulator.json" 2>"$work/emulator.log" &
emu_pid=$!
for _ in $(seq 1 100); do
  [ -s "$work/emulator.json" ] && break
  kill -0 "$emu_pid" 2>/dev/null || { cat "$work/emulator.log" >&2; exit 1; }
  sleep 0.05
done
host="$(sed -n 's/.*"host":"\([^"]*\)".*/\1/p' "$work/emulator.json")"
[ -n "$host" ] || { echo "emulator did not report its address" >&2; cat "$work/emulator.log" >&2; exit 1; }
echo "emulator at http://$host"
export TCB_EMULATOR_HOST="$host"
secret_id="$(sed -n 's/.*"secret_id":"\([^"]*\)".*/\1/p' "$work/emulator.json")"
secret_key="$(sed -n 's/.*"secret_key":"\([^"]*\)".*/\1/p' "$work/emulator.json")"

step "Logging in with the emulator's development keys"
printf '$ tcb login --secret-id %s --secret-key **** --region ap-shanghai\n' "$secret_id"
tcb login --secret-id "$secret_id" --secret-key "$secret_key" --region ap-shanghai

step "Creating an environment (waits until it is NORMAL)"
env_id="$(tcb env create demo --use)"
echo "$env_id"

step "Listing environments"
run tcb env list

step "Showing the environment"
run tcb env info "$env_id"

step "Deploying the example project's functions (parallel, npm dependency installed on deploy)"
cp -R examples/hello-cloudbase "$work/project"
rm -rf "$work/project/functions/sum/node_modules"
(cd "$work/project" && run tcb fn deploy --all --force)

step "Invoking functions"
(cd "$work/project" && run tcb fn invoke hello && run tcb fn invoke sum --params '{"numbers":[1,2,3.5,"x"]}')

step "Getting the WeChat access_token (cached; a second call makes no network request)"
token="$(tcb token get)"
echo "got a token of ${#token} characters (not shown)"
run tcb token status

step "Using the document database"
run tcb db collection create todos
run tcb db add todos --data '[{"title":"write docs","done":false,"due":{"$date":"2026-12-01T00:00:00Z"}},{"title":"ship","done":true}]'
run tcb db query 'db.collection("todos").where({done: false}).orderBy("due", "asc").get()'
run tcb db count todos

step "Done"
echo "The emulator stops now; its temporary data is removed."
