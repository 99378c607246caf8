#!/usr/bin/env bash
# bench/deadlines/run.sh — Monte Carlo forecasts: 100 commitments at 100,000
# trials each, the deadlines desk's whole job on a morning. Target: under 1 s
# wall on 2 cores.
#
#   library   deadlines_bench (bench/deadlines/deadlines_bench.cc), built in
#             Release: AssessCommitments on a generated 26-week history, on
#             all hardware threads and on one; best of 3; wall, CPU and CPU
#             ns per simulated day (one random draw + one add: the unit of work).
#   command   if a ctodesk binary is found ($CTODESK, build-bench/ctodesk,
#             build/ctodesk): `ctodesk deadlines commitments --format json` on
#             a generated config with the same 100 commitments and a CSV
#             export, timed as a whole (process start, config, CSV parse,
#             simulation, output); best of ROUNDS.
# Knobs (environment): COMMITMENTS=100 TRIALS=100000 ROUNDS=5 BUILD=build-bench
#   CTODESK=path/to/ctodesk KEEP=1 (keep the temp dir)
set -euo pipefail

COMMITMENTS=${COMMITMENTS:-100}
TRIALS=${TRIALS:-100000}
ROUNDS=${ROUNDS:-5}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-$REPO/build-bench}

echo "building deadlines_bench (Release) in $BUILD ..." >&2
cmake -S "$REPO" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCTODESK_TESTS=OFF >/dev/null
cmake --build "$BUILD" --target deadlines_bench -j "$(nproc)" >/dev/null
BENCH=$(find "$BUILD" -name deadlines_bench -type f -perm -u+x | head -n1)

echo "== library: AssessCommitments, $COMMITMENTS commitments x $TRIALS trials"
"$BENCH" "$COMMITMENTS" "$TRIALS"

if [[ -z ${CTODESK:-} ]]; then
  for c in "$REPO/build-bench/ctodesk" "$REPO/build/ctodesk"; do
    [[ -x $c ]] && { CTODESK=$c; break; }
  done
fi
if [[ -z ${CTODESK:-} ]] || ! "$CTODESK" deadlines --help >/dev/null 2>&1; then
  echo "(no ctodesk binary with the deadlines desk found; set CTODESK= to time the whole command)"
  exit 0
fi

WORK=$(mktemp -d)
[[ -n ${KEEP:-} ]] || trap 'rm -rf "$WORK"' EXIT
# A 26-week export ending yesterday of 2026-11-30, about 3 items per working day.
awk -v seed=1 'BEGIN {
  srand(seed); print "id,type,started,done"; n = 0
  start = mktime("2026 05 31 12 00 00")
  for (d = 0; d < 182; d++) {
    t = start + d * 86400; wd = strftime("%u", t)
    if (wd >= 6) continue
    k = int(rand() * 7)
    for (i = 0; i < k; i++) printf "T-%d,Story,%s,%s\n", ++n, strftime("%Y-%m-%d", t - 3 * 86400), strftime("%Y-%m-%d", t)
  }
}' > "$WORK/history.csv"
{
  printf '[deadlines]\nhistory = "history.csv"\ntrials = %d\n' "$TRIALS"
  for ((i = 0; i < COMMITMENTS; i++)); do
    items=$((10 + (i * 37) % 291)); days=$((14 + (i * 13) % 126))
    due=$(date -u -d "2026-11-30 + $days days" +%F)
    printf '\n[[deadlines.commitments]]\nname = "commitment %d"\nitems = %d\ndue = "%s"\n' "$i" "$items" "$due"
  done
} > "$WORK/ctodesk.toml"

echo "== command: ctodesk deadlines commitments ($COMMITMENTS x $TRIALS), best of $ROUNDS"
best=999999999999
for ((r = 0; r < ROUNDS; r++)); do
  t0=$(date +%s%N)
  "$CTODESK" deadlines commitments --config "$WORK/ctodesk.toml" --now 2026-11-30T07:00:00Z --format json >/dev/null || [[ $? == 1 ]]
  t1=$(date +%s%N)
  ((t1 - t0 < best)) && best=$((t1 - t0))
done
printf 'wall=%d.%03ds (best of %d)\n' $((best / 1000000000)) $((best / 1000000 % 1000)) "$ROUNDS"
