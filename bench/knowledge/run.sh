#!/usr/bin/env bash
# bench/knowledge/run.sh — the knowledge desk on a large repository, in one run:
#
#   git log     `git log --name-status --find-renames --format=%H%x00%an%x00%ae%x00%at`
#               >/dev/null: the least walk git itself does for the same facts
#               (the physical limit: every commit's tree compared with its
#               parent's, renames detected).
#   ctodesk     `ctodesk knowledge report REPO --format json` with an empty
#               store: the whole computation (walk, store every commit's
#               changes, DOA, truck factors, 12 month-end trend points).
#   incremental one new commit (made with `git commit-tree` in a local clone,
#               so the given repository is never written) analysed with
#               `--at`: reads 1 commit.
#   gitinspector (Debian `gitinspector`, if installed) on the same repository,
#               with a TIMEOUT (default 3600 s).
#
# Wall time, CPU time (user + system) and peak RSS from /usr/bin/time; on a
# shared machine the CPU ratio is the steadier one. Targets (issue 6): ctodesk within
# 1.5x of git log, under 400 MB, at least 20x faster than gitinspector, and
# the incremental run under 1 s.
#
# REPO=path to a full clone (git's own repository is a good one: >70k
# commits). Without REPO, a synthetic repository of COMMITS (default 50000)
# commits is generated with make_repo.py and `git fast-import` (deterministic).
# Knobs: REPO, COMMITS, TIMEOUT, CTODESK=path/to/ctodesk, KEEP=1 (keep temp dir).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
COMMITS=${COMMITS:-50000}
TIMEOUT=${TIMEOUT:-3600}
die() { echo "run.sh: $*" >&2; exit 2; }
[[ -x /usr/bin/time ]] || die "needs /usr/bin/time (Debian package time)"

if [[ -z ${CTODESK:-} ]]; then
  for c in "$SRC/build-bench/ctodesk" "$SRC/build/ctodesk"; do
    [[ -x $c ]] && { CTODESK=$c; break; }
  done
fi
if [[ -z ${CTODESK:-} ]]; then
  echo "building ctodesk (Release) in build-bench ..." >&2
  cmake -S "$SRC" -B "$SRC/build-bench" -DCMAKE_BUILD_TYPE=Release -DCTODESK_TESTS=OFF >/dev/null
  cmake --build "$SRC/build-bench" --target ctodesk -j "$(nproc)" >/dev/null
  CTODESK=$SRC/build-bench/ctodesk
fi
[[ -x $CTODESK ]] || die "no ctodesk binary at $CTODESK"

WORK=$(mktemp -d)
[[ -n ${KEEP:-} ]] || trap 'rm -rf "$WORK"' EXIT

if [[ -z ${REPO:-} ]]; then
  REPO=$WORK/synthetic
  echo "generating a synthetic repository of $COMMITS commits ..." >&2
  git init -q -b main "$REPO"
  python3 "$HERE/make_repo.py" "$COMMITS" | git -C "$REPO" fast-import --quiet
  git -C "$REPO" repack -adq --depth=50 --window=10
fi
REPO=$(cd "$REPO" && pwd)
[[ $(git -C "$REPO" rev-parse --is-shallow-repository) == false ]] || die "$REPO is a shallow clone"
if [[ $REPO != "$WORK"/* ]]; then
  # The incremental run writes a commit object: never into the given
  # repository. A local clone (hard links on the same filesystem) is measured.
  echo "cloning $REPO (local, bare) ..." >&2
  git clone -q --bare --local "$REPO" "$WORK/repo.git"
  REPO=$WORK/repo.git
fi

measure() {  # NAME CMD...: prints "NAME wall_s cpu_s rss_mb" (cpu: user + system)
  local name=$1; shift
  /usr/bin/time -f "%e %M %U %S" -o "$WORK/time" "$@" >/dev/null 2>"$WORK/$name.err" || {
    echo "$name failed: $(tail -3 "$WORK/$name.err")" >&2; return 1; }
  read -r wall rss user sys <"$WORK/time"
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
  printf '%-12s %8.2f s %8.2f s CPU %8.0f MB\n' "$name" "$wall" "$cpu" "$((rss / 1024))"
  eval "${name//-/_}_wall=$wall ${name//-/_}_cpu=$cpu"
}

cat >"$WORK/ctodesk.toml" <<TOML
[knowledge]
[[knowledge.repos]]
name = "bench"
path = "$REPO"
TOML

echo "repository: $REPO ($(git -C "$REPO" rev-list --count HEAD) commits, $(git -C "$REPO" ls-tree -r HEAD | wc -l) files at HEAD)"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
# Warm the page cache for both.
git -C "$REPO" cat-file --batch-all-objects --batch-check >/dev/null
measure git-log git -C "$REPO" log --name-status --find-renames '--format=%H%x00%an%x00%ae%x00%at'
measure ctodesk "$CTODESK" knowledge report bench --config "$WORK/ctodesk.toml" --format json
measure cached "$CTODESK" knowledge report bench --config "$WORK/ctodesk.toml" --format json
tree=$(git -C "$REPO" rev-parse 'HEAD^{tree}')
new=$(GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=Bench \
  GIT_COMMITTER_EMAIL=bench@example.com git -C "$REPO" commit-tree "$tree" -p HEAD -m bench)
measure incremental "$CTODESK" knowledge report bench --config "$WORK/ctodesk.toml" --format json --at "$new"
awk -v a="$ctodesk_wall" -v b="$git_log_wall" -v c="$ctodesk_cpu" -v d="$git_log_cpu" \
  'BEGIN { printf "ctodesk / git log: %.2fx wall (target <= 1.5x), %.2fx CPU\n", a / b, c / d }'

if command -v gitinspector >/dev/null; then
  if measure gitinspector timeout "$TIMEOUT" gitinspector -f '**' --format=text "$REPO"; then
    awk -v a="$gitinspector_wall" -v b="$ctodesk_wall" 'BEGIN { printf "gitinspector / ctodesk: %.1fx (target >= 20x)\n", a / b }'
  fi
else
  echo "gitinspector: not installed (apt-get install gitinspector); skipped"
fi
