#!/usr/bin/env bash
# Runs the official DashScope Python SDK, unmodified, against our simulator: starts
# `keyframe-video simulator` on a free loopback port, runs scripts/sdk-compat.py with the SDK on
# PYTHONPATH, then stops the server. Exits with the Python script's status.
#
#   DASHSCOPE_SDK_PATH=/path/to/dashscope-sdk-python bash scripts/sdk-compat.sh
#
# DASHSCOPE_SDK_PATH  a checkout of github.com/dashscope/dashscope-sdk-python (the directory
#                     that holds the `dashscope` package); never committed here.
# PYTHON              the interpreter (default /usr/bin/python3; it needs requests, aiohttp,
#                     websocket-client, cryptography and certifi — on Debian: python3-requests,
#                     python3-aiohttp, python3-websocket, python3-cryptography, python3-certifi).
# SDK_CAPTURE         optional file to record the requests the SDK sent (see sdk_compat_common.py).
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/sdk-compat-common.sh

out="$(mktemp)"
start_simulator "$out"
server=$!
stop() {
  kill -TERM "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -f "$out"
}
trap stop EXIT

url="$(first_url simulator "$out" "$server")" || exit 1

status=0
run_sdk_script "$url" "sk-simulator-sdk-compat" scripts/sdk-compat.py || status=$?
exit "$status"
