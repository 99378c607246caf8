#!/usr/bin/env bash
# The leaks desk against its physical limit, on one repository's full history
# and its working tree:
#   limit      git cat-file --batch-all-objects --batch >/dev/null
#              (reads and inflates every object once)
#   ctodesk    ctodesk leaks scan REPO            (every blob of every commit)
#   worktree   ctodesk leaks scan CHECKOUT-FOLDER (files only)
#   secretlint npx secretlint on the same working tree, when it is installed
# Wall time (median of RUNS), CPU and peak RSS (GNU time) per tool.
#
#   bench/leaks/run.sh [REPO]        # default: a synthetic 50k-commit history
#   COMMITS=20000 RUNS=3 bench/leaks/run.sh
#
# Without REPO the script writes a synthetic history with
# bench/knowledge/make_repo.py (git fast-import, then a full repack so blobs
# are deltified as in a real repository) and plants a few made-up secrets in it.
# Uses $CTODESK, or build-bench/ctodesk, or build/ctodesk; release builds only
# give meaningful numbers (not the sanitizer build).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
COMMITS=${COMMITS:-50000}
RUNS=${RUNS:-3}
CTODESK=${CTODESK:-}
for c in "$ROOT/build-bench/ctodesk" "$ROOT/build/ctodesk"; do
  [[ -z "$CTODESK" && -x "$c" ]] && CTODESK=$c
done
[[ -x "$CTODESK" ]] || { echo "no ctodesk binary: set CTODESK or run make build" >&2; exit 2; }
"$CTODESK" leaks rules >/dev/null || { echo "$CTODESK has no leaks desk" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }

TMP=$(mktemp -d)
trap '[[ -n "${KEEP:-}" ]] || rm -rf "$TMP"' EXIT

REPO=${1:-}
if [[ -z "$REPO" ]]; then
  REPO="$TMP/synthetic.git"
  echo "writing a synthetic history of $COMMITS commits to $REPO" >&2
  git init -q --bare "$REPO"
  python3 "$ROOT/bench/knowledge/make_repo.py" "$COMMITS" | git -C "$REPO" fast-import --quiet
  # Plant secrets on a side branch so the scan has something to attribute.
  python3 - "$TMP/secrets.env" <<'PY'
import random, sys, zlib
a = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
rng = random.Random(1)
with open(sys.argv[1], "w") as f:
    for i in range(5):
        r = "".join(rng.choice(a) for _ in range(30)); n = zlib.crc32(r.encode()); s = ""
        while True:
            s = a[n % 62] + s; n //= 62
            if n == 0: break
        f.write(f"TOKEN_{i}=ghp_{r}{s.rjust(6, '0')}\n")
PY
  blob=$(git -C "$REPO" hash-object -w "$TMP/secrets.env")
  tree=$(printf '100644 blob %s\tsecrets.env\n' "$blob" | git -C "$REPO" mktree)
  commit=$(GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@example.com GIT_COMMITTER_NAME=b GIT_COMMITTER_EMAIL=b@example.com \
           git -C "$REPO" commit-tree "$tree" -m secrets)
  git -C "$REPO" update-ref refs/heads/leak "$commit"
  git -C "$REPO" repack -adq --window=50 --depth=50
fi
WORKTREE="$TMP/worktree"
git clone -q --no-hardlinks "$REPO" "$WORKTREE" 2>/dev/null || git clone -q "$REPO" "$WORKTREE"
rm -rf "$WORKTREE/.git"

objects=$(git -C "$REPO" count-objects -v | awk '/^(count|in-pack):/ { n += $2 } END { print n }')
commits=$(git -C "$REPO" rev-list --all | wc -l)
pack_mb=$(du -sm "$REPO" | cut -f1)

# measure NAME CMD...: RUNS runs; prints the median wall, its CPU and peak RSS.
measure() {
  local name=$1; shift
  local rows=()
  for ((i = 0; i < RUNS; i++)); do
    /usr/bin/time -f '%e %U %S %M' -o "$TMP/time" "$@" >/dev/null 2>"$TMP/err" || true
    rows+=("$(tail -1 "$TMP/time")")
  done
  printf '%s\n' "${rows[@]}" | sort -n | awk -v name="$name" -v n="$RUNS" '
    NR == int((n + 1) / 2) { printf "| %-34s | %8.2f | %8.2f | %8.0f |\n", name, $1, $2 + $3, $4 / 1024 }'
}

echo
echo "repository: $REPO — $commits commits, $objects objects, $pack_mb MB on disk; $(nproc) cores"
echo
echo "| tool | wall s (median of $RUNS) | CPU s | peak RSS MB |"
echo "|---|---:|---:|---:|"
measure "limit: git cat-file --batch-all-objects" git -C "$REPO" cat-file --batch-all-objects --batch
measure "ctodesk leaks scan (full history)" "$CTODESK" leaks scan "$REPO" --format json
measure "ctodesk leaks scan (working tree)" "$CTODESK" leaks scan "$WORKTREE" --format json
if command -v secretlint >/dev/null; then
  measure "secretlint (working tree)" secretlint --secretlintrc "$HERE/secretlintrc.json" "$WORKTREE/**/*"
else
  echo "| secretlint (not installed: npm i -g secretlint @secretlint/secretlint-rule-preset-recommend) | | | |"
fi
"$CTODESK" leaks scan "$REPO" --format json > "$TMP/scan.json" || true
python3 - "$TMP/scan.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["reports"][0]
s = r["stats"]
print(f"\nctodesk: {s['blobs_scanned']} blobs, {s['bytes_scanned'] / 1e6:.0f} MB scanned, "
      f"{s['skipped_large']} over the size limit, {s['skipped_binary']} binary; "
      f"{len(r['secrets'])} secrets, {s['commits']} commits walked for attribution")
PY
