#!/usr/bin/env bash
# bench/backups/run.sh — verifying backups: ctodesk vs the limit vs restic and borg.
#
# Builds SIZE_MB of data in a temp folder, half as tar.zst archives and half as
# plain files listed in a SHA256SUMS manifest, then measures, all on the same
# bytes (read from the page cache: every tool gets a warm-up pass first):
#
#   limit     the fastest single pass over the bytes, one process per file,
#             JOBS at a time: `zstd -t` for the archives, `openssl dgst
#             -sha256` for the checksummed files
#   ctodesk   `ctodesk backups verify --deep` over two systems (verify =
#             ["archive"] and ["checksums"]), JOBS files at a time
#   restic    `restic check --read-data` on a repository holding the same files
#   borg      `borg check --verify-data` on a repository holding the same files
#
# Reported: wall seconds, CPU seconds (user+sys of the tool and its children)
# and MB/s over SIZE_MB. Knobs: SIZE_MB=2048 FILE_MB=128 JOBS=$(nproc)
# CTODESK=path/to/ctodesk KEEP=1 (keep the temp folder).
set -euo pipefail

SIZE_MB=${SIZE_MB:-2048}
FILE_MB=${FILE_MB:-128}
JOBS=${JOBS:-$(nproc)}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
die() { echo "run.sh: $*" >&2; exit 2; }

missing=()
for pkg in restic borgbackup zstd openssl; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
  [[ $(id -u) == 0 ]] || die "missing packages: ${missing[*]} (run as root or install them)"
  echo "installing ${missing[*]} ..." >&2
  apt-get install -y "${missing[@]}" >/dev/null
fi

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

T=$(mktemp -d /tmp/ctodesk-bench-backups.XXXXXX)
[[ -n ${KEEP:-} ]] || trap 'rm -rf "$T"' EXIT
mkdir -p "$T/data/archives" "$T/data/files" "$T/src"

# ------------------------------------------------------------ data
# Half-compressible content (random bytes interleaved with repeated text), so
# zstd has real work to do and the repositories do not deduplicate it away.
n=$(( SIZE_MB / FILE_MB / 2 )); ((n >= 1)) || n=1
echo "generating $((2 * n)) files of ~${FILE_MB} MB in $T ..." >&2
make_content() {  # OUT MB SEED
  local out=$1 mb=$2 seed=$3
  # The producers die of SIGPIPE when head has enough: not a failure here.
  { openssl enc -aes-128-ctr -nosalt -pass "pass:$seed" -in /dev/zero 2>/dev/null || true; } \
    | head -c $(( mb * 1024 * 1024 / 2 )) > "$out.rand"
  { yes "order $seed,customer,shipped,2026-11-27,EUR 42.00" || true; } | head -c $(( mb * 1024 * 1024 / 2 )) > "$out.text"
  cat "$out.rand" "$out.text" > "$out"
  rm -f "$out.rand" "$out.text"
}
for i in $(seq 1 "$n"); do
  make_content "$T/src/part-$i.bin" "$FILE_MB" "a$i"
  tar -C "$T/src" -cf - "part-$i.bin" | zstd -q -1 -T0 -o "$T/data/archives/archive-$i.tar.zst"
  rm -f "$T/src/part-$i.bin"
  make_content "$T/data/files/file-$i.bin" "$FILE_MB" "f$i"
done
(cd "$T/data/files" && sha256sum ./*.bin | sed 's|  \./|  |' > SHA256SUMS)
BYTES=$(du -cb "$T/data/archives" "$T/data/files" | tail -1 | cut -f1)
MB=$(( BYTES / 1000000 ))

cat > "$T/ctodesk.toml" <<EOF
[backups]
[[backups.systems]]
name = "archives"
path = "$T/data/archives"
glob = "*.tar.zst"
verify = ["archive"]
[[backups.systems]]
name = "files"
path = "$T/data/files"
glob = "*.bin"
verify = ["checksums"]
EOF

export RESTIC_PASSWORD=bench RESTIC_CACHE_DIR="$T/restic-cache" BORG_BASE_DIR="$T/borg-base"
export BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes BORG_RELOCATED_REPO_ACCESS_IS_OK=yes
echo "filling the restic and borg repositories ..." >&2
restic init -q --repo "$T/restic" >/dev/null
restic backup -q --repo "$T/restic" "$T/data" >/dev/null
borg init -e none "$T/borg" >/dev/null 2>&1
borg create "$T/borg::one" "$T/data" >/dev/null 2>&1

# ------------------------------------------------------------ measurements
# measure NAME CMD...: wall and user+sys of the command and its children.
declare -A WALL CPU
measure() {
  local name=$1; shift
  local t0 t1 c0 c1
  c0=$(awk '{print $14+$15+$16+$17}' /proc/$$/stat)
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>"$T/$name.err" || { cat "$T/$name.err" >&2; die "$name failed"; }
  t1=$(date +%s.%N)
  c1=$(awk '{print $14+$15+$16+$17}' /proc/$$/stat)
  WALL[$name]=$(echo "$t1 - $t0" | bc -l)
  CPU[$name]=$(echo "($c1 - $c0) / $(getconf CLK_TCK)" | bc -l)
}
limit() {
  { ls "$T"/data/archives/*.tar.zst | sed 's/^/zstd -q -t /'
    ls "$T"/data/files/*.bin | sed 's/^/openssl dgst -sha256 /'
  } | xargs -P "$JOBS" -I{} sh -c '{} >/dev/null'
}
verify() { "$CTODESK" backups verify --deep --jobs "$JOBS" --config "$T/ctodesk.toml"; }
restic_check() { restic check -q --read-data --repo "$T/restic"; }
borg_check() { borg check --verify-data "$T/borg"; }

cat "$T"/data/*/* > /dev/null  # warm the page cache
verify >/dev/null               # and the store
for name in limit verify restic_check borg_check; do measure "$name" "$name"; done

printf '\n%s MB in %s files, %s jobs, %s\n\n' "$MB" "$((2 * n))" "$JOBS" "$(nproc) cores"
printf '| %-30s | %8s | %8s | %9s | %12s |\n' "tool" "wall s" "CPU s" "MB/s wall" "MB per CPU-s"
printf '|%s|%s|%s|%s|%s|\n' "--------------------------------" "---------:" "---------:" "----------:" "-------------:"
for name in limit verify restic_check borg_check; do
  label=$name
  case $name in
    limit) label="limit (zstd -t, openssl dgst)";;
    verify) label="ctodesk backups verify --deep";;
    restic_check) label="restic check --read-data";;
    borg_check) label="borg check --verify-data";;
  esac
  printf '| %-30s | %8.2f | %8.2f | %9.0f | %12.0f |\n' "$label" "${WALL[$name]}" "${CPU[$name]}" \
    "$(echo "$MB / ${WALL[$name]}" | bc -l)" "$(echo "$MB / (${CPU[$name]} + 0.001)" | bc -l)"
done
printf '\nctodesk vs limit (wall): %.2fx; restic / ctodesk (wall): %.1fx; borg / ctodesk (wall): %.1fx\n' \
  "$(echo "${WALL[limit]} / ${WALL[verify]}" | bc -l)" \
  "$(echo "${WALL[restic_check]} / ${WALL[verify]}" | bc -l)" \
  "$(echo "${WALL[borg_check]} / ${WALL[verify]}" | bc -l)"
