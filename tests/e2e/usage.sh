#!/usr/bin/env bash
# The command line: exit codes, "did you mean", --help everywhere, init.
source "$(dirname "$0")/lib.sh"

expect_exit 2 "$CTODESK" brif
expect_contains "$err" 'unknown command "brif"; did you mean "brief"?' "mistyped command"

expect_exit 2 "$CTODESK" brief --format xml
expect_contains "$err" "--format" "bad format"

expect_exit 2 "$CTODESK" brief --config "$WORK/missing.toml"
expect_contains "$err" "missing.toml: cannot read config file" "missing config"

for args in "--help" "brief --help" "demo --help" "init --help" "health --help" "health check --help" "health history --help"; do
  # shellcheck disable=SC2086
  expect_exit 0 "$CTODESK" $args
  expect_contains "$out" "Usage" "--help for '$args'"
done

expect_exit 0 "$CTODESK" init "$WORK/new"
[[ -f "$WORK/new/ctodesk.toml" ]] || fail "init wrote no ctodesk.toml"
expect_exit 2 "$CTODESK" init "$WORK/new"
expect_contains "$err" "already exists; pass --force" "init refuses to overwrite"

# The template is a valid config; its example probe points at a closed port.
expect_exit 2 "$CTODESK" brief --config "$WORK/new/ctodesk.toml" --now "next tuesday"
expect_contains "$err" '--now: expected a time such as 2026-11-27T08:00:00Z or 2026-11-27, got "next tuesday"' "bad --now"
expect_exit 2 "$CTODESK" brief --config "$WORK/new/ctodesk.toml" --only helth
expect_contains "$err" '--only: no desk named "helth"; did you mean "health"?' "bad --only"

# Binary junk instead of a config: one clear line, exit 2, nothing created.
printf '\x00\x01\x02binary junk\xff\xfe\n' > "$WORK/junk.toml"
expect_exit 2 "$CTODESK" brief --config "$WORK/junk.toml"
expect_contains "$err" "junk.toml:1:" "binary config names the file and line"
expect_contains "$err" "not valid TOML" "binary config says what is wrong"
[[ ! -e "$WORK/.ctodesk" ]] || fail "a store was created for a broken config"

# A store file that is not a store: exit 2, file untouched.
mkdir -p "$WORK/bad/.ctodesk"
printf '[company]\nname = "x"\n' > "$WORK/bad/ctodesk.toml"
echo "not a database, just text that is long enough to look like a header" > "$WORK/bad/.ctodesk/desk.db"
before=$(sha256sum "$WORK/bad/.ctodesk/desk.db")
expect_exit 2 "$CTODESK" brief --config "$WORK/bad/ctodesk.toml"
expect_contains "$err" "desk.db" "corrupt store is named"
[[ "$(sha256sum "$WORK/bad/.ctodesk/desk.db")" == "$before" ]] || fail "corrupt store was modified"
echo "usage ok"
