#!/usr/bin/env bash
# The backups desk against real files: verify (incremental, exit codes, no
# progress bar on a pipe), drill (restores, refuses path traversal and a
# non-empty --into), list, and the briefing's findings.
source "$(dirname "$0")/lib.sh"

B="$WORK/backups"
mkdir -p "$B/files" "$B/broken" "$B/evil" "$B/db" src
head -c 200000 /dev/urandom > src/data.bin
echo "hello" > src/readme.txt
for day in 1 2 3; do
  f="$B/files/files-$day.tar.gz"
  tar -czf "$f" -C src data.bin readme.txt
  touch -d "$((4 - day)) days ago" "$f"
done
(cd "$B/files" && sha256sum files-3.tar.gz > files-3.tar.gz.sha256 && touch -r files-3.tar.gz files-3.tar.gz.sha256)
tar -czf "$B/broken/broken-1.tar.gz" -C src data.bin
head -c 50000 "$B/broken/broken-1.tar.gz" > "$B/broken/broken-2.tar.gz"
: > "$B/broken/broken-3.tar.gz"   # zero bytes
"$PYTHON" - "$B/evil/evil.tar.gz" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w:gz") as t:
    for name in ["fine.txt", "../escape.txt"]:
        data = b"x\n"
        info = tarfile.TarInfo(name)
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
PY
"$PYTHON" - "$B/db/crm.sqlite" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript("CREATE TABLE contacts(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO contacts(name) VALUES ('a'), ('b');")
db.commit()
PY

cat > ctodesk.toml <<EOF
[backups]
[[backups.systems]]
name = "files"
path = "$B/files"
glob = "*.tar.gz"
cadence = "24h"
retention = 3
verify = ["archive"]
drill_check = "test -f data.bin && echo data is back"

[[backups.systems]]
name = "broken"
path = "$B/broken"
glob = "*.tar.gz"
verify = ["archive"]

[[backups.systems]]
name = "evil"
path = "$B/evil"
glob = "*.tar.gz"
verify = ["archive"]

[[backups.systems]]
name = "crm"
path = "$B/db"
glob = "*.sqlite"
cadence = "0 2 * * *"
verify = ["sqlite"]
EOF

expect_exit 1 "$CTODESK" backups verify
expect_contains "$out" "BAD archive: at its start: truncated gzip input" "truncated archive named"
expect_contains "$out" "BAD is empty (0 bytes)" "zero-byte file"
expect_contains "$out" "ok: 2 entries" "good archive verified"
expect_contains "$out" "ok: 1 table, 2 rows (contacts 2)" "sqlite row counts"
[[ -z "$err" ]] || fail "verify wrote to stderr on a pipe (progress bar?): $err"

# The second run verifies nothing new; good files are not listed again.
expect_exit 1 "$CTODESK" backups verify
expect_contains "$out" "files verified earlier and unchanged" "incremental verify"
[[ "$out" != *"files-3.tar.gz"* ]] || fail "an unchanged good file was verified again"
expect_exit 0 "$CTODESK" backups verify files --deep --format json
"$PYTHON" -c 'import json,sys; d=json.load(sys.stdin); assert len(d["files"])==3 and all(f["ok"] for f in d["files"]), d' <<<"$out" \
  || fail "verify --deep --format json"
expect_exit 2 "$CTODESK" backups verify fils
expect_contains "$err" 'no backup system named "fils"' "unknown system"
expect_contains "$err" 'did you mean "files"?' "did you mean"
expect_exit 2 "$CTODESK" backups verify --max-duration soon
expect_contains "$err" '--max-duration: expected a duration such as "20m"' "bad --max-duration"

# Drills.
expect_exit 0 "$CTODESK" backups drill files --into "$WORK/restored"
expect_contains "$out" "Drill of files: PASSED" "drill passes"
expect_contains "$out" "data is back" "drill_check output"
cmp -s src/data.bin "$WORK/restored/data.bin" || fail "restored data differs"
expect_exit 2 "$CTODESK" backups drill files --into "$WORK/restored"
expect_contains "$err" "exists and is not an empty folder" "drill refuses a non-empty --into"
expect_exit 1 "$CTODESK" backups drill evil --into "$WORK/evil-restore"
expect_contains "$out" "entry 2 (../escape.txt) climbs out of the restore folder" "path traversal refused"
[[ ! -e "$WORK/escape.txt" ]] || fail "a drill wrote outside its folder"
expect_exit 1 "$CTODESK" backups drill broken
expect_contains "$out" "Drill of broken: FAILED" "drill of a corrupt backup"
expect_exit 0 "$CTODESK" backups drill crm --format json
expect_contains "$out" '"ok": true' "sqlite drill"

expect_exit 0 "$CTODESK" backups list
expect_contains "$out" "files" "list names systems"
expect_contains "$out" "FAILED" "list shows the failed drill"
expect_exit 0 "$CTODESK" backups list --format json
"$PYTHON" -c 'import json,sys; d={s["name"]:s for s in json.load(sys.stdin)}; assert d["files"]["files"]==3 and d["files"]["last_drill"]["ok"] and d["broken"]["bad"]==2, d' <<<"$out" \
  || fail "list --format json"

# The briefing.
expect_exit 1 "$CTODESK" brief --only backups --format json --fail-on act-now
"$PYTHON" -c '
import json, sys
doc = json.load(sys.stdin)
got = {(f["subject"], f["severity"]) for f in doc["findings"]}
assert ("broken", "act-now") in got, got  # unusable newest backup
assert ("broken", "today") in got, got    # failed drill
assert ("evil", "today") in got, got      # failed drill (path traversal)
assert not any(s == "files" for s, _ in got), got
' <<<"$out" || fail "briefing findings"
echo "backups ok"
