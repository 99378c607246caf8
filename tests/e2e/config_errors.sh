#!/usr/bin/env bash
# Every malformed config in configs/: exit 2 and the exact first line of the
# message, taken from the "# expect:" line at the top of the file.
source "$(dirname "$0")/lib.sh"
count=0
for f in "$SRC"/tests/e2e/configs/*.toml; do
  name=$(basename "$f")
  cp "$f" "$WORK/ctodesk.toml"
  want=$(sed -n 's/^# expect: //p' "$f" | head -n1)
  [[ -n "$want" ]] || fail "$name has no '# expect:' line"
  expect_exit 2 "$CTODESK" brief --config "$WORK/ctodesk.toml"
  first=$(head -n1 <<<"$err")
  [[ "$first" == "ctodesk: $WORK/ctodesk.toml:$want" ]] || fail "$name: got [$first], expected [ctodesk: $WORK/ctodesk.toml:$want]"
  [[ -z "$out" ]] || fail "$name: printed a briefing despite the error"
  [[ ! -e "$WORK/.ctodesk/desk.db" ]] || fail "$name: created a store despite the error"
  count=$((count + 1))
done
[[ $count -ge 10 ]] || fail "only $count malformed configs"
echo "$count malformed configs rejected with exit 2"
