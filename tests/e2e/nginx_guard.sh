#!/usr/bin/env bash
# A real nginx (Debian's) with auth_request pointed at `ctodesk serve`, using
# docs/nginx-guard.conf as shipped (only ports and paths substituted): 200,
# 401, 403 and 429 end to end, then the access log it wrote ingested back.
# Skips (exit 0, with a message) when nginx is not installed.
source "$(dirname "$0")/lib.sh"

NGINX=$(command -v nginx || true)
[[ -z $NGINX && -x /usr/sbin/nginx ]] && NGINX=/usr/sbin/nginx
if [[ -z $NGINX ]]; then
  echo "SKIP: nginx is not installed (scripts/install-deps.sh --test installs it)"
  exit 0
fi
if ! "$NGINX" -V 2>&1 | grep -q -- --with-http_auth_request_module; then
  echo "SKIP: this nginx lacks the auth_request module"
  exit 0
fi

pick_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

GUARD_PORT=$(pick_port); API_PORT=$(pick_port); BACKEND_PORT=$(pick_port)
cat >ctodesk.toml <<TOML
[keys]
prefix = "acme"
objects = ["/customers/{id}"]

[[keys.plans]]
name = "standard"
rate_per_minute = 1000
sequential_walk = 5

[[keys.plans]]
name = "tiny"
rate_per_minute = 3

[serve]
listen = "127.0.0.1:$GUARD_PORT"
TOML
expect_exit 0 "$CTODESK" keys issue --owner alice --client Globex --plan standard --format json
ALICE=$("$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["key"])' <<<"$out")
ALICE_ID=$("$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["id"])' <<<"$out")
expect_exit 0 "$CTODESK" keys issue --owner bob --plan tiny --format json
BOB=$("$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["key"])' <<<"$out")

"$CTODESK" serve >serve.out 2>&1 &
PIDS+=($!)

mkdir -p nginx
sed -e "s/127.0.0.1:8750/127.0.0.1:$GUARD_PORT/" -e "s/127.0.0.1:8080/127.0.0.1:$BACKEND_PORT/" \
    -e "s|listen 80;|listen 127.0.0.1:$API_PORT;|" -e "s|/var/log/nginx/api-access.log|$WORK/nginx/access.log|" \
    "$SRC/docs/nginx-guard.conf" >nginx/guard.conf
cat >nginx/nginx.conf <<NGX
worker_processes 1;
daemon off;
master_process off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 256; }
http {
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  include $WORK/nginx/guard.conf;
  server {
    listen 127.0.0.1:$BACKEND_PORT;
    access_log off;
    location / { default_type text/plain; return 200 "backend: \$http_x_key_id\n"; }
  }
}
NGX
"$NGINX" -t -p "$WORK/nginx" -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" 2>nginx/test.out ||
  fail "nginx rejects docs/nginx-guard.conf: $(cat nginx/test.out)"
"$NGINX" -p "$WORK/nginx" -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" &
PIDS+=($!)

API="http://127.0.0.1:$API_PORT"
for _ in $(seq 100); do
  curl -s -o /dev/null "$API/" && curl -s -o /dev/null "http://127.0.0.1:$GUARD_PORT/healthz" && break
  sleep 0.1
done

code() { curl -s -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' "$@"; }

[[ $(code -H "Authorization: Bearer $ALICE" "$API/customers/100") == 200 ]] || fail "valid key: expected 200, got $(cat body headers)"
grep -q "backend: $ALICE_ID" body || fail "the API did not receive X-Key-Id: $(cat body)"
[[ $(code "$API/customers/1") == 401 ]] || fail "no key: expected 401"
bad="${ALICE:0:10}$([[ ${ALICE:10:1} == a ]] && echo b || echo a)${ALICE:11}"
[[ $(code -H "X-Api-Key: $bad" "$API/customers/1") == 401 ]] || fail "bad checksum: expected 401"
[[ $(code "$API/customers/1?api_key=$ALICE") == 200 ]] || fail "key in the query: expected 200"

# Bob's plan allows 3 a minute: the 4th is a 429 with Retry-After.
for i in 1 2 3; do
  [[ $(code -H "X-Api-Key: $BOB" "$API/search") == 200 ]] || fail "bob request $i: expected 200"
done
[[ $(code -H "X-Api-Key: $BOB" "$API/search") == 429 ]] || fail "over the rate: expected 429, got $(cat headers)"
grep -qi '^retry-after: [0-9]' headers || fail "429 without Retry-After: $(cat headers)"

# Alice walks customers 101..105: a walk of 5 suspends her -> 403.
for id in 101 102 103 104; do code -H "X-Api-Key: $ALICE" "$API/customers/$id" >/dev/null; done
c=$(code -H "X-Api-Key: $ALICE" "$API/customers/105")
[[ $c == 403 ]] || fail "sequential walk: expected 403, got $c"
grep -qi '^x-guard-reason: suspended: walked' headers || fail "403 without the reason: $(cat headers)"
[[ $(code -H "X-Api-Key: $ALICE" "$API/customers/7") == 403 ]] || fail "stays suspended"

# Revoked from another process: 401 within a second.
expect_exit 0 "$CTODESK" keys revoke --key "$BOB" --reason "test"
sleep 1
[[ $(code -H "X-Api-Key: $BOB" "$API/orders") == 401 ]] || fail "revoked key: expected 401"

# The log nginx wrote, ingested back: the key id is there, the plain key is not stored.
sleep 0.3
grep -q "\"$ALICE_ID\"" nginx/access.log || fail "access log lacks the key id: $(tail -3 nginx/access.log)"
expect_exit 0 "$CTODESK" keys ingest nginx/access.log --format nginx-combined --no-suspend
expect_contains "$out" "0 malformed" "nginx's own log parses"
expect_exit 0 "$CTODESK" keys audit "$ALICE_ID" --format json
"$PYTHON" - "$WORK/stdout" <<'PY' || fail "audit of alice"
import json, sys
u = json.load(open(sys.argv[1]))["usage"]
statuses = {s["value"]: s["count"] for s in u["statuses"]}
assert statuses.get("200", 0) >= 2 and statuses.get("403", 0) >= 2, statuses
PY
if grep -qa -e "$ALICE" -e "$BOB" .ctodesk/desk.db*; then fail "a plain key reached the store"; fi
echo "nginx guard ok"
