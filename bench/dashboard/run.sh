#!/usr/bin/env bash
# bench/dashboard/run.sh — the dashboard with 5,000 open findings and 2,000
# health probes with 90 days of hourly history (4.32 million check rows).
#   1. dashboard_bench (Release/RelWithDebInfo): builds the store, then times
#      in process what one request costs: the briefing page (read, rank,
#      render the first 100 findings, gzip), /api/brief and the health page.
#   2. `ctodesk serve` on that store, on 127.0.0.1: bytes on the wire with curl
#      (gzip) and the time to first byte.
#   3. The browser's load time (Navigation Timing in Debian's chromium driven
#      by playwright-core from tests/browser), if node and chromium exist.
# Targets: server render under 50 ms; page usable in the browser under 500 ms.
# Knobs: FINDINGS=5000 PROBES=2000 DAYS=90 CHECKS_PER_DAY=24 ROUNDS=20
#   BUILD=build (RelWithDebInfo) KEEP=1
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-$REPO/build}
FINDINGS=${FINDINGS:-5000}; PROBES=${PROBES:-2000}; DAYS=${DAYS:-90}
CHECKS_PER_DAY=${CHECKS_PER_DAY:-24}; ROUNDS=${ROUNDS:-20}

if [[ ! -f $BUILD/CMakeCache.txt ]]; then
  cmake -S "$REPO" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCTODESK_TESTS=OFF >/dev/null
fi
cmake --build "$BUILD" --target ctodesk dashboard_bench -j "$(nproc)" >/dev/null
BENCH=$(find "$BUILD" -name dashboard_bench -type f -perm -u+x | head -n1)
CTODESK=$BUILD/ctodesk

WORK=$(mktemp -d)
SERVE=
cleanup() { [[ -n $SERVE ]] && kill "$SERVE" 2>/dev/null; [[ -n ${KEEP:-} ]] || rm -rf "$WORK"; }
trap cleanup EXIT

echo "== in process ($(grep CMAKE_BUILD_TYPE: "$BUILD/CMakeCache.txt" | cut -d= -f2))"
"$BENCH" "$WORK" "$FINDINGS" "$PROBES" "$DAYS" "$CHECKS_PER_DAY" "$ROUNDS"

echo "== over HTTP: ctodesk serve on 127.0.0.1"
"$CTODESK" serve -c "$WORK/ctodesk.toml" >"$WORK/serve.out" 2>&1 &
SERVE=$!
for _ in $(seq 100); do grep -q listening "$WORK/serve.out" && break; sleep 0.1; done
PORT=$(grep -oE '127\.0\.0\.1:[0-9]+' "$WORK/serve.out" | head -1 | cut -d: -f2)
BASE="http://127.0.0.1:$PORT"
for p in / /desks/health "/api/brief?limit=100"; do
  curl -s -o /dev/null "$BASE$p"  # warm-up
  best=
  for _ in 1 2 3 4 5; do
    t=$(curl -s -o /dev/null -H 'Accept-Encoding: gzip' -w '%{time_starttransfer} %{size_download}' "$BASE$p")
    best=${best:-$t}
    [[ $(cut -d' ' -f1 <<<"$t") < $(cut -d' ' -f1 <<<"$best") ]] && best=$t
  done
  plain=$(curl -s -o /dev/null -w '%{size_download}' "$BASE$p")
  printf '%-22s first byte %4.0f ms (best of 5), %7d bytes gzipped, %8d bytes plain\n' "$p" \
    "$(awk '{print $1 * 1000}' <<<"$best")" "$(cut -d' ' -f2 <<<"$best")" "$plain"
done

if command -v node >/dev/null && [[ -x /usr/bin/chromium && -d $REPO/tests/browser/node_modules/playwright-core ]]; then
  echo "== in the browser (chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}'), cache disabled)"
  node "$HERE/load.mjs" "$BASE" 7 / /desks/health
else
  echo "(no node, chromium or tests/browser/node_modules: browser load time not measured; run npm ci in tests/browser)"
fi
