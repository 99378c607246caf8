#!/usr/bin/env bash
# The radar desk through the binary: `radar inventory` over repositories with
# a mix of manifests (one broken), BYOR import/export round trip with ring
# history, a bad import that changes nothing, growth measured and projected,
# and the briefing's findings and SVG radar.
source "$(dirname "$0")/lib.sh"

now=2026-11-27T08:00:00Z
mkdir -p repos/web repos/legacy repos/api/.github/workflows repos/api/node_modules/x
cat >repos/web/package.json <<'J'
{
  "name": "web",
  "dependencies": { "react": "^18.2.0", "lodash": "^4.17.21" }
}
J
cat >repos/legacy/package.json <<'J'
{
  "dependencies": {
    "angular": "1.8.3",
    "lodash": "3.10.1"
  }
}
J
echo "FROM python:3.7-slim" >repos/legacy/Dockerfile
printf 'services:\n  db:\n    image: "postgres:16"\n' >repos/api/docker-compose.yml
printf 'flask==2.3.0\nthis is not a requirement\n' >repos/api/requirements.txt
printf '{"dependencies": {"lodash": "2.4.2"}}\n' >repos/api/package.json
printf '{"dependencies": {"evil": "1"}}\n' >repos/api/node_modules/x/package.json
printf 'jobs:\n  t:\n    steps:\n      - uses: actions/checkout@v4\n' >repos/api/.github/workflows/ci.yml
touch -d "2026-11-20" repos/*/* repos/api/.github/workflows/ci.yml

cat >radar.csv <<'CSV'
name,ring,quadrant,isNew,description
React,adopt,Languages & Frameworks,FALSE,"UI standard, everywhere"
AngularJS,trial,Languages & Frameworks,FALSE,
PostgreSQL,adopt,Platforms,TRUE,Default database
CSV
"$PYTHON" - <<'PY'
import sqlite3
db = sqlite3.connect("shop.db")
db.execute("CREATE TABLE orders(id INTEGER)")
db.executemany("INSERT INTO orders VALUES (?)", [(i,) for i in range(300)])
db.commit()
PY
cat >ctodesk.toml <<'T'
[radar]
[[radar.repos]]
path = "repos/web"
[[radar.repos]]
path = "repos/legacy"
[[radar.repos]]
path = "repos/api"
[[radar.measures]]
name = "orders"
database = "shop.db"
sql = "SELECT count(*) FROM orders"
threshold = 650
unit = "rows"
action = "plan the move to a warehouse"
T

# Inventory: technologies, versions, repositories; the broken manifest named with its line.
expect_exit 0 "$CTODESK" radar inventory --now $now
expect_contains "$out" "unreadable manifest: api/requirements.txt:2: expected a requirement" "inventory issues"
expect_exit 0 "$CTODESK" radar inventory --now $now --format json
"$PYTHON" - "$out" <<'PY' || fail "inventory json"
import json, sys
inv = json.loads(sys.argv[1])
tech = {t["name"]: t for t in inv["technologies"]}
assert tech["lodash"]["repositories"] == ["api", "legacy", "web"], tech["lodash"]
assert tech["PostgreSQL"]["versions"] == ["16"], tech["PostgreSQL"]
assert tech["Python"]["repositories"] == ["legacy"]
assert "evil" not in tech, "node_modules was walked"
assert "actions/checkout" in tech
assert inv["issues"][0]["file"] == "api/requirements.txt" and inv["issues"][0]["line"] == 2
PY

# Import, then export: the same radar comes back, in CSV and JSON.
expect_exit 0 "$CTODESK" radar import radar.csv --now 2026-06-01
expect_contains "$out" "Imported 3 technologies from radar.csv: 3 added" "import"
expect_exit 0 "$CTODESK" radar export --format csv
"$PYTHON" - "$out" <<'PY' || fail "csv round trip"
import csv, io, sys
want = sorted(map(tuple, csv.reader(open("radar.csv"))))
got = sorted(map(tuple, csv.reader(io.StringIO(sys.argv[1]))))
assert want == got, (want, got)
PY
expect_exit 0 "$CTODESK" radar export --format json -o radar.json
"$PYTHON" -c 'import json; d = json.load(open("radar.json")); assert [e["name"] for e in d] == ["React", "AngularJS", "PostgreSQL"], d; assert d[2]["isNew"] is True'
# AngularJS moves to hold: the move is kept in the ring history.
sed -i 's/^AngularJS,trial/AngularJS,hold/' radar.csv
expect_exit 0 "$CTODESK" radar import radar.csv --now 2026-09-01
expect_contains "$out" "1 moved ring" "second import"
expect_exit 0 "$CTODESK" radar list
expect_contains "$out" "trial 2026-06-01 -> hold 2026-09-01" "ring history"
expect_contains "$out" "legacy" "used by"

# A bad radar file: exit 2 naming file, line and field; nothing stored changes.
before=$("$CTODESK" radar export)
printf 'name,ring,quadrant,isNew,description\nReact,someday,Tools,FALSE,\n' >bad.csv
expect_exit 2 "$CTODESK" radar import bad.csv
[[ "$err" == 'ctodesk: bad.csv:2: ring: expected adopt, trial, assess or hold, got "someday"' ]] || fail "bad import: $err"
printf '[{"name": "React", "ring": "adopt"}]' >bad.json
expect_exit 2 "$CTODESK" radar import bad.json
expect_contains "$err" "bad.json: entry 1: quadrant: expected a quadrant name" "bad json import"
expect_exit 2 "$CTODESK" radar import missing.csv
[[ "$("$CTODESK" radar export)" == "$before" ]] || fail "a failed import changed the radar"

# Growth: two earlier runs' samples, then the briefing projects the crossing.
expect_exit 0 "$CTODESK" radar growth --now 2026-10-28T08:00:00Z
"$PYTHON" - <<'PY'
import sqlite3
db = sqlite3.connect("shop.db")
db.executemany("INSERT INTO orders VALUES (?)", [(i,) for i in range(50)])
db.commit()
PY
expect_exit 0 "$CTODESK" radar growth --now 2026-11-12T08:00:00Z
"$PYTHON" - <<'PY'
import sqlite3
db = sqlite3.connect("shop.db")
db.executemany("INSERT INTO orders VALUES (?)", [(i,) for i in range(50)])
db.commit()
PY
expect_exit 1 "$CTODESK" brief --now $now --only radar --format json --fail-on today
"$PYTHON" - "$out" <<'PY' || fail "briefing findings"
import json, sys
b = json.loads(sys.argv[1])
f = {(x["kind"], x["subject"]): x for x in b["findings"]}
hold = f[("hold-in-use", "AngularJS")]
assert hold["severity"] == "this-week", hold
assert "legacy" in hold["title"] and hold["plain"]["risk"], hold
assert f[("end-of-life", "Python 3.7")]["severity"] == "today"
assert f[("many-major-versions", "lodash")]["severity"] == "fyi"
assert f[("not-on-radar", "Python")]["severity"] == "fyi"
grow = f[("threshold-ahead", "orders")]
assert grow["severity"] == "this-week", grow
assert grow["title"].startswith("orders will pass 650 rows in about 2 months ("), grow["title"]
assert grow["title"].endswith("plan the move to a warehouse"), grow["title"]
bad = f[("manifest-unreadable", "api/requirements.txt")]
assert bad["title"].startswith("api/requirements.txt:2 could not be read"), bad
PY
expect_exit 0 "$CTODESK" brief --now $now --only radar --format html
expect_contains "$out" '<svg xmlns="http://www.w3.org/2000/svg"' "svg in html"
expect_contains "$out" '<title id="radar-title">' "svg title"
expect_contains "$out" 'AngularJS (hold, Languages &amp; Frameworks), in use, moved from trial</title>' "hold blip"
[[ "$out" != *"<script"* ]] || fail "script in html"
echo "radar desk ok"
