#!/usr/bin/env bash
# bench/guard: the guard against the limit for one HTTP hop, and `keys ingest`
# against goaccess. Loopback only; everything started here is stopped on exit.
#
#   1. GET /guard with valid keys (keep-alive) on `ctodesk serve`, KEYS keys
#      registered (default 100,000), against nginx answering a static 200 on
#      the same machine, both driven by wrk for DURATION with CONNS connections.
#      wrk and the server share the machine's cores; then again with wrk
#      pinned to CPU 0 and the server to CPU 1 (PIN=0 skips that part).
#   2. `ctodesk keys ingest` of a LOG_MB access log (default 1024) in nginx
#      combined format against `goaccess` on the same file.
#
# Settings: CTODESK (binary; default build-bench/ctodesk, then build/ctodesk),
# KEYS, DURATION (10s), CONNS (32), SERVE_THREADS (1), WRK_THREADS (1),
# LOG_MB, SKIP_INGEST=1, SKIP_GUARD=1, PIN=0, KEEP=1 (keep the temp folder),
# PRIO=0 (by default, as root, the servers and wrk run at nice -15 in an
# autogroup at nice -20, so other work on a shared machine — a compiler —
# disturbs both servers' tails less; it applies to nginx and ctodesk alike).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
KEYS=${KEYS:-100000}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-32}
SERVE_THREADS=${SERVE_THREADS:-1}
WRK_THREADS=${WRK_THREADS:-1}
LOG_MB=${LOG_MB:-1024}
PYTHON=python3
[[ -x /usr/bin/python3 ]] && PYTHON=/usr/bin/python3

if [[ -z ${CTODESK:-} ]]; then
  for c in "$ROOT/build-bench/ctodesk" "$ROOT/build/ctodesk"; do
    [[ -x $c ]] && { CTODESK=$c; break; }
  done
fi
[[ -n ${CTODESK:-} ]] || { echo "no ctodesk binary: build build-bench (Release) or set CTODESK" >&2; exit 2; }
for tool in wrk nginx; do
  command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] || { echo "needs $tool (apt-get install $tool)" >&2; exit 2; }
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

PRIO_CMD=()
if [[ ${PRIO:-1} != 0 && $(id -u) == 0 ]] && echo -20 2>/dev/null >/proc/self/autogroup; then
  PRIO_CMD=(nice -n -15)
fi
TMP=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [[ -n ${KEEP:-} ]] && echo "kept $TMP" >&2 || rm -rf "$TMP"
}
trap cleanup EXIT
pick_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cd "$TMP"

# ------------------------------------------------------------ the registry
GUARD_PORT=$(pick_port)
cat >ctodesk.toml <<TOML
[keys]
prefix = "bench"
objects = ["/customers/{id}"]

[[keys.plans]]
name = "default"
rate_per_minute = 100000000
distinct_objects_per_hour = 100000000
sequential_walk = 1000000
volume_factor = 1000

[serve]
listen = "127.0.0.1:$GUARD_PORT"
TOML
: >keys.txt
for i in $(seq 16); do
  "$CTODESK" keys issue --owner "bench$i" --format json |
    "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["key"])' >>keys.txt
done
# The rest of the registry: hashes of random keys, as the registry holds them.
"$PYTHON" - .ctodesk/desk.db "$((KEYS - 16))" <<'PY'
import hashlib, os, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
now = int(time.time())
rows = []
for i in range(int(sys.argv[2])):
    h = hashlib.sha256(os.urandom(32)).hexdigest()
    rows.append((f"key_f{i:011x}", h, "bench_...xxxx", f"filler{i}", "", "[]", "default", now,
                 None, None, "", None, "", ""))
db.executemany("INSERT INTO api_keys VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
db.commit()
print(db.execute("SELECT count(*) FROM api_keys").fetchone()[0], "keys registered", file=sys.stderr)
PY

"${PRIO_CMD[@]}" "$CTODESK" serve --threads "$SERVE_THREADS" >serve.out 2>&1 &
PIDS+=($!)
for _ in $(seq 200); do curl -sf -o /dev/null "http://127.0.0.1:$GUARD_PORT/healthz" && break; sleep 0.05; done

# ------------------------------------------------------------ nginx, static 200
NGINX_PORT=$(pick_port)
mkdir -p nginx
cat >nginx/nginx.conf <<NGX
worker_processes $SERVE_THREADS;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $TMP/nginx/body;
  proxy_temp_path $TMP/nginx/proxy;
  fastcgi_temp_path $TMP/nginx/fastcgi;
  uwsgi_temp_path $TMP/nginx/uwsgi;
  scgi_temp_path $TMP/nginx/scgi;
  server {
    listen 127.0.0.1:$NGINX_PORT backlog=4096;
    keepalive_requests 1000000;
    location / { default_type text/plain; return 200 ""; }
  }
}
NGX
"${PRIO_CMD[@]}" "$NGINX" -p "$TMP/nginx" -e "$TMP/nginx/error.log" -c "$TMP/nginx/nginx.conf" &
PIDS+=($!)
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$NGINX_PORT/" && break; sleep 0.05; done

# wrk picks one of the valid keys and a random customer for every request.
{
  echo "local keys = {"
  sed 's/.*/  "&",/' keys.txt
  echo "}"
  cat <<'LUA'
math.randomseed(42)
request = function()
  local h = {}
  h["Authorization"] = "Bearer " .. keys[math.random(#keys)]
  h["X-Original-URI"] = "/customers/" .. math.random(1, 100000)
  h["X-Original-Method"] = "GET"
  return wrk.format("GET", "/guard", h)
end
LUA
} >guard.lua
cat >static.lua <<'LUA'
request = function()
  return wrk.format("GET", "/customers/" .. math.random(1, 100000), {["Authorization"] = "Bearer x"})
end
LUA

code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(head -1 keys.txt)" "http://127.0.0.1:$GUARD_PORT/guard")
[[ $code == 200 ]] || { echo "the guard does not accept the bench key ($code)" >&2; cat serve.out >&2; exit 1; }

WRK_PREFIX=()
run_wrk() {  # NAME URL SCRIPT
  local out="wrk-${1//[^a-z0-9]/_}.txt"
  "${PRIO_CMD[@]}" "${WRK_PREFIX[@]}" wrk -t"$WRK_THREADS" -c"$CONNS" -d"$DURATION" --latency -s "$3" "$2" >"$out" 2>&1
  local rps p50 p90 p99 non2xx
  rps=$(awk '/^Requests\/sec/ {print $2}' "$out")
  p50=$(awk '$1 == "50%" {print $2}' "$out")
  p90=$(awk '$1 == "90%" {print $2}' "$out")
  p99=$(awk '$1 == "99%" {print $2}' "$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$out")
  printf '| %-28s | %10s | %8s | %8s | %8s | %s |\n' "$1" "$rps" "$p50" "$p90" "$p99" "${non2xx:-0}"
}
if [[ -z ${SKIP_GUARD:-} ]]; then
echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "priority: ${PRIO_CMD[*]:-none} $(cat /proc/self/autogroup 2>/dev/null)"
echo "ctodesk: $CTODESK; $KEYS keys registered; wrk -t$WRK_THREADS -c$CONNS -d$DURATION; server threads/workers: $SERVE_THREADS"
echo
echo "| target                       |  req/s     |   p50    |   p90    |   p99    | non-2xx |"
echo "|------------------------------|------------|----------|----------|----------|---------|"
run_wrk "nginx static 200" "http://127.0.0.1:$NGINX_PORT" static.lua
run_wrk "ctodesk /guard (valid keys)" "http://127.0.0.1:$GUARD_PORT" guard.lua
run_wrk "nginx static 200 (again)" "http://127.0.0.1:$NGINX_PORT" static.lua

# The same three runs with wrk pinned to CPU 0 and the servers (every thread
# of ctodesk serve; nginx's master and worker) to CPU 1, so the load
# generator does not share the server's core: this shows the server's own
# tail. Skipped with PIN=0 or without taskset / a second CPU.
if [[ ${PIN:-1} != 0 ]] && command -v taskset >/dev/null && (($(nproc --all) >= 2)); then
  pin_server() {  # CPUS
    taskset -a -pc "$1" "${PIDS[0]}" >/dev/null
    for p in $(cat "$TMP/nginx/nginx.pid") $(pgrep -P "$(cat "$TMP/nginx/nginx.pid")"); do
      taskset -a -pc "$1" "$p" >/dev/null
    done
  }
  pin_server 1
  WRK_PREFIX=(taskset -c 0)
  echo "|  pinned: wrk on CPU 0, server on CPU 1 |            |          |          |          |         |"
  run_wrk "nginx static 200 (pinned)" "http://127.0.0.1:$NGINX_PORT" static.lua
  run_wrk "ctodesk /guard (pinned)" "http://127.0.0.1:$GUARD_PORT" guard.lua
  run_wrk "nginx static 200 (pinned, again)" "http://127.0.0.1:$NGINX_PORT" static.lua
  WRK_PREFIX=()
  pin_server 0-$(($(nproc --all) - 1))
fi
echo
curl -s "http://127.0.0.1:$GUARD_PORT/healthz"
fi

[[ -n ${SKIP_INGEST:-} ]] && exit 0
# ------------------------------------------------------------ ingest vs goaccess
command -v goaccess >/dev/null || { echo "SKIP ingest: needs goaccess (apt-get install goaccess)"; exit 0; }
"$PYTHON" - access.log "$LOG_MB" .ctodesk/desk.db <<'PY'
import random, sqlite3, sys, time
out_path, mb = sys.argv[1], int(sys.argv[2])
ids = [r[0] for r in sqlite3.connect(sys.argv[3]).execute("SELECT id FROM api_keys LIMIT 200")]
random.seed(7)
t = 1796200000
agents = ["AcmeApp/4.2 (iOS 17)", "python-requests/2.31", "okhttp/4.12", "Mozilla/5.0 (X11; Linux x86_64)"]
lines = []
for i in range(20000):
    t += random.randint(0, 2)
    lt = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(t))
    path = random.choice(["/customers/%d" % random.randint(1, 10**6), "/orders/%d/items" % random.randint(1, 10**6), "/search?q=parcel"])
    lines.append('10.%d.%d.%d - - [%s] "GET %s HTTP/1.1" %d %d "-" "%s" "%s"\n' % (
        random.randint(0, 255), random.randint(0, 255), random.randint(1, 254), lt, path,
        random.choice([200] * 20 + [404, 500]), random.randint(100, 9000), random.choice(agents), random.choice(ids)))
block = "".join(lines).encode()
with open(out_path, "wb") as f:
    for _ in range(max(1, mb * 1024 * 1024 // len(block))):
        f.write(block)
PY
size=$(stat -c %s access.log)
lines=$(wc -l <access.log)
measure() {  # prints wall seconds
  local s e
  s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
  echo "$e - $s" | bc -l
}
t_ingest=$(measure "$CTODESK" keys ingest access.log --format nginx-combined --no-suspend)
t_goaccess=$(measure goaccess access.log --log-format=COMBINED -o "$TMP/report.json")
echo
printf 'access log: %d MB, %d lines; load %s\n\n' "$((size / 1048576))" "$lines" "$(cut -d' ' -f1-3 /proc/loadavg)"
echo "| tool | wall s | MB/s | lines/s |"
echo "|---|---|---|---|"
for row in "ctodesk keys ingest:$t_ingest" "goaccess (COMBINED, JSON report):$t_goaccess"; do
  name=${row%%:*}; t=${row##*:}
  printf '| %s | %.1f | %.0f | %.0f |\n' "$name" "$t" "$(echo "$size / 1048576 / $t" | bc -l)" "$(echo "$lines / $t" | bc -l)"
done
