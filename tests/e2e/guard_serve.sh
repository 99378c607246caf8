#!/usr/bin/env bash
# `ctodesk serve` as its own process: the guard answers over HTTP, a key
# revoked by another `ctodesk` process is refused within a second, SIGTERM
# flushes every usage event, and after SIGKILL only the last batch window
# (200 ms) can be missing.
source "$(dirname "$0")/lib.sh"

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

cat >ctodesk.toml <<'TOML'
[keys]
prefix = "acme"

[serve]
listen = "127.0.0.1:0"
TOML
expect_exit 0 "$CTODESK" keys issue --owner alice --format json
KEY=$("$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["key"])' <<<"$out")
ID=$("$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["id"])' <<<"$out")

start_serve() {
  "$CTODESK" serve >serve.out 2>&1 &
  SERVE=$!
  PIDS+=("$SERVE")
  for _ in $(seq 100); do grep -q listening serve.out && break; sleep 0.05; done
  PORT=$(grep -oE '127\.0\.0\.1:[0-9]+' serve.out | head -1 | cut -d: -f2)
  [[ -n $PORT ]] || fail "serve did not start: $(cat serve.out)"
}
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

start_serve
[[ $(code -H "Authorization: Bearer $KEY" "http://127.0.0.1:$PORT/guard") == 200 ]] || fail "200"
[[ $(code "http://127.0.0.1:$PORT/guard") == 401 ]] || fail "401 without a key"
[[ $(code "http://127.0.0.1:$PORT/healthz") == 200 ]] || fail "healthz"

# A key issued by another process works within a second.
expect_exit 0 "$CTODESK" keys issue --owner bob --format json
BOB=$("$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["key"])' <<<"$out")
ok=0
for _ in $(seq 10); do
  [[ $(code -H "X-Api-Key: $BOB" "http://127.0.0.1:$PORT/guard") == 200 ]] && { ok=1; break; }
  sleep 0.1
done
((ok)) || fail "a new key was not accepted within a second"

# 100 requests, then SIGTERM: all 100 (plus the first) are in the store.
for i in $(seq 100); do curl -s -o /dev/null -H "X-Api-Key: $KEY" "http://127.0.0.1:$PORT/guard"; done
kill -TERM "$SERVE"
wait "$SERVE" || fail "serve exited non-zero on SIGTERM"
expect_contains "$(cat serve.out)" "stopped on SIGTERM" "serve says it stopped"
expect_exit 0 "$CTODESK" keys audit "$ID" --format json
n=$("$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["usage"]["count"])' <<<"$out")
[[ $n == 101 ]] || fail "after SIGTERM: expected 101 usage events, got $n"

# Crash: SIGKILL 500 ms after the last acknowledged request loses nothing.
start_serve
for i in $(seq 50); do curl -s -o /dev/null -H "X-Api-Key: $KEY" "http://127.0.0.1:$PORT/guard"; done
sleep 0.5
kill -9 "$SERVE"; wait "$SERVE" 2>/dev/null || true
expect_exit 0 "$CTODESK" keys audit "$ID" --format json
n=$("$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["usage"]["count"])' <<<"$out")
[[ $n == 151 ]] || fail "after SIGKILL: expected 151 usage events, got $n"

# Revoked by another process: refused within a second.
start_serve
expect_exit 0 "$CTODESK" keys revoke "$ID" --reason "leaked in a test"
start=$(date +%s%N)
until [[ $(code -H "X-Api-Key: $KEY" "http://127.0.0.1:$PORT/guard") == 401 ]]; do
  (( ($(date +%s%N) - start) / 1000000 < 1000 )) || fail "revocation not in effect after 1 s"
  sleep 0.05
done
expect_exit 2 "$CTODESK" serve --listen nonsense
expect_contains "$err" "listen address" "bad --listen"
echo "guard serve ok"
