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

if [ -z "${DASHSCOPE_SDK_PATH:-}" ] || [ ! -d "${DASHSCOPE_SDK_PATH}/dashscope" ]; then
  echo "Set DASHSCOPE_SDK_PATH to a checkout of https://github.com/dashscope/dashscope-sdk-python" >&2
  echo "(the directory that contains the 'dashscope' package)." >&2
  exit 2
fi
python="${PYTHON:-/usr/bin/python3}"

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

# Prints the first line of $1 matching $2 once the process $3 has written it (10 s at most).
first_url() {
  local file="$1" pattern="$2" pid="$3" url=""
  for _ in $(seq 1 100); do
    url="$(grep -m1 "$pattern" "$file" || true)"
    if [ -n "$url" ]; then echo "$url"; return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then cat "$file" >&2; return 1; fi
    sleep 0.1
  done
  cat "$file" >&2
  return 1
}

# --speed 60: a task of 1-5 minutes takes 1-5 s, so the SDK's wait() finishes quickly.
node --import tsx src/cli.ts simulator --port 0 --speed 60 --seed 20250929 >"$sim_out" 2>&1 &
sim=$!
sim_url="$(first_url "$sim_out" '^http://' "$sim")" || { echo "The simulator did not start." >&2; exit 1; }

# The relay's own upstream key: the simulator accepts any key.
DASHSCOPE_API_KEY="sk-relay-sdk-compat" \
  node --import tsx src/cli.ts relay --port 0 --upstream "$sim_url" >"$relay_out" 2>/dev/null &
relay=$!
relay_url="$(first_url "$relay_out" '^http://' "$relay")" || { echo "The relay did not start." >&2; exit 1; }
# Wait for the banner's last line: the server is listening once it is printed.
for _ in $(seq 1 50); do grep -q 'Ctrl+C' "$relay_out" && break; sleep 0.1; done

status=0
DASHSCOPE_HTTP_BASE_URL="$relay_url" \
  DASHSCOPE_API_KEY="sdk-user-1" \
  PYTHONPATH="${DASHSCOPE_SDK_PATH}${PYTHONPATH:+:$PYTHONPATH}" \
  PYTHONDONTWRITEBYTECODE=1 \
  "$python" scripts/sdk-compat-relay.py || status=$?
exit "$status"
