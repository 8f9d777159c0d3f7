#!/usr/bin/env bash
# Runs the whole platform on this machine (what `make run` does after building):
#   moto_server (local S3, SQS, DynamoDB) → lectern dev bootstrap → lectern-api (+ the portal) → lectern dev workers.
# Prints the portal's URL and sign-in tokens; Ctrl-C (or SIGTERM) stops everything: the workers drain, then the API,
# then moto. Nothing survives: moto keeps its state in memory and the token secret is new every run.
#
# Overrides: MOTO_PORT (4566), API_PORT (8080), API_METRICS_PORT (9101, the API's /metrics on loopback), WORKERS (most workers, 2), LECTERN_BIN_DIR (.build/release),
# LECTERN_LOG_DIR (.local/logs). Anything else the API or worker reads (LOG_LEVEL, LECTERN_*) passes through.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${LECTERN_BIN_DIR:-$repo/.build/release}
moto_port=${MOTO_PORT:-4566}
api_port=${API_PORT:-8080}
api_metrics_port=${API_METRICS_PORT:-9101}
workers=${WORKERS:-2}
logs=${LECTERN_LOG_DIR:-$repo/.local/logs}

say() { printf 'run-local: %s\n' "$*"; }
die() { printf 'run-local: %s\n' "$*" >&2; stop_all; exit 1; }

for tool in lectern lectern-api lectern-worker; do
    [[ -x $bin/$tool ]] || { say "missing $bin/$tool: run \`make run\` (or swift build -c release) first" >&2; exit 1; }
done
command -v moto_server >/dev/null || { say "moto_server is not installed: run scripts/install-deps.sh" >&2; exit 1; }

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port_taken "$moto_port" && { say "port $moto_port (MOTO_PORT) is already in use; stop what holds it or run with MOTO_PORT=<free port>" >&2; exit 1; }
port_taken "$api_port" && { say "port $api_port (API_PORT) is already in use; stop what holds it or run with API_PORT=<free port>" >&2; exit 1; }
port_taken "$api_metrics_port" && { say "port $api_metrics_port (API_METRICS_PORT) is already in use; stop what holds it or run with API_METRICS_PORT=<free port>" >&2; exit 1; }

mkdir -p "$logs"
moto_pid='' api_pid='' workers_pid='' sleeper=''

# Sends SIGTERM to one child and waits up to $2 seconds for it (then SIGKILL), so nothing is left behind.
stop_one() {
    local pid=$1 name=$2 timeout=$3
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    local waited=0
    while kill -0 "$pid" 2>/dev/null && (( waited < timeout * 10 )); do sleep 0.1; waited=$((waited + 1)); done
    if kill -0 "$pid" 2>/dev/null; then
        say "$name did not stop within ${timeout}s; killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

stopping=''
stop_all() {
    [[ -n $stopping ]] && return 0
    stopping=1
    trap '' INT TERM
    [[ -n $sleeper ]] && kill "$sleeper" 2>/dev/null || true
    # Workers first (they drain their jobs against the API's queue and moto), then the API, then moto.
    stop_one "$workers_pid" "the worker pool" 60
    stop_one "$api_pid" "lectern-api" 30
    stop_one "$moto_pid" "moto_server" 10
}

on_signal() { say "stopping…"; stop_all; say "stopped"; exit 0; }
trap on_signal INT TERM
trap stop_all EXIT

moto_server -H 127.0.0.1 -p "$moto_port" >"$logs/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "http://127.0.0.1:$moto_port/moto-api/" 2>/dev/null && break
    kill -0 "$moto_pid" 2>/dev/null || die "moto_server exited at start; see $logs/moto.log"
    sleep 0.2
done
curl -fsS -o /dev/null "http://127.0.0.1:$moto_port/moto-api/" || die "moto_server did not answer on port $moto_port; see $logs/moto.log"
say "moto_server (S3, SQS, DynamoDB) on http://127.0.0.1:$moto_port"

export AWS_ACCESS_KEY_ID=lectern-local AWS_SECRET_ACCESS_KEY=lectern-local
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_ENDPOINT_URL="http://127.0.0.1:$moto_port"
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL_S3 AWS_ENDPOINT_URL_SQS AWS_ENDPOINT_URL_DYNAMODB
LECTERN_JWT_SECRET=$(head -c 48 /dev/urandom | base64 | tr -d '\n/+=')
export LECTERN_JWT_SECRET
# The key that signs playback grants: generated like the token secret rather than derived from it, so the two keys
# stay as unrelated as they are in a deployment (there the grant key is its own secret and tokens come from a JWKS).
LECTERN_PLAYBACK_KEY=$(head -c 32 /dev/urandom | base64 | tr -d '\n')
export LECTERN_PLAYBACK_KEY

portal_origin="http://localhost:$api_port"
exports=$("$bin/lectern" dev bootstrap --cors-origin "$portal_origin" --cors-origin "http://127.0.0.1:$api_port" \
    --course-name "DEMO101=Demonstration Lectures 101" 2>>"$logs/bootstrap.log") \
    || die "lectern dev bootstrap failed; see $logs/bootstrap.log"
eval "$exports"

PORT=$api_port METRICS_PORT=$api_metrics_port LECTERN_PORTAL_DIR="$repo/Portal" LECTERN_CORS_ORIGIN="$portal_origin" \
    "$bin/lectern-api" >>"$logs/api.log" 2>&1 &
api_pid=$!

"$bin/lectern" dev workers --min 0 --max "$workers" --worker "$bin/lectern-worker" --log-dir "$logs" \
    >>"$logs/workers.log" 2>&1 &
workers_pid=$!

for _ in $(seq 1 150); do
    curl -fsS -o /dev/null "http://127.0.0.1:$api_port/readyz" 2>/dev/null && break
    kill -0 "$api_pid" 2>/dev/null || die "lectern-api exited at start; see $logs/api.log"
    sleep 0.2
done
curl -fsS -o /dev/null "http://127.0.0.1:$api_port/readyz" || die "lectern-api is not ready on port $api_port; see $logs/api.log"

token() { "$bin/lectern" dev token --ttl 12h "$@"; }
professor=$(token --role professor --user alice --name "Alice (professor)" --course DEMO101)
student=$(token --role student --user bob --name "Bob (student)" --course DEMO101)
ops=$(token --role ops --user olivia --name "Olivia (ops)")

cat <<INFO

  Lectern is running.

  Portal:  $portal_origin/
  API:     $portal_origin/v1   (OpenAPI at /v1/openapi.json, health at /healthz and /readyz)
  Metrics: http://127.0.0.1:$api_metrics_port/metrics   (the API's; loopback only, never on port $api_port)
  Workers: 0…$workers lectern-worker processes, started as jobs arrive
  Logs:    $logs/{moto,api,workers,worker-N,bootstrap}.log

  Sign-in tokens (valid 12 h, only for this run):
    professor of DEMO101 (alice):
      $professor
    student of DEMO101 (bob):
      $student
    ops (olivia):
      $ops

  Try it: $bin/lectern demo --api $portal_origin --token <the professor token>
  Ctrl-C stops everything.

INFO

# Wait for a signal; if a child dies on its own, say which and stop the rest.
while true; do
    for entry in "moto_server:$moto_pid" "lectern-api:$api_pid" "the worker pool:$workers_pid"; do
        pid=${entry##*:}
        if ! kill -0 "$pid" 2>/dev/null; then
            # Ctrl-C reaches the whole foreground group: a child may stop a moment before our trap runs.
            sleep 0.5 & sleeper=$!; wait "$sleeper" || true
            die "${entry%:*} exited unexpectedly; see the logs in $logs"
        fi
    done
    sleep 1 &
    sleeper=$!
    wait "$sleeper" || true
done
