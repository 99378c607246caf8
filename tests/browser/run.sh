#!/usr/bin/env bash
# Runs the dashboard's browser tests when Node and Debian's chromium are
# installed (scripts/install-deps.sh --test installs them); otherwise says
# why and exits 77, which ctest reports as skipped.
#   run.sh CTODESK_BINARY SOURCE_DIR ARTIFACT_DIR
set -uo pipefail
CTODESK="$1"; SRC="$2"; ARTIFACTS="$3"
HERE="$SRC/tests/browser"
skip() { echo "SKIP: browser tests: $*"; exit 77; }
command -v node >/dev/null || skip "node is not installed (apt-get install nodejs npm, or scripts/install-deps.sh --test)"
[[ -x /usr/bin/chromium ]] || skip "/usr/bin/chromium is not installed (apt-get install chromium, or scripts/install-deps.sh --test)"
if [[ ! -d "$HERE/node_modules/playwright-core" || ! -d "$HERE/node_modules/axe-core" ]]; then
  command -v npm >/dev/null || skip "npm is not installed, so playwright-core cannot be installed"
  (cd "$HERE" && npm ci --ignore-scripts --no-audit --no-fund >/dev/null 2>&1) ||
    skip "npm ci in tests/browser failed (no access to the npm registry?)"
fi
exec node "$HERE/dashboard.test.mjs" "$CTODESK" "$ARTIFACTS"
