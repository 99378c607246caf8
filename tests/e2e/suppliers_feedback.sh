#!/usr/bin/env bash
# The suppliers and feedback desks end to end on a small company of their own:
# `suppliers check` and `suppliers report` over gzip/zstd drops with a late,
# drifted delivery; a corrupt delivery reported with its line; `feedback
# digest` finding the rising theme with personal data masked; bad --week.
source "$(dirname "$0")/lib.sh"

now=2026-11-27T12:00:00Z
mkdir -p drops/a drops/b support
day() { date -u -d "2026-11-27 -$1 days" +%F; }
for d in 6 5 4 3 2 1 0; do
  f="drops/a/rates-$(day $d).csv"
  { echo "zone,price"; for z in 1 2 3 4 5; do echo "$z,1$z.50"; done; } >"$f"
  gzip "$f"
  touch -d "$(day $d) 06:05:00 UTC" "$f.gz"
done
# Feed b: on time until two days ago, today 4 h late with a renamed column.
for d in 6 5 4 3 2; do
  printf '{"sku":"A%s","qty":%s}\n{"sku":"B%s","qty":2}\n' "$d" "$d" "$d" >"drops/b/stock-$(day $d).jsonl"
  touch -d "$(day $d) 07:10:00 UTC" "drops/b/stock-$(day $d).jsonl"
done
printf '{"article":"A0","qty":1}\n{"article":"B0","qty":"many"}\n' >"drops/b/stock-$(day 0).jsonl"
touch -d "$(day 0) 11:00:00 UTC" "drops/b/stock-$(day 0).jsonl"

python_tickets() {
  "$PYTHON" - <<'PY'
import csv, random, datetime
random.seed(3)
now = datetime.datetime(2026, 11, 27, 12, 0, 0)
themes = [("Password reset email never arrives", [15]*5), ("Tracking page shows wrong status", [12]*5),
          ("Invoice PDF is blank", [1, 2, 1, 2, 20])]
w = csv.writer(open("support/tickets.csv", "w", newline=""))
w.writerow(["id", "created_at", "subject", "body", "customer", "plan", "revenue"])
n = 1
for text, weeks in themes:
    for i, count in enumerate(weeks):
        for _ in range(count):
            t = now - datetime.timedelta(days=35 - 7 * i) + datetime.timedelta(minutes=random.randint(1, 10070))
            w.writerow([n, t.strftime("%Y-%m-%d %H:%M:%S"), text,
                        f"{text}. Reach me at jane{n}@example.org or +1 (415) 555-01{n % 100:02d}.",
                        f"c{random.randint(1, 50)}", random.choice(["free", "pro"]), random.randint(0, 900)])
            n += 1
PY
}
python_tickets

cat >ctodesk.toml <<'EOF'
[[suppliers.feeds]]
name = "rates"
supplier = "Northwind"
folder = "drops/a"
glob = "rates-*.csv.gz"
schedule = "0 6 * * *"
grace = "1h"
[[suppliers.feeds.columns]]
name = "price"
type = "number"

[[suppliers.feeds]]
name = "stock"
supplier = "Contoso"
folder = "drops/b"
glob = "stock-*.jsonl"
schedule = "0 7 * * *"
grace = "1h"
downstream = ["shop"]
[[suppliers.feeds.columns]]
name = "qty"
type = "int"

[feedback]
source = "support/tickets.csv"
free_plans = ["free"]
EOF

expect_exit 1 "$CTODESK" suppliers check --now "$now"
expect_contains "$out" "13 new deliveries read." "check reads every delivery once"
expect_contains "$out" "stock from Contoso changed its schema" "schema drift"
expect_contains "$out" "stock from Contoso arrived 4 hours late" "late delivery"
expect_contains "$out" "stock from Contoso failed type on \"qty\"" "a failed rule names the column"
expect_exit 1 "$CTODESK" suppliers check --now "$now" --format json
expect_contains "$out" '"new_deliveries": []' "a second check reads nothing new"
"$PYTHON" -c 'import json,sys; d=json.load(sys.stdin); assert any(f["kind"]=="schema-drift" and f["severity"]=="act-now" for f in d["findings"]), d' <<<"$out" \
  || fail "suppliers check --format json lacks the act-now schema drift"

expect_exit 0 "$CTODESK" suppliers report --now "$now"
expect_contains "$out" "Northwind" "report lists each supplier"
grep -E '^Contoso +7 +71% +83% +1 ' <<<"$out" >/dev/null || fail "Contoso: expected 7 due, 71% on time, 83% quality, 1 missed; got [$out]"
expect_exit 0 "$CTODESK" suppliers report --now "$now" --format json
"$PYTHON" -c 'import json,sys; d={s["supplier"]: s for s in json.load(sys.stdin)}; assert d["Northwind"]["30d"]["on_time_rate"] == 1.0, d; assert d["Contoso"]["30d"]["late"] == 1, d' <<<"$out" \
  || fail "suppliers report --format json"

# A corrupt delivery: the rule result names the file and line.
printf 'zone,price\n1,"unterminated\n' | gzip >"drops/a/rates-2026-11-28.csv.gz"
touch -d "2026-11-28 06:03:00 UTC" "drops/a/rates-2026-11-28.csv.gz"
expect_exit 1 "$CTODESK" suppliers check --now 2026-11-28T09:00:00Z
expect_contains "$out" "rates from Northwind failed format" "corrupt delivery"
expect_exit 1 "$CTODESK" suppliers check --now 2026-11-28T09:00:00Z --format json
expect_contains "$out" 'rates-2026-11-28.csv.gz:3: unterminated quoted field (opened on line 2)' "error names file and line"

expect_exit 0 "$CTODESK" feedback digest --now "$now"
expect_contains "$out" "invoice pdf" "digest finds the rising theme"
expect_contains "$out" "RISING" "the rising theme is marked"
expect_contains "$out" "[email]" "emails masked in quotes"
if grep -q '@example.org' <<<"$out"; then fail "digest shows an email address"; fi
if grep -q '555-01' <<<"$out"; then fail "digest shows a phone number"; fi
expect_exit 0 "$CTODESK" feedback digest --now "$now" --format json
"$PYTHON" -c 'import json,sys; d=json.load(sys.stdin); t=d["themes"][0]; assert t["label"].startswith("invoice pdf") and t["rising"] and t["tickets"] == 20, t' <<<"$out" \
  || fail "digest JSON: the rising theme is not on top"
expect_exit 0 "$CTODESK" feedback digest --now "$now" --week 2026-11-09 --format json
"$PYTHON" -c 'import json,sys; d=json.load(sys.stdin); assert d["week_start"] == "2026-11-09T00:00:00Z" and not any(t["rising"] for t in d["themes"]), d' <<<"$out" \
  || fail "digest of an earlier, quiet week"
expect_exit 2 "$CTODESK" feedback digest --week soon
expect_contains "$err" '--week: expected a date such as 2026-11-23, got "soon"' "bad --week"
expect_exit 0 "$CTODESK" brief --now "$now" --only feedback --format json
echo "suppliers and feedback ok"
