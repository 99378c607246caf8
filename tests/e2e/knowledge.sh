#!/usr/bin/env bash
# The knowledge desk end to end: a repository built here with the git CLI at
# fixed dates, `knowledge report` in both formats, --at, --files-from,
# `knowledge what-if`, the store cache across runs, and clear errors for an
# empty repository, a shallow clone and an unknown repository name.
source "$(dirname "$0")/lib.sh"

commit() {  # NAME EMAIL DAY MESSAGE
  git -C "$WORK/repo" add -A
  GIT_AUTHOR_NAME="$1" GIT_AUTHOR_EMAIL="$2" GIT_COMMITTER_NAME="$1" GIT_COMMITTER_EMAIL="$2" \
    GIT_AUTHOR_DATE="$3 12:00:00 +0000" GIT_COMMITTER_DATE="$3 12:00:00 +0000" \
    git -C "$WORK/repo" -c commit.gpgsign=false commit -q -m "$4"
}
write() { mkdir -p "$(dirname "$WORK/repo/$1")"; printf '%s\n' "$2" >"$WORK/repo/$1"; }

git init -q -b main "$WORK/repo"
for i in 1 2 3 4; do write "billing/b$i.go" "package billing // $i"; done
commit Olga olga@example.com 2026-01-05 "billing"
for i in 1 2 3 4; do write "api/a$i.go" "package api // $i"; done
write vendor/lib/x.go "package x"
commit Ann ann@example.com 2026-02-10 "api"
for i in 1 2 3 4; do write "api/a$i.go" "package api // $i v2"; done
commit Ann ann@example.com 2026-02-25 "api v2"

cat >"$WORK/ctodesk.toml" <<TOML
[knowledge]
[[knowledge.repos]]
name = "shop"
path = "repo"
[[knowledge.repos.components]]
name = "billing"
paths = ["billing/**"]
TOML

expect_exit 0 "$CTODESK" knowledge report --config "$WORK/ctodesk.toml" --now 2026-06-01T08:00:00Z
expect_contains "$out" "shop (" "report names the repository"
expect_contains "$out" "3 commits, 8 files count, 1 left out" "vendored file left out"
expect_contains "$out" "Truck factor: 2 (Ann, Olga)" "truck factor and its people"
expect_contains "$out" "component billing" "component row"
expect_contains "$out" "Olga <olga@example.com>" "single-author files per person"

expect_exit 0 "$CTODESK" knowledge report shop --format json --config "$WORK/ctodesk.toml" --now 2026-06-01T08:00:00Z
"$PYTHON" - "$WORK/stdout" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
r = doc[0]
assert r["name"] == "shop" and r["commits"] == 3, r
assert r["repository"]["truck_factor"] == 2, r["repository"]
assert [p["email"] for p in r["repository"]["truck_factor_people"]] == ["ann@example.com", "olga@example.com"]
billing = r["components"][0]
assert billing["name"] == "billing" and billing["truck_factor"] == 1, billing
assert billing["only_author"]["email"] == "olga@example.com", billing
assert billing["only_author"]["last_commit"] == "2026-01-05", billing
assert len(r["single_author_files"]) == 8, r["single_author_files"]
assert len(r["trend"]) == 12 and r["trend"][-1]["truck_factor"] == 2, r["trend"]
assert r["commits_read"] == 0, "the first report stored every commit"
PY

# --at: history up to the first commit only.
expect_exit 0 "$CTODESK" knowledge report shop --at HEAD~2 --config "$WORK/ctodesk.toml"
expect_contains "$out" "1 commits, 4 files count" "--at"
printf 'api/a1.go\napi/a2.go\n' >"$WORK/list"
expect_exit 0 "$CTODESK" knowledge report --files-from "$WORK/list" --config "$WORK/ctodesk.toml"
expect_contains "$out" "2 files count, 7 left out" "--files-from"

expect_exit 0 "$CTODESK" knowledge what-if OLGA@example.com --config "$WORK/ctodesk.toml"
expect_contains "$out" "shop: if Olga left, 4 of 8 files would have no author left." "what-if"
expect_contains "$out" "LOST" "what-if marks the lost component"
expect_exit 2 "$CTODESK" knowledge what-if olgaa@example.com --config "$WORK/ctodesk.toml"
expect_contains "$err" 'nobody with the e-mail "olgaa@example.com" committed to "shop"; did you mean "olga@example.com"?' "unknown e-mail"

# The briefing carries the desk's findings.
expect_exit 0 "$CTODESK" brief --config "$WORK/ctodesk.toml" --format json --now 2026-06-01T08:00:00Z
expect_contains "$out" '"component shop/billing is known only by Olga, who last committed 146 days ago"' "act-now finding"
expect_contains "$out" '"shop has truck factor 2 (Ann, Olga)"' "repository finding"

expect_exit 2 "$CTODESK" knowledge report nope --config "$WORK/ctodesk.toml"
expect_contains "$err" 'ctodesk: no repository named "nope" in' "unknown repository"

git init -q -b main "$WORK/empty"
expect_exit 2 "$CTODESK" knowledge report "$WORK/empty" --config "$WORK/ctodesk.toml"
expect_contains "$err" "has no commits yet" "empty repository"
git clone -q --depth 1 "file://$WORK/repo" "$WORK/shallow" 2>/dev/null
expect_exit 2 "$CTODESK" knowledge report "$WORK/shallow" --config "$WORK/ctodesk.toml"
expect_contains "$err" "is a shallow clone; authorship needs the whole history: run \`git -C $WORK/shallow fetch --unshallow\`" "shallow clone"
# An author name in Latin-1, as old git histories have them (git's own
# repository does): the JSON report stays valid UTF-8 instead of crashing.
git init -q -b main "$WORK/latin1"
printf 'x\n' > "$WORK/latin1/a.c"
git -C "$WORK/latin1" add -A
GIT_AUTHOR_NAME=$'J\xfcrgen' GIT_AUTHOR_EMAIL=j@example.com GIT_COMMITTER_NAME=$'J\xfcrgen' \
  GIT_COMMITTER_EMAIL=j@example.com git -C "$WORK/latin1" -c i18n.commitEncoding=ISO-8859-1 \
  -c commit.gpgsign=false commit -q -m "first"
expect_exit 0 "$CTODESK" knowledge report "$WORK/latin1" --format json --config "$WORK/ctodesk.toml"
"$PYTHON" -c 'import json,sys; d=json.loads(sys.stdin.read()); assert "J\ufffdrgen" in json.dumps(d, ensure_ascii=False), d' <<<"$out" \
  || fail "Latin-1 author name: JSON not valid or name lost"
echo "knowledge ok"
