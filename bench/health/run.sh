#!/usr/bin/env bash
# bench/health/run.sh — HTTP probe rounds: ctodesk vs blackbox_exporter vs curl.
#
# Starts a private nginx on 127.0.0.1 that answers 200 "ok" on /p/<n>, then,
# interleaved round by round so all three see the same machine load:
#
#   ctodesk     `ctodesk health check` on a config of PROBES http probes
#               (/p/1../p/PROBES), once per concurrency in CONCURRENCY.
#               CPU = user+sys of the ctodesk process (getrusage via bash
#               `times`): process start, config load, the probes, and the
#               SQLite write of every result — the whole command.
#   blackbox    prometheus-blackbox-exporter (http_2xx module) probing the same
#               URLs through /probe, driven by one `curl --parallel` with
#               BB_PARALLEL requests in flight (keep-alive to the exporter).
#               CPU = utime+stime delta of the exporter from /proc/<pid>/stat.
#               The driver's own CPU is reported apart, not charged to anyone.
#   curl        the curl command line, one process per probe, one after the
#               other; CURL_N probes in all (CURL_N/ROUNDS per round), scaled
#               to 1,000. CPU = user+sys of the curl processes.
#
# Every process it starts is stopped on exit; it listens on 127.0.0.1 only.
# Knobs (environment): ROUNDS=10 PROBES=1000 CONCURRENCY="64 128 256"
#   BB_PARALLEL=64 CURL_N=1000 CTODESK=path/to/ctodesk KEEP=1 (keep temp dir)
set -euo pipefail

ROUNDS=${ROUNDS:-10}
PROBES=${PROBES:-1000}
CONCURRENCY=${CONCURRENCY:-"64 128 256"}
BB_PARALLEL=${BB_PARALLEL:-64}
CURL_N=${CURL_N:-1000}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)

die() { echo "run.sh: $*" >&2; exit 2; }

# ------------------------------------------------------------ prerequisites
missing=()
for pkg in nginx prometheus-blackbox-exporter curl; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
  [[ $(id -u) == 0 ]] || die "missing packages: ${missing[*]} (run as root or install them)"
  echo "installing ${missing[*]} ..." >&2
  apt-get install -y "${missing[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
BLACKBOX=$(command -v prometheus-blackbox-exporter || echo /usr/bin/prometheus-blackbox-exporter)

if [[ -z ${CTODESK:-} ]]; then
  for c in "$REPO/build-bench/ctodesk" "$REPO/build/ctodesk"; do
    [[ -x $c ]] && { CTODESK=$c; break; }
  done
fi
if [[ -z ${CTODESK:-} ]]; then
  echo "building ctodesk (Release) in build-bench ..." >&2
  cmake -S "$REPO" -B "$REPO/build-bench" -DCMAKE_BUILD_TYPE=Release -DCTODESK_TESTS=OFF >/dev/null
  cmake --build "$REPO/build-bench" --target ctodesk -j "$(nproc)" >/dev/null
  CTODESK=$REPO/build-bench/ctodesk
fi
[[ -x $CTODESK ]] || die "no ctodesk binary at $CTODESK"

# ------------------------------------------------------------ housekeeping
TMP=$(mktemp -d /tmp/ctodesk-bench.XXXXXX)
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [[ -n ${KEEP:-} ]]; then echo "kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() {
  local p
  for p in $(shuf -i 18000-18999 -n 200); do
    port_free "$p" && { echo "$p"; return 0; }
  done
  die "no free port in 18000-18999"
}
wait_http() {  # url: wait up to 5 s for a 200
  local i
  for i in $(seq 50); do
    curl -qsf -o /dev/null "$1" && return 0
    sleep 0.1
  done
  die "nothing answers at $1"
}
# utime+stime of a process, in clock ticks
TICK=$(getconf CLK_TCK)
proc_ticks() {
  local s
  s=$(<"/proc/$1/stat")
  s=${s##*) }
  # shellcheck disable=SC2086  # split the fields on purpose
  set -- $s
  echo $(( ${12} + ${13} ))
}
nginx_ticks() {  # master and workers
  local t=0 p
  for p in $NGINX_PID $(pgrep -P "$NGINX_PID"); do t=$(( t + $(proc_ticks "$p") )); done
  echo "$t"
}
# "XmY.YYYs" -> seconds
to_s() { awk -v v="$1" 'BEGIN { split(v, a, "m"); sub("s", "", a[2]); printf "%.3f", a[1] * 60 + a[2] }'; }
# Runs "$@" in a subshell; prints "wall user sys" of it (children's rusage).
measure() {
  local out
  out=$( (
    t0=$EPOCHREALTIME
    "$@"
    t1=$EPOCHREALTIME
    echo "$t0 $t1"
    times
  ) )
  local -a l
  mapfile -t l <<<"$out"
  local t0 t1 cu cs
  read -r t0 t1 <<<"${l[0]}"
  read -r cu cs <<<"${l[2]}"
  echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }') $(to_s "$cu") $(to_s "$cs")"
}

# ------------------------------------------------------------ nginx
NGINX_PORT=$(pick_port)
mkdir -p "$TMP/nginx"
cat >"$TMP/nginx/nginx.conf" <<EOF
worker_processes 2;
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
    location ~ ^/p/[0-9]+\$ { default_type text/plain; return 200 "ok"; }
    location / { return 404; }
  }
}
EOF
"$NGINX" -p "$TMP/nginx" -e "$TMP/nginx/error.log" -c "$TMP/nginx/nginx.conf" &
NGINX_PID=$!
PIDS+=("$NGINX_PID")
wait_http "http://127.0.0.1:$NGINX_PORT/p/1"

# ------------------------------------------------------------ blackbox_exporter
BB_PORT=$(pick_port)
cat >"$TMP/blackbox.yml" <<'EOF'
modules:
  http_2xx:
    prober: http
    timeout: 10s
    http:
      preferred_ip_protocol: ip4
      valid_status_codes: [200]
EOF
"$BLACKBOX" --config.file="$TMP/blackbox.yml" --web.listen-address="127.0.0.1:$BB_PORT" \
  --log.level=warn >"$TMP/blackbox.log" 2>&1 &
BB_PID=$!
PIDS+=("$BB_PID")
wait_http "http://127.0.0.1:$BB_PORT/-/healthy"

# curl config files for the driver: one for a checked warm-up, one for rounds
mkdir -p "$TMP/bb-out"
for ((i = 1; i <= PROBES; i++)); do
  u="http://127.0.0.1:$BB_PORT/probe?module=http_2xx&target=http%3A%2F%2F127.0.0.1%3A$NGINX_PORT%2Fp%2F$i"
  printf 'url = "%s"\noutput = "/dev/null"\n' "$u" >>"$TMP/bb-round.curl"
  printf 'url = "%s"\noutput = "%s/bb-out/%d"\n' "$u" "$TMP" "$i" >>"$TMP/bb-check.curl"
done
bb_drive() { curl -q -s --no-progress-meter -Z --parallel-immediate --parallel-max "$BB_PARALLEL" -K "$1"; }

# ------------------------------------------------------------ ctodesk configs
for c in $CONCURRENCY; do
  d=$TMP/ctodesk-c$c
  mkdir -p "$d"
  {
    printf '[company]\nname = "bench"\n\n[health]\nconcurrency = %d\ntimeout = "10s"\n' "$c"
    for ((i = 1; i <= PROBES; i++)); do
      printf '\n[[health.probes]]\nname = "p%d"\nurl = "http://127.0.0.1:%d/p/%d"\n' "$i" "$NGINX_PORT" "$i"
    done
  } >"$d/ctodesk.toml"
done
ctodesk_round() { "$CTODESK" health check --config "$1" --format json >"$2" 2>&1 || true; }

curl_serial() {  # from to
  local i
  for ((i = $1; i <= $2; i++)); do
    curl -q -s -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$NGINX_PORT/p/$i" >>"$TMP/curl.codes" || true
  done
}

# ------------------------------------------------------------ warm-up + checks
echo "ctodesk: $CTODESK" >&2
echo "nginx on 127.0.0.1:$NGINX_PORT, blackbox_exporter on 127.0.0.1:$BB_PORT, temp $TMP" >&2
for c in $CONCURRENCY; do
  d=$TMP/ctodesk-c$c
  ctodesk_round "$d/ctodesk.toml" "$d/warmup.json"
  up=$(grep -c '"up": true' "$d/warmup.json" || true)
  [[ $up == "$PROBES" ]] || die "ctodesk c=$c warm-up: $up of $PROBES up (see $d/warmup.json; KEEP=1 keeps it)"
done
bb_drive "$TMP/bb-check.curl"
up=$(grep -l '^probe_success 1$' "$TMP"/bb-out/* | wc -l)
[[ $up == "$PROBES" ]] || die "blackbox warm-up: $up of $PROBES probes succeeded"
curl_serial 1 10
[[ $(grep -c '^200$' "$TMP/curl.codes") == 10 ]] || die "curl warm-up failed"
: >"$TMP/curl.codes"

# ------------------------------------------------------------ rounds
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A WALL CPU
per_curl=$(( (CURL_N + ROUNDS - 1) / ROUNDS ))
curl_done=0
declare -A NGT
for ((r = 1; r <= ROUNDS; r++)); do
  for c in $CONCURRENCY; do
    d=$TMP/ctodesk-c$c
    n0=$(nginx_ticks)
    read -r w u s < <(measure ctodesk_round "$d/ctodesk.toml" "$d/round.json")
    NGT[ctodesk$c]=$(( ${NGT[ctodesk$c]:-0} + $(nginx_ticks) - n0 ))
    up=$(grep -c '"up": true' "$d/round.json" || true)
    [[ $up == "$PROBES" ]] || echo "warning: ctodesk c=$c round $r: $up of $PROBES up" >&2
    WALL[ctodesk$c]+="$w "
    CPU[ctodesk$c]+="$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }') "
  done

  b0=$(proc_ticks "$BB_PID")
  n0=$(nginx_ticks)
  read -r w u s < <(measure bb_drive "$TMP/bb-round.curl")
  b1=$(proc_ticks "$BB_PID")
  NGT[blackbox]=$(( ${NGT[blackbox]:-0} + $(nginx_ticks) - n0 ))
  WALL[blackbox]+="$w "
  CPU[blackbox]+="$(awk -v t=$((b1 - b0)) -v k="$TICK" 'BEGIN { print t / k }') "
  CPU[driver]+="$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }') "

  from=$((curl_done + 1))
  to=$((curl_done + per_curl))
  ((to > CURL_N)) && to=$CURL_N
  if ((from <= to)); then
    n0=$(nginx_ticks)
    read -r w u s < <(measure curl_serial "$from" "$to")
    NGT[curl]=$(( ${NGT[curl]:-0} + $(nginx_ticks) - n0 ))
    WALL[curl]+="$w "
    CPU[curl]+="$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }') "
    curl_done=$to
  fi
  printf '.' >&2
done
echo >&2
ok=$(grep -c '^200$' "$TMP/curl.codes" || true)
[[ $ok == "$curl_done" ]] || echo "warning: curl: $ok of $curl_done probes got 200" >&2
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ------------------------------------------------------------ report
# stats "list" -> "sum median min max"
stats() { tr ' ' '\n' <<<"$1" | awk 'NF' | sort -g | awk '{ v[NR] = $1; s += $1 }
  END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.4f %.4f %.4f %.4f\n", s, m, v[1], v[NR] }'; }

echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "load average before/after: $LOAD_BEFORE / $LOAD_AFTER"
echo "$ROUNDS rounds of $PROBES probes (curl CLI: $curl_done probes in all, scaled to $PROBES); nginx 127.0.0.1:$NGINX_PORT"
echo
printf '%-28s %12s %12s %12s %14s %12s %12s\n' "tool" "wall/round" "min" "max" "CPU-s/1000" "probes/CPU-s" "nginx CPU-s"
printf '%-28s %12s %12s %12s %14s %12s %12s\n' "" "(median, s)" "(s)" "(s)" "probes" "" "/1000"
row() {  # label key probes-measured scale-to-round
  local label=$1 key=$2 n=$3
  read -r _ wmed wmin wmax <<<"$(stats "${WALL[$key]}")"
  read -r csum _ _ _ <<<"$(stats "${CPU[$key]}")"
  if [[ $key == curl ]]; then  # rounds hold per_curl probes: report per PROBES
    read -r wsum _ _ _ <<<"$(stats "${WALL[$key]}")"
    wmed=$(awk -v s="$wsum" -v n="$n" -v p="$PROBES" 'BEGIN { printf "%.4f", s * p / n }')
    wmin=-; wmax=-
  fi
  local per1000 pps ng
  per1000=$(awk -v c="$csum" -v n="$n" 'BEGIN { printf "%.4f", c * 1000 / n }')
  pps=$(awk -v c="$csum" -v n="$n" 'BEGIN { printf "%.0f", c > 0 ? n / c : 0 }')
  ng=$(awk -v t="${NGT[$key]}" -v k="$TICK" -v n="$n" 'BEGIN { printf "%.3f", t / k * 1000 / n }')
  printf '%-28s %12s %12s %12s %14s %12s %12s\n' "$label" "$wmed" "$wmin" "$wmax" "$per1000" "$pps" "$ng"
  echo "$key $per1000 $wmed" >>"$TMP/summary"
}
for c in $CONCURRENCY; do
  row "ctodesk health check c=$c" "ctodesk$c" $((ROUNDS * PROBES))
done
row "blackbox_exporter P=$BB_PARALLEL" blackbox $((ROUNDS * PROBES))
row "curl CLI, one by one" curl "$curl_done"
read -r dsum _ _ _ <<<"$(stats "${CPU[driver]}")"
echo "(blackbox driver, curl --parallel: $(awk -v c="$dsum" -v n=$((ROUNDS * PROBES)) 'BEGIN { printf "%.4f", c * 1000 / n }') CPU-s/1000 probes, not counted above)"

echo
echo "ratios (same run):"
bb=$(awk '$1 == "blackbox" { print $2 }' "$TMP/summary")
cu=$(awk '$1 == "curl" { print $2 }' "$TMP/summary")
for c in $CONCURRENCY; do
  read -r _ cd wm <<<"$(awk -v k="ctodesk$c" '$1 == k' "$TMP/summary")"
  awk -v bb="$bb" -v cu="$cu" -v cd="$cd" -v wm="$wm" -v c="$c" 'BEGIN {
    r = bb / cd
    cpu_ok = "MISSED"; if (r >= 3) cpu_ok = "met"
    wall_ok = "MISSED"; if (wm < 0.5) wall_ok = "met"
    printf("  c=%-4d blackbox/ctodesk CPU per probe %5.2fx (target >= 3x: %s)   curl/ctodesk %6.1fx   wall/round %.3f s (target < 0.5 s: %s)\n", c, r, cpu_ok, cu / cd, wm, wall_ok) }'
done
awk -v bb="$bb" 'BEGIN { printf "  blackbox_exporter: %.0f probes per CPU-second\n", 1000 / bb }'
echo "ctodesk's CPU is the whole command: process start, loading a 1,000-probe config, the probes, and writing 1,000 results to SQLite."
