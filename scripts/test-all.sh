#!/usr/bin/env bash
# Runs every check the project has: typecheck, lint, build, every Vitest project (node, jsdom,
# real Chromium), package checks (publint, attw), bundle budgets (scripts/check-size.ts). Keeps
# going after a failure so one run shows everything, and exits non-zero if any step failed. The
# Vitest JSON report lands in reports/vitest.json (read by .ci/run for its summary line).
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p reports
failed=()

step() {
  local name="$1"; shift
  echo
  echo "=== $name"
  if "$@"; then
    echo "=== $name: ok"
  else
    echo "=== $name: FAILED"
    failed+=("$name")
  fi
}

deps="$(bash scripts/ensure-system-deps.sh)" || { echo "=== system dependencies: FAILED"; exit 1; }
export "${deps}"
echo "Chromium: $CHROMIUM_PATH"

step typecheck npx tsc -p tsconfig.json --noEmit
step lint npm run --silent lint
step build npm run --silent build
step build-storybook npm run --silent build-storybook
step tests npx vitest run --reporter=default --reporter=json --outputFile.json=reports/vitest.json
step publint npx publint --strict
step attw npx attw --pack . --profile esm-only --exclude-entrypoints ./styles.css
# Bundle budgets (scripts/size-budgets.json) and the peer table; writes reports/size.json.
step size npx tsx scripts/check-size.ts

echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "Failed steps: ${failed[*]}"
  exit 1
fi
echo "All steps passed."
