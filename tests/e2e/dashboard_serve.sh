#!/usr/bin/env bash
# The dashboard of `ctodesk serve` over HTTP with curl: accounts (bad input
# refused with exit 2, no plain password in the store), pages under a strict
# CSP with HTML from the registry escaped, the JSON API and /metrics, and the
# actions: refused without a session, with a wrong CSRF token and from a
# read-only account; a revocation by an admin is refused by the guard at once.
source "$(dirname "$0")/lib.sh"

SERVE=
cleanup() { [[ -n $SERVE ]] && kill -9 "$SERVE" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

cat >ctodesk.toml <<'TOML'
[company]
name = "Injected <i>Corp</i>"

[keys]
prefix = "acme"

[serve]
listen = "127.0.0.1:0"
TOML

# Accounts: bad input is refused with a one-line reason and exit 2.
expect_exit 2 "$CTODESK" users add "bad name" --password-stdin <<<"long enough password"
expect_contains "$err" 'user name "bad name": expected' "bad user name"
expect_exit 2 "$CTODESK" users add alice --role root --password-stdin <<<"long enough password"
expect_exit 2 "$CTODESK" users add alice --role admin --password-stdin <<<"short"
expect_contains "$err" "at least 10 characters" "short password"
expect_exit 2 "$CTODESK" users add alice --role admin --password-stdin </dev/null
expect_contains "$err" "stdin is empty" "no password on stdin"
expect_exit 0 "$CTODESK" users add alice --role admin --password-stdin <<<"alice secret pw"
expect_exit 0 "$CTODESK" users add reader
expect_contains "$out" "Password (shown once): " "generated password"
expect_exit 0 "$CTODESK" users list
expect_contains "$out" "alice" "users list"
expect_contains "$out" "reader" "users list"
for f in .ctodesk/desk.db*; do
  ! grep -q "alice secret pw" "$f" || fail "plain password in $f"
done

expect_exit 0 "$CTODESK" keys issue --owner '<script>alert(1)</script>' --format json
KEY=$("$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["key"])' <<<"$out")
ID=$("$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["id"])' <<<"$out")

"$CTODESK" serve >serve.out 2>&1 &
SERVE=$!
for _ in $(seq 100); do grep -q listening serve.out && break; sleep 0.05; done
PORT=$(grep -oE '127\.0\.0\.1:[0-9]+' serve.out | head -1 | cut -d: -f2)
[[ -n $PORT ]] || fail "serve did not start: $(cat serve.out)"
BASE="http://127.0.0.1:$PORT"
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

# Pages: strict CSP, everything escaped.
headers=$(curl -s -D - -o page.html "$BASE/")
expect_contains "$headers" "Content-Security-Policy: default-src 'self'" "CSP header"
expect_contains "$(cat page.html)" "Injected &lt;i&gt;Corp&lt;/i&gt;" "company name escaped"
expect_contains "$(cat page.html)" "The keys desk has never run" "never-ran warning"
curl -s "$BASE/desks/keys" >keys.html
expect_contains "$(cat keys.html)" "&lt;script&gt;alert(1)&lt;/script&gt;" "key owner escaped"
! grep -q "<script>alert" keys.html || fail "unescaped key owner on /desks/keys"
for f in app.css app.js icon.svg; do
  curl -s "$BASE/static/$f" | cmp -s - "$SRC/web/$f" || fail "/static/$f differs from web/$f"
done
[[ $(code "$BASE/desks/nope") == 404 ]] || fail "unknown desk is 404"
gz=$(curl -s -H 'Accept-Encoding: gzip' -D - -o /dev/null "$BASE/")
expect_contains "$gz" "Content-Encoding: gzip" "gzip"

# JSON API and metrics.
curl -s "$BASE/api/desks/keys/history" >history.json
"$PYTHON" - history.json "$ID" <<'PY' || fail "history JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["desk"] == "keys" and d["freshness"]["state"] == "never-ran", d["freshness"]
assert [k["id"] for k in d["keys"]] == [sys.argv[2]], d["keys"]
assert any(e["action"] == "issue" for e in d["audit"]), d["audit"]
PY
curl -s "$BASE/api/brief?limit=1" | "$PYTHON" -c 'import json,sys; d=json.load(sys.stdin); assert d["limit"]==1 and "next_cursor" in d' ||
  fail "/api/brief"
[[ $(code -H "X-Api-Key: $KEY" "$BASE/guard") == 200 ]] || fail "guard accepts the key"
metrics=$(curl -s "$BASE/metrics")
expect_contains "$metrics" 'ctodesk_guard_decisions_total{decision="allowed"} 1' "guard decisions in /metrics"

# Actions.
[[ $(code -X POST -d "key=$ID&reason=x&csrf=0" "$BASE/actions/revoke") == 401 ]] || fail "action without a session"
login() {  # NAME PASSWORD JAR
  [[ $(code -c "$3" -X POST --data-urlencode "name=$1" --data-urlencode "password=$2" "$BASE/login") == 303 ]] ||
    fail "login as $1"
}
[[ $(code -X POST -d "name=alice&password=wrong+password" "$BASE/login") == 401 ]] || fail "wrong password"
login alice "alice secret pw" alice.jar
grep -q "#HttpOnly_127.0.0.1" alice.jar || fail "session cookie is not HttpOnly"
CSRF=$(curl -s -b alice.jar "$BASE/desks/keys" | grep -oE 'name="csrf" value="[0-9a-f]+"' | head -1 | cut -d'"' -f4)
[[ -n $CSRF ]] || fail "no CSRF token on the keys page"
[[ $(code -b alice.jar -X POST -d "key=$ID&reason=x&csrf=${CSRF//?/0}" "$BASE/actions/revoke") == 403 ]] ||
  fail "wrong CSRF token accepted"
expect_exit 0 "$CTODESK" users add reader --role read --password-stdin <<<"reader secret pw"
login reader "reader secret pw" reader.jar
RCSRF=$(curl -s -b reader.jar "$BASE/" | grep -oE 'name="csrf" value="[0-9a-f]+"' | head -1 | cut -d'"' -f4)
[[ $(code -b reader.jar -X POST -d "key=$ID&reason=x&csrf=$RCSRF" "$BASE/actions/revoke") == 403 ]] ||
  fail "read-only account allowed to revoke"
[[ $(code -H "X-Api-Key: $KEY" "$BASE/guard") == 200 ]] || fail "key still valid after refused actions"
[[ $(code -b alice.jar -X POST -d "key=$ID&reason=leaked&back=%2Fdesks%2Fkeys&csrf=$CSRF" "$BASE/actions/revoke") == 303 ]] ||
  fail "admin revoke"
ok=0
for _ in $(seq 20); do
  [[ $(code -H "X-Api-Key: $KEY" "$BASE/guard") == 401 ]] && { ok=1; break; }
  sleep 0.1
done
((ok)) || fail "the guard still accepts a key revoked from the dashboard"
expect_exit 0 "$CTODESK" keys audit --verify
expect_exit 0 "$CTODESK" keys list --all --format json
expect_contains "$out" '"revoked' "key revoked in the registry"
curl -s "$BASE/api/desks/keys/history" | grep -q '"actor":"web:alice"' || fail "audit trail names web:alice"
echo "dashboard serve ok"
