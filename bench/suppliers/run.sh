#!/usr/bin/env bash
# bench/suppliers/run.sh — quality checks over one large CSV delivery, against
# the least a line-oriented pass costs (`wc -l` on the same file) and, when
# installed, DuckDB's CLI and Python's csv module doing a comparable pass.
#
# Generates SIZE_MB of CSV in a temp dir (never in the repo): 9 columns, about
# 85 bytes a row — id, created (date), sku, status, price, qty, email (5%
# empty), country, note (quoted, with commas). Then, ROUNDS times each, with
# the file hot in the page cache:
#
#   wc -l       counts lines
#   ctodesk     `ctodesk suppliers check` on a feed with 9 rules over the file:
#               types of id/price/qty/created, null rate of email, allowed
#               values of status and country, id unique, created fresh, row
#               count range — one streaming pass, recorded in SQLite
#   python csv  csv.reader over the file, counting rows and empty emails
#               (fewer checks than ctodesk: a floor for a Python checker)
#   duckdb      SELECT count(*), count(DISTINCT id), ... via read_csv_auto,
#               if `duckdb` is on PATH
#
# Wall time is the median round; CPU is user+sys of the command (all its
# threads). The load average is printed before and after: on a shared machine
# compare the ratios of one run, not wall times across runs. Knobs:
# SIZE_MB=2000 ROUNDS=3 CTODESK=path KEEP=1 (keep the temp dir)
# CTODESK_BEFORE=path (also time another build, e.g. of an older commit).
set -euo pipefail

SIZE_MB=${SIZE_MB:-2000}
ROUNDS=${ROUNDS:-3}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
PYTHON=python3
[[ -x /usr/bin/python3 ]] && PYTHON=/usr/bin/python3

die() { echo "run.sh: $*" >&2; exit 2; }

if [[ -z ${CTODESK:-} ]]; then
  for c in "$REPO/build-bench/ctodesk" "$REPO/build/ctodesk"; do
    [[ -x $c ]] && { CTODESK=$c; break; }
  done
fi
if [[ -z ${CTODESK:-} ]]; then
  echo "building ctodesk (Release) in build-bench ..." >&2
  cmake -S "$REPO" -B "$REPO/build-bench" -DCMAKE_BUILD_TYPE=Release -DCTODESK_TESTS=OFF >/dev/null
  cmake --build "$REPO/build-bench" --target ctodesk -j "$(nproc)" >/dev/null
  CTODESK=$REPO/build-bench/ctodesk
fi
[[ -x $CTODESK ]] || die "no ctodesk binary at $CTODESK"

WORK=$(mktemp -d /tmp/ctodesk-bench-suppliers.XXXXXX)
cleanup() { [[ -n ${KEEP:-} ]] && echo "kept $WORK" >&2 || rm -rf "$WORK"; }
trap cleanup EXIT
mkdir -p "$WORK/drops"
CSV=$WORK/drops/orders-big.csv

# ------------------------------------------------------------------ the file
rows=$((SIZE_MB * 1000 * 1000 / 85))  # ~85 bytes a row, so the file is ~SIZE_MB MB
echo "generating $SIZE_MB MB ($rows rows) in $WORK ..." >&2
awk -v rows="$rows" 'BEGIN {
  srand(42);
  split("new paid shipped delivered returned", st, " ");
  split("DE FR NL BE AT PL IT ES", co, " ");
  print "id,created,sku,status,price,qty,email,country,note";
  for (i = 1; i <= rows; i++) {
    d = 1 + i % 28;
    email = (i % 20 == 0) ? "" : sprintf("user%d@example.com", i % 99991);
    printf "%d,2026-11-%02d,SKU-%06d,%s,%.2f,%d,%s,%s,\"note %d, ok\"\n",
      i, d, i % 1000003, st[1 + i % 5], (i % 9973) / 7.0, 1 + i % 9, email, co[1 + i % 8], i % 1000;
  }
}' >"$CSV"
touch -d "2026-11-27 06:10:00 UTC" "$CSV"
bytes=$(stat -c %s "$CSV")
lines=$(wc -l <"$CSV")
echo "file: $bytes bytes, $lines lines" >&2

cat >"$WORK/ctodesk.toml" <<EOF
[suppliers]
progress = false
lookback_days = 3650
[[suppliers.feeds]]
name = "orders"
supplier = "Bench"
folder = "drops"
glob = "orders-*.csv"
schedule = "0 6 * * *"
min_rows = 1
max_rows = 1000000000
[[suppliers.feeds.columns]]
name = "id"
type = "int"
unique = true
[[suppliers.feeds.columns]]
name = "created"
type = "date"
max_age = "30d"
[[suppliers.feeds.columns]]
name = "status"
allowed = ["new", "paid", "shipped", "delivered", "returned"]
[[suppliers.feeds.columns]]
name = "price"
type = "number"
[[suppliers.feeds.columns]]
name = "qty"
type = "int"
[[suppliers.feeds.columns]]
name = "email"
max_null_rate = "10%"
[[suppliers.feeds.columns]]
name = "country"
allowed = ["DE", "FR", "NL", "BE", "AT", "PL", "IT", "ES"]
EOF

cat "$CSV" >/dev/null  # warm the page cache

# measure NAME CMD...: prints "wall cpu" of one run (bash `times` deltas).
measure() {
  local t0 t1 c0 c1 me=$BASHPID
  c0=$(awk '{print $14+$15+$16+$17}' /proc/$me/stat)
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>"$WORK/err" || { [[ $? -le 1 ]] || { cat "$WORK/err" >&2; die "$1 failed"; }; }
  t1=$(date +%s.%N)
  c1=$(awk '{print $14+$15+$16+$17}' /proc/$me/stat)
  echo "$(echo "$t1 - $t0" | bc) $(echo "($c1 - $c0) / $(getconf CLK_TCK)" | bc -l)"
}

ctodesk_once() {
  rm -rf "$WORK/.ctodesk"
  "${1:-$CTODESK}" suppliers check --config "$WORK/ctodesk.toml" --now 2026-11-27T12:00:00Z --format json
}
python_once() {
  "$PYTHON" - "$CSV" <<'PY'
import csv, sys
rows = empty = 0
with open(sys.argv[1], newline="") as f:
    r = csv.reader(f)
    next(r)
    for row in r:
        rows += 1
        if not row[6]:
            empty += 1
print(rows, empty)
PY
}
duckdb_once() {
  duckdb -c "SELECT count(*), count(DISTINCT id), sum(CASE WHEN email IS NULL THEN 1 ELSE 0 END),
             max(created), sum(CASE WHEN status NOT IN ('new','paid','shipped','delivered','returned') THEN 1 ELSE 0 END)
             FROM read_csv_auto('$CSV')"
}

tools=(wc ctodesk)
[[ -n ${CTODESK_BEFORE:-} ]] && tools+=(ctodesk_before)
[[ -z ${NO_PYTHON:-} ]] && tools+=(python)
command -v duckdb >/dev/null && tools+=(duckdb)
declare -A walls cpus
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)" >&2
for ((r = 1; r <= ROUNDS; r++)); do
  for t in "${tools[@]}"; do
    case $t in
      wc) m=$(measure wc -l "$CSV") ;;
      ctodesk) m=$(measure ctodesk_once) ;;
      ctodesk_before) m=$(measure ctodesk_once "$CTODESK_BEFORE") ;;
      python) m=$(measure python_once) ;;
      duckdb) m=$(measure duckdb_once) ;;
    esac
    walls[$t]+="${m% *} "
    cpus[$t]+="${m#* } "
    echo "round $r $t: wall ${m% *} s, cpu ${m#* } s" >&2
  done
done

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
wc_wall=$(echo "${walls[wc]}" | median)
printf '\n| tool | wall (median of %d) | CPU-s | MB/s | × wc -l |\n|---|---:|---:|---:|---:|\n' "$ROUNDS"
for t in "${tools[@]}"; do
  w=$(echo "${walls[$t]}" | median)
  c=$(echo "${cpus[$t]}" | median)
  printf '| %s | %.2f s | %.2f | %.0f | %.1f× |\n' "$t" "$w" "$c" "$(echo "$bytes / 1000000 / $w" | bc -l)" \
    "$(echo "$w / $wc_wall" | bc -l)"
done
rm -rf "$WORK/.ctodesk"
"$CTODESK" suppliers check --config "$WORK/ctodesk.toml" --now 2026-11-27T12:00:00Z --format json |
  "$PYTHON" -c 'import json,sys; d=json.load(sys.stdin)["new_deliveries"][0]; print("ctodesk read", d["rows"], "rows; failed rules:", [r["rule"] for r in d["failed_rules"]])'
