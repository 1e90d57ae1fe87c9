#!/usr/bin/env bash
# Runs the official DashScope Python SDK, unmodified, through our relay: starts
# `keyframe-video simulator` and `keyframe-video relay --upstream <simulator>` on free loopback
# ports, runs scripts/sdk-compat-relay.py with the SDK on PYTHONPATH (its API key is a user id,
# the relay's development authentication), then stops both. Exits with the Python script's status.
#
#   DASHSCOPE_SDK_PATH=/path/to/dashscope-sdk-python bash scripts/sdk-compat-relay.sh
#
# DASHSCOPE_SDK_PATH  a checkout of github.com/dashscope/dashscope-sdk-python (never committed).
# PYTHON              the interpreter (default /usr/bin/python3; see scripts/sdk-compat.sh).
# SDK_CAPTURE         optional file to record the requests the SDK sent through the relay.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/sdk-compat-common.sh

sim_out="$(mktemp)"
relay_out="$(mktemp)"
sim=""
relay=""
stop() {
  [ -n "$relay" ] && kill -TERM "$relay" 2>/dev/null || true
  [ -n "$sim" ] && kill -TERM "$sim" 2>/dev/null || true
  [ -n "$relay" ] && wait "$relay" 2>/dev/null || true
  [ -n "$sim" ] && wait "$sim" 2>/dev/null || true
  rm -f "$sim_out" "$relay_out"
}
trap stop EXIT

start_simulator "$sim_out"
sim=$!
sim_url="$(first_url simulator "$sim_out" "$sim")" || exit 1

# The relay's own upstream key: the simulator accepts any key.
DASHSCOPE_API_KEY="sk-relay-sdk-compat" \
  node --import tsx src/cli.ts relay --port 0 --upstream "$sim_url" >"$relay_out" 2>/dev/null &
relay=$!
relay_url="$(first_url relay "$relay_out" "$relay")" || exit 1
# Wait for the banner's last line: the server is listening once it is printed.
for _ in $(seq 1 50); do grep -q 'Ctrl+C' "$relay_out" && break; sleep 0.1; done

status=0
run_sdk_script "$relay_url" "sdk-user-1" scripts/sdk-compat-relay.py || status=$?
exit "$status"
