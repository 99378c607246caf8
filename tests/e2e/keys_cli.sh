#!/usr/bin/env bash
# `ctodesk keys`: issue prints the key once and only there; list, revoke,
# rotate (with and without grace, hand-over files 0600), audit --verify and
# its exit code, ingest with malformed lines, usage errors.
source "$(dirname "$0")/lib.sh"

cat >ctodesk.toml <<'TOML'
[keys]
prefix = "acme"
objects = ["/customers/{id}"]

[[keys.plans]]
name = "partner"
sequential_walk = 20
TOML

expect_exit 0 "$CTODESK" keys issue --owner alice --client Globex --scope read:customers --expires 90d --plan partner
KEY=$(grep -oE 'acme_[0-9A-Za-z]{38}' <<<"$out" | head -1)
[[ -n $KEY ]] || fail "issue did not print the key: $out"
expect_contains "$out" "only time" "issue says the key is shown once"
ID=$(grep -oE 'key_[0-9a-f]{12}' <<<"$out" | head -1)
expect_exit 0 "$CTODESK" keys issue --owner bob --client Initech
expect_exit 0 "$CTODESK" keys issue --owner carol --client Globex
expect_exit 2 "$CTODESK" keys issue --client nobody
expect_exit 2 "$CTODESK" keys issue --owner x --expires soon
expect_contains "$err" "--expires" "bad duration names the flag"

expect_exit 0 "$CTODESK" keys list
expect_contains "$out" "$ID" "list shows the key"
expect_contains "$out" "acme_..." "list shows hints"
[[ $out != *"$KEY"* ]] || fail "list printed a plain key"
expect_exit 0 "$CTODESK" keys list --format json
"$PYTHON" -c 'import json,sys; d=json.load(sys.stdin); assert len(d)==3 and all("key" not in k for k in d), d' <<<"$out" ||
  fail "list --format json"

# Usage from a gateway log, with junk lines: counted with line numbers, not fatal.
{
  for i in $(seq 1 30); do
    printf '203.0.113.9 - - [27/Nov/2026:09:00:%02d +0000] "GET /customers/%d HTTP/1.1" 200 99 "-" "scraper/0.1" "%s"\n' "$i" "$((500 + i))" "$ID"
    [[ $i == 7 ]] && printf 'garbage line\n'
    [[ $i == 9 ]] && printf '\x00\x01\xff binary\n'
  done
} >gateway.log
expect_exit 1 "$CTODESK" keys ingest gateway.log --format nginx-combined
expect_contains "$out" "2 malformed" "malformed lines counted"
expect_contains "$out" "line 8:" "first bad line by number"
expect_contains "$out" "line 11:" "second bad line by number"
expect_contains "$out" "SUSPENDED $ID" "the scraper in the log is stopped"
expect_exit 0 "$CTODESK" keys audit "$ID" --format json
"$PYTHON" -c 'import json,sys; u=json.load(sys.stdin)["usage"]; assert u["count"]==30 and u["ips"][0]["value"]=="203.0.113.9", u' <<<"$out" ||
  fail "audit counts the ingested uses"
# The same file again adds nothing; a line appended since is read once.
printf '203.0.113.9 - - [27/Nov/2026:09:01:00 +0000] "GET /customers/999 HTTP/1.1" 200 99 "-" "scraper/0.1" "%s"\n' "$ID" >>gateway.log
expect_exit 0 "$CTODESK" keys ingest gateway.log --format nginx-combined
expect_contains "$out" "ingested before" "a re-ingest says where it resumed"
expect_contains "$out" "1 lines, 1 usage events stored" "a re-ingest reads only the new line"
expect_exit 0 "$CTODESK" keys ingest gateway.log --format nginx-combined
expect_contains "$out" "0 usage events stored" "a second re-ingest adds nothing"
expect_exit 0 "$CTODESK" keys audit "$ID" --format json
"$PYTHON" -c 'import json,sys; u=json.load(sys.stdin)["usage"]; assert u["count"]==31, u' <<<"$out" ||
  fail "re-ingesting does not double-count"
expect_exit 1 "$CTODESK" keys audit --key "$KEY" --exposed-since 2026-11-27T09:00:10Z
[[ $(head -1 "$WORK/stdout") == yes:* ]] || fail "exposed-since answers yes first: $out"
expect_exit 0 "$CTODESK" keys audit "$ID" --exposed-since 2026-11-27T10:00:00Z
[[ $(head -1 "$WORK/stdout") == no:* ]] || fail "exposed-since answers no first: $out"
expect_exit 0 "$CTODESK" keys reinstate "$ID"

# Rotate Globex with a grace period, then everyone at once.
expect_exit 0 "$CTODESK" keys rotate --client Globex --grace 24h --out handover
expect_contains "$out" "Rotated 2 keys" "rotate --client"
[[ $out != *acme_[0-9A-Za-z]* ]] || fail "rotate printed a plain key: $out"
csv=$(ls handover/*.csv); json=$(ls handover/*.json)
[[ $(stat -c %a "$csv") == 600 && $(stat -c %a "$json") == 600 ]] || fail "hand-over files are not 0600"
[[ $(grep -c '^alice,Globex,' "$csv") == 1 ]] || fail "alice's new key is not in the CSV"
expect_exit 0 "$CTODESK" keys list --format json
"$PYTHON" -c 'import json,sys; d=json.load(sys.stdin); s=sorted(k["status"] for k in d); assert s==["active","active","active","grace","grace"], s' <<<"$out" ||
  fail "grace: old keys stay valid"
ls handover/*.pending >/dev/null 2>&1 && fail "a .pending hand-over file was left behind"
# A hand-over file that cannot be written: nothing is rotated (the files are
# written before the rotation is stored). A folder where the file must go
# makes the write fail even as root.
mkdir -p "stuck/rotation-2026-11-28T12-00-00Z.csv.pending"
expect_exit 0 "$CTODESK" keys list --format json
before=$out
expect_exit 2 "$CTODESK" keys rotate --all --out stuck --now 2026-11-28T12:00:00Z
expect_contains "$err" "rotation-2026-11-28T12-00-00Z.csv.pending: cannot write" "the hand-over error names the file"
expect_exit 0 "$CTODESK" keys list --format json
[[ $out == "$before" ]] || fail "a failed hand-over changed the registry"
expect_exit 0 "$CTODESK" keys rotate --all --format json
"$PYTHON" -c 'import json,sys; d=json.load(sys.stdin); assert len(d["rotated"])==3, d' <<<"$out" ||
  fail "rotate --all rotates the 3 active keys"
expect_exit 2 "$CTODESK" keys rotate
expect_exit 2 "$CTODESK" keys revoke key_000000000000 --reason x
expect_contains "$err" "no key with id" "unknown id"

expect_exit 0 "$CTODESK" keys audit --verify
expect_contains "$out" "ok: the audit chain" "verify"
# Nothing secret in the store: no key printed by `issue` is in the database.
if grep -qa "$KEY" .ctodesk/desk.db*; then fail "the plain key is in the store"; fi
# Tamper with the store: verify fails with exit 1.
"$PYTHON" - .ctodesk/desk.db <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2")
db.commit()
PY
expect_exit 1 "$CTODESK" keys audit --verify
expect_contains "$out" "BROKEN" "verify reports tampering"
expect_contains "$out" "entry 2" "verify names the entry"
echo "keys cli ok"
