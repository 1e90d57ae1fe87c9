#!/usr/bin/env bash
# Run by `npm start` before the demo: makes sure ffmpeg is there, so the simulator's videos are
# made from the user's own two frames. On Debian as root it installs ffmpeg with apt when it is
# missing; otherwise it says what to install. It never stops the demo: without ffmpeg the
# simulator plays its bundled sample clip (the page says so). Nothing is needed with a real key
# (DASHSCOPE_API_KEY). DEMO_NO_INSTALL=1 skips the install; FFMPEG_PATH names another binary.
set -uo pipefail

ffmpeg_bin="${FFMPEG_PATH:-ffmpeg}"

if [ -n "${DASHSCOPE_API_KEY:-}" ]; then exit 0; fi
if command -v "$ffmpeg_bin" >/dev/null 2>&1; then exit 0; fi

if [ "${DEMO_NO_INSTALL:-}" != "1" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "[demo] Installing ffmpeg with apt, so the simulator's videos are made from your frames…" >&2
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends ffmpeg >&2; then
    command -v "$ffmpeg_bin" >/dev/null 2>&1 && exit 0
  fi
  echo "[demo] ffmpeg is still not usable after trying to install it; the demo goes on without it." >&2
fi

cat >&2 <<MSG
[demo] ffmpeg was not found ("$ffmpeg_bin"), so the simulator will play its sample clip instead of
       a video made from your own frames. To get those, install ffmpeg and start again:
         Debian/Ubuntu: sudo apt-get install -y ffmpeg     macOS: brew install ffmpeg
MSG
exit 0
