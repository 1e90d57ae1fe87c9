#!/usr/bin/env bash
# Finds the system programs the tests need — Chromium (browser tests), redis-server (the
# relay's shared store) and ffmpeg + ffprobe (the simulator's video source made from the frames,
# and the demo's end-to-end test) — and, on Debian as root, installs whichever is missing with apt.
# Otherwise fails with a message that says what to install. Prints `CHROMIUM_PATH=<path>`.
set -euo pipefail

find_chromium() {
  for candidate in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome /usr/bin/google-chrome-stable; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}

missing=()
find_chromium >/dev/null || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
{ command -v ffmpeg && command -v ffprobe; } >/dev/null 2>&1 || missing+=(ffmpeg)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian packages the tests need: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq "${missing[@]}" >&2
  else
    cat >&2 <<MSG
The tests need these programs and they were not found: ${missing[*]}
Install them with:   sudo apt-get update && sudo apt-get install -y ${missing[*]}
(or point CHROMIUM_PATH at an existing Chromium/Chrome binary).
MSG
    exit 1
  fi
fi

path="$(find_chromium)" || { echo "Chromium is still missing after the install." >&2; exit 1; }
command -v redis-server >/dev/null 2>&1 || { echo "redis-server is still missing after the install." >&2; exit 1; }
{ command -v ffmpeg && command -v ffprobe; } >/dev/null 2>&1 || { echo "ffmpeg is still missing after the install." >&2; exit 1; }
echo "CHROMIUM_PATH=$path"
