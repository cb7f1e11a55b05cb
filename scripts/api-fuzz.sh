#!/usr/bin/env bash
# API fuzz: schemathesis against the OpenAPI document of a real hub on a free loopback port, bounded in time.
#
#   scripts/api-fuzz.sh
#
# Starts `tern hub` (PGlite in a temporary directory; TERN_FUZZ_DB=postgres://… for PostgreSQL) with a
# fresh admin token, seeds a flow and an execution, and runs schemathesis with the checks
# not_a_server_error and response_schema_conformance for FUZZ_SECONDS (default 150), every operation
# except revokeToken (it would lock the fuzzer out). Exits non-zero on any 5xx, any response that does
# not match its documented schema, or a hub that stops answering; the last line says which.
#
# schemathesis (PyPI, version pinned below) is installed once into a venv under TERN_FUZZ_CACHE
# (default ~/.cache/tern); on Debian, python3-venv is installed with apt-get when the venv cannot be made.
# FUZZ_SEED (default 14) makes a run repeatable; FUZZ_WORKERS (default 1) sets the concurrency. One worker
# by default: with two, hypothesis can parse source in two threads at once, which Python 3.11's ast module
# does not survive ("SystemError: AST constructor recursion depth mismatch", a fuzzer fault, not the hub's).
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
FUZZ_SECONDS=${FUZZ_SECONDS:-150}
FUZZ_SEED=${FUZZ_SEED:-14}
FUZZ_WORKERS=${FUZZ_WORKERS:-1}
CACHE_DIR=${TERN_FUZZ_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tern}
VENV=$CACHE_DIR/schemathesis-$SCHEMATHESIS_VERSION
# Past this, whatever is still running is stopped: schemathesis' own budget plus loading and shrinking.
HARD_BOUND=$((FUZZ_SECONDS + 90))

log() { echo "api-fuzz: $*" >&2; }
finish() {
  echo "api-fuzz: $1"
  exit "$2"
}

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    finish "FAILED: need root (or sudo) to run: $*" 1
  fi
}

apt_install() {
  command -v apt-get >/dev/null || return 1
  log "installing $* with apt-get"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

# A venv with schemathesis, made once: Debian's python3 needs python3-venv (ensurepip) for `-m venv`.
# Made in place (a venv's scripts name its own path) and marked complete only once pip has finished.
ensure_schemathesis() {
  [[ -f $VENV/.complete ]] && "$VENV/bin/schemathesis" --version >/dev/null 2>&1 && return 0
  command -v python3 >/dev/null || apt_install python3 python3-venv || finish "FAILED: python3 is missing" 1
  rm -rf "$VENV"
  mkdir -p "$CACHE_DIR"
  if ! python3 -m venv "$VENV" >/dev/null 2>&1; then
    rm -rf "$VENV"
    apt_install python3-venv || finish "FAILED: python3 -m venv does not work and python3-venv cannot be installed" 1
    python3 -m venv "$VENV" || finish "FAILED: python3 -m venv does not work" 1
  fi
  log "installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" ||
    finish "FAILED: pip could not install schemathesis==$SCHEMATHESIS_VERSION" 1
  touch "$VENV/.complete"
}

ensure_schemathesis
[[ -f dist/cli/main.js ]] || npx tsc -p tsconfig.build.json

work=$(mktemp -d)
hub_pid=
cleanup() {
  if [[ -n $hub_pid ]] && kill -0 "$hub_pid" 2>/dev/null; then
    kill "$hub_pid" 2>/dev/null || true
    wait "$hub_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

random_text() { node -e 'process.stdout.write(require("node:crypto").randomBytes(24).toString("base64url"))'; }
port=$(node -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
token=tern_fuzz_$(random_text)
url=http://127.0.0.1:$port

db_args=()
[[ -n ${TERN_FUZZ_DB:-} ]] && db_args=(--db "$TERN_FUZZ_DB")
log "starting a hub on $url"
env -u DATABASE_URL TERN_ADMIN_TOKEN="$token" TERN_SECRET_KEY="$(random_text)" TERN_LOG_LEVEL=warn \
  node dist/cli/main.js hub --host 127.0.0.1 --port "$port" --mqtt-port 0 --data-dir "$work/hub" \
  "${db_args[@]}" >"$work/hub.log" 2>&1 &
hub_pid=$!

# Waits for /healthz, then seeds a flow (webhook trigger, typed inputs) and one ended execution, and
# prints the ids schemathesis is given so that operations on them reach past their 404.
seed=$(TERN_FUZZ_URL=$url TERN_FUZZ_TOKEN=$token node scripts/api-fuzz-seed.mjs) || {
  tail -n 20 "$work/hub.log" >&2
  finish "FAILED: the hub did not start (its log is above)" 1
}
execution_id=$(node -e 'console.log(JSON.parse(process.argv[1]).executionId)' "$seed")

cat >"$work/schemathesis.toml" <<EOF
headers = { Authorization = "Bearer ${token}" }
request-timeout = 15
max-stream-events = 2

[[operations]]
include-operation-id = ["getExecution", "getExecutionLogs", "followExecution", "killExecution", "restartExecution", "replayExecution"]
parameters = { "path.id" = "${execution_id}" }

[[operations]]
include-operation-id = ["getFlow", "listFlowRevisions"]
parameters = { "path.namespace" = "fuzz.seed", "path.id" = "hello" }

# What changes or deletes a flow gets one of its own: the webhooks below must keep finding theirs.
[[operations]]
include-operation-id = ["setFlowTriggerDisabled"]
parameters = { "path.namespace" = "fuzz.seed", "path.id" = "toggle", "path.triggerId" = "tick" }

[[operations]]
include-operation-id = ["putFlow", "deleteFlow"]
parameters = { "path.namespace" = "fuzz.scratch", "path.id" = "scratch" }

# The right key: wrong ones are limited per address (429), so only right ones reach the trigger's logic.
[[operations]]
include-operation-id = ["webhookGet", "webhookPost", "webhookPut"]
parameters = { "path.namespace" = "fuzz.seed", "path.flowId" = "hello", "path.key" = "fuzz-seed-webhook-key-0123" }

[[operations]]
include-operation-id = ["startExecution"]
parameters = { "path.namespace" = "fuzz.seed", "path.flowId" = "hello" }
EOF

log "fuzzing for ${FUZZ_SECONDS} s (seed ${FUZZ_SEED})"
status=0
(cd "$work" && timeout -k 15 "$HARD_BOUND" "$VENV/bin/schemathesis" --config-file "$work/schemathesis.toml" \
  run "$url/api/v1/openapi.json" \
  --checks not_a_server_error,response_schema_conformance \
  --exclude-operation-id revokeToken \
  --max-time "$FUZZ_SECONDS" --seed "$FUZZ_SEED" --workers "$FUZZ_WORKERS" \
  --no-color) | tee "$work/schemathesis.log" || status=$?

cases=$(grep -A1 '^Test cases:' "$work/schemathesis.log" | tail -n 1 | sed 's/^ *//' || true)
server_errors=$(grep -c '"msg":"request failed"' "$work/hub.log" || true)
if ! kill -0 "$hub_pid" 2>/dev/null; then
  tail -n 20 "$work/hub.log" >&2
  finish "FAILED: the hub stopped during the fuzz (its log is above); ${cases:-no test cases}" 1
fi
if ! TERN_FUZZ_URL=$url node -e 'fetch(`${process.env.TERN_FUZZ_URL}/api/v1/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))'; then
  finish "FAILED: the hub no longer answers /healthz after the fuzz; ${cases:-no test cases}" 1
fi
if ((server_errors > 0)); then
  grep '"msg":"request failed"' "$work/hub.log" | head -n 5 >&2
  finish "FAILED: the hub logged ${server_errors} failed requests (5xx; the first are above); ${cases:-no test cases}" 1
fi
((status == 124 || status == 137)) && finish "FAILED: schemathesis ran past ${HARD_BOUND} s and was stopped; ${cases:-no test cases}" 1
((status != 0)) && finish "FAILED: schemathesis found failures (listed above; exit ${status}); ${cases:-no test cases}" 1
finish "passed: no 5xx and every response as documented in ${FUZZ_SECONDS} s; ${cases:-no test cases}; the hub stayed up" 0
