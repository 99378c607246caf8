#!/usr/bin/env bash
# bench/feedback/run.sh — the weekly digest over TICKETS support tickets
# (default 1,000,000), all within the five weeks the digest looks at, so every
# ticket is tokenized, stemmed and scored. Target: under 10 s on 2 cores.
#
# The export is generated in a temp dir (never in the repo): a Zendesk-style
# CSV, ~250 bytes a ticket, 40 themes of 3 sentences each plus free-text
# noise, greetings, signatures, emails and phone numbers; one theme ("invoice
# PDF is blank") rises 6x in the last week. Each round runs
# `ctodesk feedback digest --format json` and checks that the rising theme is
# first. Wall and CPU (user+sys of all threads, from /usr/bin/time) per round.
# Knobs: TICKETS=1000000 ROUNDS=3 CTODESK=path KEEP=1.
set -euo pipefail

TICKETS=${TICKETS:-1000000}
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

WORK=$(mktemp -d /tmp/ctodesk-bench-feedback.XXXXXX)
cleanup() { [[ -n ${KEEP:-} ]] && echo "kept $WORK" >&2 || rm -rf "$WORK"; }
trap cleanup EXIT
NOW=2026-11-27T12:00:00Z
now_s=$(date -u -d "$NOW" +%s)

echo "generating $TICKETS tickets in $WORK ..." >&2
awk -v n="$TICKETS" -v now="$now_s" 'BEGIN {
  srand(7);
  nt = split("password reset|tracking page|shipping label|invoice pdf|sso login|api rate limit|webhook retry|" \
             "refund request|address change|customs form|pickup slot|parcel damaged|parcel lost|cod payment|" \
             "return label|bulk import|csv export|mobile app crash|push notification|two factor code|" \
             "team invite|plan upgrade|card declined|vat number|delivery delay|weekend delivery|locker pickup|" \
             "barcode scan|label size|printer driver|carrier rates|fuel surcharge|insurance claim|" \
             "signature proof|photo proof|route planning|driver app|dashboard slow|report totals|search filter",
             theme, "|");
  split("is broken|does not work|fails every time|shows an error|is very slow|stopped working|gives wrong results|" \
        "needs a fix", verb, "|");
  split("since the update|for all our users|again today|on every order|in the new version|after the migration", ctx, "|");
  split("Maria|John|Aisha|Wei|Lukas|Sofia|Tom|Priya", name, "|");
  split("free|starter|pro|business|enterprise", plan, "|");
  print "Ticket ID,Created at,Subject,Description,Organization,Plan,ARR";
  week = 7 * 86400;
  for (i = 1; i <= n; i++) {
    # One theme in 40, except "invoice pdf" (4), which is 6x as frequent in the last week.
    t = 1 + int(rand() * nt);
    age = int(rand() * 5 * week);
    if (t == 4 && age >= week && rand() < 0.85) t = 1 + int(rand() * nt);
    if (age < week && rand() < 0.12) t = 4;
    created = now - 1 - age;
    th = theme[t];
    p = 1 + int(rand() * 5);
    printf "%d,%s,\"%s %s\",\"Hi %s, our %s %s %s. We tried twice. Call +44 20 7946 %04d or %s.%d@example.com. Thanks, %s\",Org %d,%s,%d\n",
      100000 + i, strftime("%Y-%m-%d %H:%M:%S", created, 1), toupper(substr(th, 1, 1)) substr(th, 2),
      verb[1 + int(rand() * 8)], name[1 + int(rand() * 8)], th, verb[1 + int(rand() * 8)],
      ctx[1 + int(rand() * 6)], int(rand() * 10000), tolower(name[1 + int(rand() * 8)]), i % 97,
      name[1 + int(rand() * 8)], int(rand() * 20000), plan[p], (p == 1) ? 0 : int(rand() * 100000);
  }
}' >"$WORK/tickets.csv"
echo "export: $(stat -c %s "$WORK/tickets.csv") bytes" >&2

cat >"$WORK/ctodesk.toml" <<'EOF'
[feedback]
source = "tickets.csv"
free_plans = ["free"]
[feedback.columns]
id = "Ticket ID"
created = "Created at"
subject = "Subject"
body = "Description"
customer = "Organization"
plan = "Plan"
revenue = "ARR"
EOF
cat "$WORK/tickets.csv" >/dev/null

walls=()
cpus=()
for ((r = 1; r <= ROUNDS; r++)); do
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/time" \
    "$CTODESK" feedback digest --config "$WORK/ctodesk.toml" --now "$NOW" --format json >"$WORK/digest.json"
  read -r w u s rss <"$WORK/time"
  c=$(echo "$u + $s" | bc)
  walls+=("$w")
  cpus+=("$c")
  echo "round $r: wall $w s, cpu $c s, max rss $((rss / 1024)) MB" >&2
done
"$PYTHON" - "$WORK/digest.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
top = d["themes"][0]
print(f"rows read: {d['rows_read']}, this week: {d['tickets']}, top theme: {top['label']!r} "
      f"({top['tickets']} tickets, rising={top['rising']})")
assert top["label"].startswith("invoice pdf") and top["rising"], top
PY
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf 'median over %d rounds: wall %s s, cpu (user+sys, all threads) %s s; load average now: %s\n' "$ROUNDS" \
  "$(printf '%s\n' "${walls[@]}" | median)" "$(printf '%s\n' "${cpus[@]}" | median)" "$(cut -d' ' -f1-3 /proc/loadavg)"
