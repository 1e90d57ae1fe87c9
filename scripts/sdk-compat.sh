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
# SDK_CAPTURE         optional file to record the requests the SDK sent (see sdk-compat.py).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${DASHSCOPE_SDK_PATH:-}" ] || [ ! -d "${DASHSCOPE_SDK_PATH}/dashscope" ]; then
  echo "Set DASHSCOPE_SDK_PATH to a checkout of https://github.com/dashscope/dashscope-sdk-python" >&2
  echo "(the directory that contains the 'dashscope' package)." >&2
  exit 2
fi
python="${PYTHON:-/usr/bin/python3}"

out="$(mktemp)"
# --speed 60: a task of 1-5 minutes takes 1-5 s, so the SDK's wait() finishes quickly.
node --import tsx src/cli.ts simulator --port 0 --speed 60 --seed 20250929 >"$out" 2>&1 &
server=$!
stop() {
  kill -TERM "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -f "$out"
}
trap stop EXIT

url=""
for _ in $(seq 1 100); do
  url="$(grep -m1 '^http://' "$out" || true)"
  [ -n "$url" ] && break
  if ! kill -0 "$server" 2>/dev/null; then
    cat "$out" >&2
    echo "The simulator did not start." >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "The simulator printed no URL within 10 s." >&2
  exit 1
fi

status=0
DASHSCOPE_HTTP_BASE_URL="$url" \
  DASHSCOPE_API_KEY="sk-simulator-sdk-compat" \
  PYTHONPATH="${DASHSCOPE_SDK_PATH}${PYTHONPATH:+:$PYTHONPATH}" \
  PYTHONDONTWRITEBYTECODE=1 \
  "$python" scripts/sdk-compat.py || status=$?
exit "$status"
