#!/usr/bin/env bash
# `ctodesk incident`: the leaked-key procedure through the binary (exact use
# counts from an ingested log, rotation shown once, idempotent re-run), a
# webhook that is down leaving the incident open with its next step, the
# data-access procedure's CSV, list/show/close, and bad input (exit 2, one line).
source "$(dirname "$0")/lib.sh"

DOWN_PORT=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
cat >ctodesk.toml <<TOML
[company]
name = "Acme"
time_zone = "America/New_York"

[keys]
prefix = "acme"
objects = ["/customers/{id}"]

[[alerts]]
name = "security channel"
url = "http://127.0.0.1:${DOWN_PORT}/hook"
attempts = 1
backoff = "1ms"
TOML

NOW=2026-11-27T12:00:00Z
expect_exit 0 "$CTODESK" keys issue --owner alice --client Globex --now 2026-10-01T00:00:00Z
KEY=$(grep -oE 'acme_[0-9A-Za-z]{38}' <<<"$out" | head -1)
ID=$(grep -oE 'key_[0-9a-f]{12}' <<<"$out" | head -1)
expect_exit 0 "$CTODESK" keys issue --owner alice --client Initech --now 2026-10-01T00:00:00Z
expect_exit 0 "$CTODESK" keys issue --owner bob --client Other --now 2026-10-01T00:00:00Z
OTHER=$(grep -oE 'key_[0-9a-f]{12}' <<<"$out" | head -1)

# Usage: 5 from alice's usual source before the exposure (09:00), then 4 from
# it and 2 from a new IP inside the window; bob's key fetched customer 3.
{
  for i in 1 2 3 4 5; do printf '{"time":"2026-11-26T0%d:00:00Z","ip":"198.51.100.7","method":"GET","path":"/customers/%d","status":200,"user_agent":"sync/1","key_id":"%s"}\n' "$i" "$i" "$ID"; done
  for i in 1 2 3 4; do printf '{"time":"2026-11-27T09:1%d:00Z","ip":"198.51.100.7","method":"GET","path":"/customers/%d","status":200,"user_agent":"sync/1","key_id":"%s"}\n' "$i" "$i" "$ID"; done
  for i in 1 2; do printf '{"time":"2026-11-27T10:3%d:00Z","ip":"203.0.113.99","method":"GET","path":"/customers/%d","status":200,"user_agent":"curl/8","key_id":"%s"}\n' "$i" "$((100 + i))" "$ID"; done
  printf '{"time":"2026-11-27T10:00:00Z","ip":"192.0.2.1","method":"GET","path":"/customers/3","status":200,"user_agent":"x","key_id":"%s"}\n' "$OTHER"
} >usage.jsonl
"$CTODESK" keys ingest usage.jsonl --format json --no-suspend >/dev/null 2>&1 || true
expect_exit 0 "$CTODESK" keys audit "$ID" --format json
"$PYTHON" -c 'import json,sys; assert json.load(sys.stdin)["usage"]["count"]==11' <<<"$out" || fail "the log was ingested: $out"

# Bad input: exit 2, one line, nothing recorded.
expect_exit 2 "$CTODESK" incident open leaked-key --key-id key_000000000000 --exposed-since 2026-11-27T09:00:00Z --now $NOW
expect_contains "$err" "no key with id" "unknown key"
[[ $(wc -l <<<"$err") == 1 ]] || fail "one line: $err"
expect_exit 2 "$CTODESK" incident open leaked-key --key "$KEY" --exposed-since yesterday-ish --now $NOW
expect_contains "$err" "--exposed-since" "bad time names the flag"
expect_exit 2 "$CTODESK" incident open leaked-key --key "$KEY" --now $NOW
expect_contains "$err" "no exposure start" "no window without the leaks desk or --exposed-since"
expect_exit 2 "$CTODESK" incident open sideways --key-id "$ID" --now $NOW
expect_exit 2 "$CTODESK" incident show inc-0042
expect_contains "$err" "no incident \"inc-0042\"" "unknown incident"
expect_exit 2 "$CTODESK" incident resume inc-0042
expect_exit 0 "$CTODESK" incident list
expect_contains "$out" "No incidents" "bad input recorded nothing"

# The webhook is down: the procedure stops at "alert", the incident stays open.
expect_exit 1 "$CTODESK" incident open leaked-key --key "$KEY" --exposed-since 2026-11-27T09:00:00Z --rotate owner --now $NOW
expect_contains "$err" "next step: alert" "names the next step"
expect_contains "$out" "New keys (2)" "the leaked key and alice's other key are replaced"
HANDOVER=.ctodesk/rotations/inc-0001-new-keys.csv
[[ $(stat -c %a "$HANDOVER") == 600 ]] || fail "hand-over file is not 0600"
[[ $(grep -c acme_ "$HANDOVER") == 2 ]] || fail "hand-over has the two new keys"
[[ ! -e .ctodesk/rotations/new-keys.csv.pending ]] || fail "the pending hand-over file was left behind"
[[ $out != *acme_* && $err != *acme_* ]] || fail "a plain key was printed"
expect_exit 0 "$CTODESK" incident list --format json
"$PYTHON" -c 'import json,sys; d=json.load(sys.stdin); assert d[0]["status"]=="open" and d[0]["next_step"]=="alert", d' <<<"$out" ||
  fail "open with next step alert: $out"
expect_exit 0 "$CTODESK" keys list --format json
"$PYTHON" -c 'import json,sys; d=json.load(sys.stdin); assert len(d)==3 and sum(k["created_at"]=="2026-11-27T12:00:00Z" for k in d)==2, d' <<<"$out" ||
  fail "bob's key + 2 replacements are usable: $out"

# Re-running open continues the same incident: no second rotation.
expect_exit 1 "$CTODESK" incident open leaked-key --key-id "$ID" --rotate owner --now $NOW
expect_contains "$out" "Continued incident inc-0001" "continues"
[[ $out != *"New keys"* ]] || fail "rotated twice"
expect_exit 0 "$CTODESK" keys list --format json
"$PYTHON" -c 'import json,sys; d=json.load(sys.stdin); assert len(d)==3, d' <<<"$out" || fail "no double rotation: $out"

# The receiver is back (the alert goes nowhere now): resume finishes.
sed -i '/\[\[alerts\]\]/,$d' ctodesk.toml
expect_exit 0 "$CTODESK" incident resume inc-0001 --now 2026-11-27T12:05:00Z
expect_contains "$out" "All steps done" "resume finishes"
expect_exit 0 "$CTODESK" incident show inc-0001
expect_contains "$out" "6 uses: 4 from known sources, 2 from new sources" "exact counts, sources apart"
expect_contains "$out" "| NEW | 203.0.113.99 | curl/8 | 2 |" "the new source"
expect_contains "$out" "2026-11-27 12:00 UTC" "UTC"
expect_contains "$out" "2026-11-27 07:00 EST" "company time zone"
expect_contains "$out" "audit trail verifies" "chain verdict"
[[ $out != *"$KEY"* ]] || fail "plain key in the report"
expect_exit 0 "$CTODESK" incident show inc-0001 --format html
expect_contains "$out" "<h2>Timeline</h2>" "html report"
expect_exit 0 "$CTODESK" keys audit --verify
grep -q "${KEY#acme_}" .ctodesk/desk.db* && fail "plain key in the database"

# Data access by bob's key, from its suspension's audit number.
expect_exit 0 "$CTODESK" keys suspend "$OTHER" --reason "pulled customers" --now 2026-11-27T10:30:00Z
expect_exit 0 "$CTODESK" keys audit --format json
SEQ=$("$PYTHON" -c 'import json,sys; print([e["seq"] for e in json.load(sys.stdin) if e["action"]=="suspend"][-1])' <<<"$out")
expect_exit 2 "$CTODESK" incident open data-access --suspension 999 --now $NOW
expect_contains "$err" "no suspension with that audit number" "unknown suspension"
expect_exit 0 "$CTODESK" incident open data-access --suspension "$SEQ" --from 2026-11-27T00:00:00Z --to 2026-11-27T12:00:00Z --now $NOW
expect_contains "$out" "Opened incident inc-0002 (data-access, key $OTHER)" "opened from the suspension"
expect_exit 0 "$CTODESK" incident show inc-0002
expect_contains "$out" "fetched 1 records in 1 requests" "objects counted"
expect_contains "$out" "stopped (suspended) at 2026-11-27 10:30 UTC" "the stop, from the audit trail"
[[ -f incidents/inc-0002-exposed-objects.csv ]] || fail "no CSV"
# customer 3 was fetched by alice's key too, so nothing is exposed by bob alone.
[[ $(wc -l <incidents/inc-0002-exposed-objects.csv) == 1 ]] || fail "exposed set: $(cat incidents/inc-0002-exposed-objects.csv)"
expect_exit 2 "$CTODESK" incident open data-access --key-id "$OTHER" --from 2026-11-27 --to 2026-11-26 --now $NOW
expect_contains "$err" "must be before" "window order"

# Open incidents are act-now in the briefing until closed.
expect_exit 1 "$CTODESK" brief --only incidents --fail-on act-now --now 2026-11-27T12:10:00Z
expect_contains "$out" "Incident inc-0001 open" "briefing shows it"
expect_exit 2 "$CTODESK" incident close inc-0001 --summary "  "
expect_exit 0 "$CTODESK" incident close inc-0001 --summary "Revoked; 2 uses from a new IP; Globex told."
expect_exit 0 "$CTODESK" incident close inc-0002 --summary "Nothing exposed."
expect_exit 2 "$CTODESK" incident close inc-0001 --summary "again"
expect_exit 0 "$CTODESK" brief --only incidents --fail-on act-now --now 2026-11-27T12:20:00Z
echo ok
