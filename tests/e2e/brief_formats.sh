#!/usr/bin/env bash
# The demo company end to end: its briefing in all four formats, the JSON
# checked against docs/brief.schema.json, exit codes for --fail-on.
source "$(dirname "$0")/lib.sh"

expect_exit 0 "$CTODESK" demo "$WORK/demo"
expect_contains "$out" "ACT NOW" "demo briefing has an act-now section"
expect_contains "$out" "billing API is down" "demo finds the failing endpoint"
expect_contains "$out" "search API is slow" "demo finds the slow endpoint"
expect_contains "$out" "TLS certificate of customer portal expires in 5 days" "demo finds the expiring certificate"
expect_contains "$out" "2nd day running" "demo has history"
expect_contains "$out" "website is down" "demo shows what was fixed overnight"
if grep -q $'\e\[' "$WORK/stdout"; then fail "colour codes written to a pipe"; fi
sed '/^The demo company is in/,$d' "$WORK/stdout" | awk 'length > 100 { print "line over 100 columns: " $0; bad = 1 } END { exit bad }' || fail "terminal briefing wider than 100 columns"

"$PYTHON" - "$SRC/docs/brief.schema.json" "$WORK/demo/briefing.json" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
jsonschema.validate(doc, schema)
kinds = sorted((f["subject"], f["severity"]) for f in doc["findings"])
assert ("billing API", "act-now") in kinds, kinds
assert ("customer portal", "this-week") in kinds, kinds
assert ("search API", "today") in kinds, kinds
assert [r["subject"] for r in doc["resolved"]] == ["website"], doc["resolved"]
assert doc["desks"][0]["name"] == "health" and doc["desks"][0]["ok"], doc["desks"]
PY

# The demo's systems stopped with the demo: now everything is down. The
# briefing is still produced, and --fail-on decides the exit code.
cfg="$WORK/demo/ctodesk.toml"
expect_exit 1 "$CTODESK" brief --config "$cfg" --format json --fail-on act-now --out "$WORK/b.json"
"$PYTHON" -c 'import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))' \
  "$SRC/docs/brief.schema.json" "$WORK/b.json" || fail "brief --format json does not match the schema"
expect_exit 0 "$CTODESK" brief --config "$cfg" --format md --out "$WORK/b.md"
grep -q '^#' "$WORK/b.md" || fail "markdown has no heading"
expect_exit 0 "$CTODESK" brief --config "$cfg" --format html --out "$WORK/b.html"
grep -qi '<!doctype html>' "$WORK/b.html" || fail "html is not a document"
if grep -Eqi '(src|href)="https?://' "$WORK/b.html"; then fail "html loads something from the network"; fi

# Reproducible runs: --now stamps the briefing.
expect_exit 0 "$CTODESK" brief --config "$cfg" --format json --now 2030-01-02T03:04:05Z
expect_contains "$out" '"generated_at": "2030-01-02T03:04:05Z"' "--now"
echo "brief formats ok"
