#!/usr/bin/env bash
# The radar desk's inventory on many repositories: REPOS folders (default 200),
# each with a package.json (50 dependencies), a package-lock.json (PACKAGES
# entries, default 2,000), requirements.txt, go.mod, a Dockerfile and a
# docker-compose.yml; then `ctodesk radar inventory --format json` and
# `ctodesk brief --only radar`, timed (best of ROUNDS, default 3).
# Uses $CTODESK, build-bench/ctodesk or build/ctodesk. KEEP=1 keeps the folder.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CTODESK=${CTODESK:-$([[ -x $ROOT/build-bench/ctodesk ]] && echo "$ROOT/build-bench/ctodesk" || echo "$ROOT/build/ctodesk")}
REPOS=${REPOS:-200}
PACKAGES=${PACKAGES:-2000}
ROUNDS=${ROUNDS:-3}
WORK=$(mktemp -d)
[[ ${KEEP:-0} == 1 ]] || trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
python3 - "$REPOS" "$PACKAGES" <<'PY'
import json, os, sys
repos, packages = int(sys.argv[1]), int(sys.argv[2])
config = ["[radar]"]
for r in range(repos):
    d = f"repos/r{r:04d}"
    os.makedirs(d, exist_ok=True)
    deps = {f"lib-{(r * 7 + i) % 900}": f"^{(r + i) % 5}.{i % 10}.0" for i in range(50)}
    json.dump({"name": f"r{r}", "dependencies": deps}, open(f"{d}/package.json", "w"), indent=2)
    pk = {"": {"name": f"r{r}"}}
    for i in range(packages):
        pk[f"node_modules/dep-{(r + i) % 5000}"] = {"version": f"{i % 9}.{i % 13}.{i % 4}",
                                                     "integrity": "sha512-" + "x" * 86}
    json.dump({"lockfileVersion": 3, "packages": pk}, open(f"{d}/package-lock.json", "w"), indent=2)
    open(f"{d}/requirements.txt", "w").write("".join(f"pkg{i}>={i % 4}.0  # note\n" for i in range(30)))
    open(f"{d}/go.mod", "w").write("module x\n\ngo 1.22\n\nrequire (\n" +
                                   "".join(f"\tgithub.com/a/m{i} v1.{i}.0\n" for i in range(40)) + ")\n")
    open(f"{d}/Dockerfile", "w").write(f"FROM node:{18 + 2 * (r % 3)}-alpine\n")
    open(f"{d}/docker-compose.yml", "w").write(f"services:\n  db:\n    image: postgres:{13 + r % 4}\n")
    config += ["[[radar.repos]]", f'path = "{d}"']
open("ctodesk.toml", "w").write("\n".join(config) + "\n")
PY
bytes=$(du -sb repos | cut -f1)
best() {  # best wall-clock seconds of ROUNDS runs of "$@"
  local best=999999 t
  for _ in $(seq "$ROUNDS"); do
    local s=$(date +%s.%N)
    "$@" >/dev/null
    t=$(echo "$(date +%s.%N) - $s" | bc)
    best=$(echo "if ($t < $best) $t else $best" | bc)
  done
  echo "$best"
}
inv=$(best "$CTODESK" radar inventory --format json)
brief=$(best "$CTODESK" brief --only radar --format json)
echo "repositories: $REPOS, manifests: $((REPOS * 6)), bytes: $bytes"
echo "radar inventory --format json: ${inv}s (best of $ROUNDS)"
echo "brief --only radar:            ${brief}s (best of $ROUNDS)"
