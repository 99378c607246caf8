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
expect_contains "$out" "# Incident inc-0001: leaked API key key_" "demo opens and shows the leaked key's incident"
expect_contains "$out" "# Incident inc-0002: data access by API key key_" "demo opens and shows the scraper's incident"
expect_contains "$(tr "\n" " " <<<"$out")" "0 from places never seen before" "demo answers: only the holder used it"
expect_contains "$out" "website is down" "demo shows what was fixed overnight"
expect_contains "$out" '"Data warehouse migration" promised to Globex Corp for' "demo finds the hopeless commitment"
expect_contains "$out" '"Mobile checkout" promised to marketing launch for' "demo finds the commitment at risk"
expect_contains "$out" "Release v2.4.0 (web app, new checkout) was due" "demo finds the overdue release"
expect_contains "$out" "Release mobile app 1.8 is due today" "demo finds today's release"
expect_contains "$out" "Release v2.3.0 shipped (tag v2.3.0)" "demo sees the tag pushed overnight"
expect_contains "$out" "customs codes from Fabrikam Trade changed its schema" "demo finds the supplier's schema change"
expect_contains "$out" "customs codes from Fabrikam Trade arrived 5 hours late" "demo finds the late delivery"
expect_contains "$out" 'Support theme rising: "invoice pdf"' "demo finds the rising support theme"
for f in "$WORK/stdout" "$WORK/demo/briefing.json" "$WORK/demo/briefing.html"; do
  if grep -qE '[a-z]+\.[0-9]+@example\.com|7946 [0-9]{4}' "$f"; then fail "$f shows a customer's email or phone"; fi
done
expect_contains "$out" "of Initech Analytics (data-team) suspended: walked 50 consecutive ids" "demo stops the scraper in the gateway log"
expect_contains "$out" "component payments/billing is known only by Olga Petrova" "demo finds the component whose only author left"
expect_contains "$out" "wiki backup is 3 days old" "demo finds the stale backup series"
expect_contains "$out" "uploads backup uploads-" "demo finds the truncated backup"
expect_contains "$out" "orders-db backup shrank from" "demo finds the backup that shrank"
expect_contains "$out" "AWS access key id AKIA… (20 chars) in payments-api: still at HEAD" "demo finds the key at HEAD"
expect_contains "$out" "Stripe live secret key sk_l… (40 chars) in payments-api: in history only" "demo finds the key in history"
aws_id=$(sed -n 's/^AWS_ACCESS_KEY_ID=//p' "$WORK/demo/repos/payments-api/deploy/ci.env")
[[ ${#aws_id} -eq 20 ]] || fail "demo repository has no AWS key at HEAD"
for f in "$WORK/stdout" "$WORK/demo/briefing.json" "$WORK/demo/briefing.md" "$WORK/demo/briefing.html"; do
  if grep -qF "$aws_id" "$f"; then fail "$f contains the demo's leaked key unredacted"; fi
done
if grep -q $'\e\[' "$WORK/stdout"; then fail "colour codes written to a pipe"; fi
# Width in characters, not bytes: a dash or an accent is one column.
sed '/^The demo company is in/,$d' "$WORK/stdout" | "$PYTHON" -c '
import sys
bad = [l for l in sys.stdin.read().splitlines() if len(l) > 100]
for l in bad: print("line over 100 columns:", l)
sys.exit(1 if bad else 0)' || fail "terminal briefing wider than 100 columns"

"$PYTHON" - "$SRC/docs/brief.schema.json" "$WORK/demo/briefing.json" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
jsonschema.validate(doc, schema)
kinds = sorted((f["subject"], f["severity"]) for f in doc["findings"])
assert ("billing API", "act-now") in kinds, kinds
assert ("customer portal", "this-week") in kinds, kinds
assert ("search API", "today") in kinds, kinds
planning = sorted((f["desk"], f["kind"], f["severity"]) for f in doc["findings"]
                  if f["desk"] in ("deadlines", "releases"))
assert planning == [("deadlines", "ageing", "this-week"), ("deadlines", "at-risk", "act-now"),
                    ("deadlines", "at-risk", "today"), ("releases", "due", "this-week"),
                    ("releases", "due", "this-week"), ("releases", "due", "today"),
                    ("releases", "overdue", "act-now"), ("releases", "shipped", "fyi")], planning
assert ("Data warehouse migration", "act-now") in kinds and ("Mobile checkout", "today") in kinds, kinds
assert not any(s == "Partner API v1" for s, _ in kinds), "the safe commitment is not a finding"
api_keys = sorted((f["kind"], f["severity"]) for f in doc["findings"] if f["desk"] == "keys")
assert api_keys == [("expiring", "this-week"), ("suspended", "act-now"), ("unused", "fyi")], api_keys
backups = sorted((f["subject"], f["kind"], f["severity"]) for f in doc["findings"] if f["desk"] == "backups")
assert backups == [("orders-db", "drill", "this-week"), ("orders-db", "shrank", "today"),
                   ("uploads", "corrupt", "act-now"), ("uploads", "drill", "this-week"),
                   ("wiki", "drill", "this-week"), ("wiki", "stale", "act-now")], backups
leaks = sorted((f["kind"], f["severity"]) for f in doc["findings"] if f["desk"] == "leaks")
assert leaks == [("at-head", "act-now"), ("at-head", "act-now"), ("at-head", "act-now"), ("in-history", "today")], leaks
own = [f for f in doc["findings"] if f["desk"] == "leaks" and f["title"].startswith("Our API key key_")]
assert len(own) == 1 and "revoked" in own[0]["title"], [f["title"] for f in doc["findings"] if f["desk"] == "leaks"]
leaked_id = own[0]["title"].split()[3]
incidents = sorted((f["title"], f["severity"]) for f in doc["findings"] if f["desk"] == "incidents")
assert [s for _, s in incidents] == ["act-now", "act-now"], incidents
assert incidents[0][0] == "Incident inc-0001 open: leaked API key " + leaked_id, incidents
assert incidents[1][0].startswith("Incident inc-0002 open: data access by API key key_"), incidents
knowledge = sorted((f["subject"], f["kind"], f["severity"]) for f in doc["findings"] if f["desk"] == "knowledge")
assert knowledge == [("payments", "low-truck-factor", "this-week"),
                     ("payments/billing", "only-author-inactive", "act-now"),
                     ("payments/ledger", "truck-factor-1", "this-week"),
                     ("storefront", "truck-factor-rising", "fyi"),
                     ("storefront/api", "truck-factor-1", "this-week"),
                     ("storefront/search", "truck-factor-1", "this-week")], knowledge
suppliers = sorted((f["subject"], f["kind"], f["severity"]) for f in doc["findings"] if f["desk"] == "suppliers")
assert ("customs codes", "schema-drift", "act-now") in suppliers, suppliers
assert ("customs codes", "late", "today") in suppliers, suppliers
assert not any(s == "parcel rates" for s, _, _ in suppliers), suppliers
rising = [f["subject"] for f in doc["findings"] if f["desk"] == "feedback" and f["kind"] == "rising"]
assert rising == ["theme: invoice pdf"], rising
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
