# What scripts/sdk-compat.sh and scripts/sdk-compat-relay.sh share; sourced (from the repository
# root), not run. Checks DASHSCOPE_SDK_PATH and sets $python, and defines:
#   start_simulator FILE          starts `keyframe-video simulator` in the background, output to
#                                 FILE (its pid is then in $!)
#   first_url NAME FILE PID       prints the first URL that process PID wrote to FILE (10 s at most)
#   run_sdk_script URL KEY SCRIPT runs SCRIPT with the SDK on PYTHONPATH, pointed at URL with KEY

if [ -z "${DASHSCOPE_SDK_PATH:-}" ] || [ ! -d "${DASHSCOPE_SDK_PATH}/dashscope" ]; then
  echo "Set DASHSCOPE_SDK_PATH to a checkout of https://github.com/dashscope/dashscope-sdk-python" >&2
  echo "(the directory that contains the 'dashscope' package)." >&2
  exit 2
fi
python="${PYTHON:-/usr/bin/python3}"

start_simulator() {
  # --speed 60: a task of 1-5 minutes takes 1-5 s, so the SDK's wait() finishes quickly.
  node --import tsx src/cli.ts simulator --port 0 --speed 60 --seed 20250929 >"$1" 2>&1 &
}

first_url() {
  local name="$1" file="$2" pid="$3" url=""
  for _ in $(seq 1 100); do
    url="$(grep -m1 '^http://' "$file" || true)"
    if [ -n "$url" ]; then echo "$url"; return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$file" >&2
      echo "The $name did not start." >&2
      return 1
    fi
    sleep 0.1
  done
  echo "The $name printed no URL within 10 s." >&2
  return 1
}

run_sdk_script() {
  DASHSCOPE_HTTP_BASE_URL="$1" \
    DASHSCOPE_API_KEY="$2" \
    PYTHONPATH="${DASHSCOPE_SDK_PATH}${PYTHONPATH:+:$PYTHONPATH}" \
    PYTHONDONTWRITEBYTECODE=1 \
    "$python" "$3"
}
