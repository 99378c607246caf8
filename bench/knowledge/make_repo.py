#!/usr/bin/env python3
"""Writes a git fast-import stream for a synthetic history to stdout.

make_repo.py COMMITS [FILES] [PEOPLE] [SEED]

Deterministic for a seed. Each commit, by one of PEOPLE authors (some with a
second e-mail), modifies 1-4 files; one in 10 adds a file; one in 50 renames
one (half of those also edit it); every 200th commit merges a side branch of
3 commits. Folders: 40 top-level ones, people mostly stick to a few.
"""
import random
import sys

commits = int(sys.argv[1])
nfiles = int(sys.argv[2]) if len(sys.argv) > 2 else 4000
npeople = int(sys.argv[3]) if len(sys.argv) > 3 else 120
rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 7)
out = sys.stdout.buffer
people = [(f"Dev {i}", f"dev{i}@example.com") for i in range(npeople)]
home = {i: rng.sample(range(40), 3) for i in range(npeople)}
files = [f"dir{rng.randrange(40)}/sub{rng.randrange(8)}/file{i}.c" for i in range(nfiles)]
by_dir = {}
for f in files:
    by_dir.setdefault(int(f.split("/")[0][3:]), []).append(f)
version = {}
t = 1_400_000_000
mark = 0


def blob(path):
    global mark
    version[path] = version.get(path, 0) + 1
    body = (f"// {path}\n" + "".join(f"int line{k} = {k};\n" for k in range(20))
            + f"int version = {version[path]};\n").encode()
    mark += 1
    out.write(b"blob\nmark :%d\ndata %d\n" % (mark, len(body)) + body + b"\n")
    return mark


def commit(branch, who, ops, parent=None, merge=None):
    global mark, t
    t += rng.randrange(60, 3600)
    name, email = people[who]
    if who % 7 == 0 and rng.random() < 0.3:
        email = email.upper()  # the same person, another spelling
    blobs = [(op, a, b, blob(b) if op in "MA" or (op == "R" and rng.random() < 0.5) else None)
             for op, a, b in ops]
    mark += 1
    msg = b"change\n"
    out.write(b"commit refs/heads/%s\nmark :%d\n" % (branch.encode(), mark))
    out.write(f"author {name} <{email}> {t} +0000\ncommitter {name} <{email}> {t} +0000\n".encode())
    out.write(b"data %d\n" % len(msg) + msg)
    if parent:
        out.write(b"from %s\n" % parent.encode())
    if merge:
        out.write(b"merge %s\n" % merge.encode())
    for op, a, b, m in blobs:
        if op == "R":
            out.write(f"R {a} {b}\n".encode())
            if m:
                out.write(f"M 100644 :{m} {b}\n".encode())
        else:
            out.write(f"M 100644 :{m} {b}\n".encode())
    out.write(b"\n")
    return mark


live = []
# The first commit adds a quarter of the files.
first = files[: nfiles // 4]
commit("main", 0, [("A", None, f) for f in first])
live = list(first)
pending = files[nfiles // 4:]
n = 1
while n < commits:
    who = rng.randrange(npeople) if rng.random() < 0.3 else rng.randrange(max(1, npeople // 6))
    if n % 200 == 0 and n + 4 < commits:
        side_parent = f":{mark}"
        last = None
        for k in range(3):
            f = rng.choice(live)
            last = commit("side", who, [("M", None, f)], parent=side_parent if k == 0 else None)
        commit("main", who, [], merge=f":{last}")
        n += 4
        continue
    ops = []
    r = rng.random()
    if r < 0.1 and pending:
        f = pending.pop()
        live.append(f)
        ops.append(("A", None, f))
    elif r < 0.12:
        i = rng.randrange(len(live))
        old = live[i]
        new = old.replace("/file", "/moved_file", 1) if "moved_" not in old else old.replace("moved_", "m2_", 1)
        live[i] = new
        ops.append(("R", old, new))
    else:
        dirs = home[who]
        cands = [f for f in live if int(f.split("/")[0][3:]) in dirs] or live
        for f in set(rng.choice(cands) for _ in range(rng.randint(1, 4))):
            ops.append(("M", None, f))
    commit("main", who, ops)
    n += 1
out.write(b"reset refs/heads/side\nfrom 0000000000000000000000000000000000000000\n\n")
