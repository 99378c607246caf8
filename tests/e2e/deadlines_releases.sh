#!/usr/bin/env bash
# The deadlines and releases commands against the real binary: exact dates
# from a constant-throughput export, --by, reproducible seeds, the backtest,
# a messy export's error, and `releases list` from config + ICS.
source "$(dirname "$0")/lib.sh"

# Two items on every working day of the 26 weeks before Monday 2026-11-30.
{
  echo "Issue key,Issue Type,Start date,Resolved"
  n=0
  for ((d = 182; d >= 1; d--)); do
    day=$(date -u -d "2026-11-30 - $d days" +%F)
    [[ $(date -u -d "$day" +%u) -ge 6 ]] && continue
    for i in 1 2; do n=$((n + 1)); echo "T-$n,Story,$(date -u -d "$day - 2 days" +%F),$day"; done
  done
} > history.csv
cat > ctodesk.toml <<'TOML'
[deadlines]
history = "history.csv"
columns = { id = "Issue key", type = "Issue Type", started = "Start date", done = "Resolved" }
trials = 2000

[[deadlines.commitments]]
name = "Partner API"
items = 20
due = "2026-12-11"
promised_to = "Initech"

[[deadlines.commitments]]
name = "Migration"
items = 40
due = "2026-12-11"
promised_to = "Globex"
TOML
NOW=(--now 2026-11-30T07:00:00Z)

# 20 items at 2 a day: 10 working days, Friday 2026-12-11, at every confidence.
expect_exit 0 "$CTODESK" deadlines forecast --items 20 "${NOW[@]}" --format json
"$PYTHON" -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["dates"]=={"50":"2026-12-11","70":"2026-12-11","85":"2026-12-11","95":"2026-12-11"}, d; assert d["throughput"]["per_working_day"]==2.0, d' "$out" \
  || fail "constant throughput did not give exact dates: $out"
expect_exit 0 "$CTODESK" deadlines forecast --items 20 --start 2026-12-07 "${NOW[@]}"
expect_contains "$out" "85% likely by  2026-12-18  (10 working days)" "--start moves the forecast"
expect_exit 0 "$CTODESK" deadlines forecast --by 2026-12-04 "${NOW[@]}"
expect_contains "$out" "85% likely: at least 10" "--by counts items"
expect_exit 2 "$CTODESK" deadlines forecast "${NOW[@]}"
expect_contains "$err" "give --items N" "forecast without --items or --by"
expect_exit 2 "$CTODESK" deadlines forecast --items 5 --by 2026-11-01 "${NOW[@]}"
expect_contains "$err" "--by 2026-11-01 is before the start, 2026-11-30" "--by in the past"

# The same seed gives the same answer, byte for byte.
expect_exit 0 "$CTODESK" deadlines forecast --items 37 --seed 9 --trials 5000 "${NOW[@]}" --format json
first=$out
expect_exit 0 "$CTODESK" deadlines forecast --items 37 --seed 9 --trials 5000 "${NOW[@]}" --format json
[[ "$out" == "$first" ]] || fail "--seed is not reproducible"

# Commitments: 20 items by the 11th is certain, 40 is not (exit 1).
expect_exit 1 "$CTODESK" deadlines commitments "${NOW[@]}"
expect_contains "$out" "Partner API" "commitments lists every promise"
expect_contains "$out" "Migration" "commitments lists every promise"

# The briefing has the hopeless one, act-now, with the date we can promise.
expect_exit 0 "$CTODESK" brief "${NOW[@]}" --format json --out brief.json
"$PYTHON" - brief.json <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
fs = {f["subject"]: f for f in doc["findings"] if f["desk"] == "deadlines"}
assert set(fs) == {"Migration"}, fs
assert fs["Migration"]["severity"] == "act-now", fs
assert "85% date is 2026-12-25" in fs["Migration"]["title"], fs["Migration"]["title"]
PY

expect_exit 0 "$CTODESK" deadlines backtest "${NOW[@]}" --items 10
expect_contains "$out" "The 85% date was met in" "backtest reports calibration"

# A messy export: one clear error naming the file, line and column.
sed -i '3s/,2026-\([0-9][0-9]\)-\([0-9][0-9]\)$/,\1\/\2\/2026/' history.csv
expect_exit 2 "$CTODESK" deadlines forecast --items 5 "${NOW[@]}"
expect_contains "$err" "history.csv:3: Resolved: expected a date such as 2026-11-27" "messy export error"

# Releases: config + calendar; exit 1 while one is overdue.
cat > releases.ics <<'ICS'
BEGIN:VCALENDAR
VERSION:2.0
BEGIN:VEVENT
UID:1
SUMMARY:Release: mobile 1.8
DTSTART;TZID=Europe/Berlin:20261130T150000
END:VEVENT
BEGIN:VEVENT
UID:2
SUMMARY:Release: web train
DTSTART;VALUE=DATE:20261103
RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=8
EXDATE;VALUE=DATE:20261201
END:VEVENT
BEGIN:VEVENT
UID:3
SUMMARY:Team lunch
DTSTART;VALUE=DATE:20261130
END:VEVENT
END:VCALENDAR
ICS
cat > ctodesk.toml <<'TOML'
[releases]
calendar = "releases.ics"
summary_prefix = "release:"

[[releases.release]]
name = "Billing export"
due = "2026-11-27"
owner = "Ana"
TOML
expect_exit 1 "$CTODESK" releases list "${NOW[@]}"
expect_contains "$out" "2026-11-27  overdue    Billing export" "releases list shows the overdue release"
expect_contains "$out" "2026-11-30  due today  mobile 1.8" "releases list shows today's release"
expect_contains "$out" "2026-12-08  upcoming   web train" "releases list expands the train, skipping the EXDATE"
[[ "$out" != *"Team lunch"* ]] || fail "the summary prefix did not filter"
[[ "$out" != *"2026-12-01"* ]] || fail "EXDATE ignored"
expect_exit 0 "$CTODESK" brief "${NOW[@]}" --format json --out brief.json
"$PYTHON" - brief.json <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
got = sorted((f["subject"], f["severity"]) for f in doc["findings"] if f["desk"] == "releases")
assert got == [("Billing export 2026-11-27", "act-now"), ("mobile 1.8 2026-11-30", "today")], got
PY
echo "deadlines and releases ok"
