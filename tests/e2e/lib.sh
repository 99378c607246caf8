# Shared by the end-to-end tests: each script gets the ctodesk binary and the
# source tree, works in a fresh temporary folder, and fails on the first
# broken expectation with a message naming it.
set -euo pipefail
CTODESK="$1"
SRC="$2"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

fail() { echo "FAIL: $*" >&2; exit 1; }

# Debian's python3 carries python3-jsonschema (scripts/install-deps.sh --test);
# another python3 earlier on PATH may not.
PYTHON=python3
[[ -x /usr/bin/python3 ]] && PYTHON=/usr/bin/python3

# expect_exit CODE CMD...: runs CMD, keeps stdout/stderr in $out/$err.
expect_exit() {
  local want=$1; shift
  set +e
  "$@" >"$WORK/stdout" 2>"$WORK/stderr"
  local got=$?
  set -e
  out=$(cat "$WORK/stdout"); err=$(cat "$WORK/stderr")
  [[ $got -eq $want ]] || fail "$* exited $got, expected $want; stderr: $err"
}

expect_contains() {  # HAYSTACK NEEDLE WHAT
  [[ "$1" == *"$2"* ]] || fail "$3: expected to contain [$2], got [$1]"
}
