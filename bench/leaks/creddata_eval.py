#!/usr/bin/env python3
"""Precision and recall of `ctodesk leaks scan` on Samsung's CredData.

CredData (https://github.com/Samsung/CredData) is a public corpus of files from
open-source repositories in which every line a credential scanner flagged was
reviewed by hand and labelled True (looks like a real credential), False or
Template. This script scans a prepared CredData folder (its `data/` made by the
project's own `download_data.py`, and its `meta/`) with ctodesk and scores the
findings line by line:

  * a finding on a line covered by a True row          -> true positive (each True row counts once)
  * a finding on a line covered only by False/Template -> false positive
  * a finding on a line no row covers                  -> false positive ("unlabelled"; also shown apart)
  * a True row no finding covers                       -> false negative

Usage: creddata_eval.py CREDDATA_DIR [--ctodesk PATH] [--include-test-guesses] [--json OUT]
                        [--misses N] [--fps N]
Only repositories whose meta file is present and whose data folder exists are
scored, so a partial download gives a partial (and labelled as such) result.
No secret is printed: misses and false positives are shown as path:line and rule.
"""
import argparse, collections, csv, json, os, subprocess, sys, time


def load_meta(root):
    rows = collections.defaultdict(list)   # (repo-relative path) -> [(start, end, label, category)]
    repos = set()
    meta_dir = os.path.join(root, "meta")
    for name in sorted(os.listdir(meta_dir)):
        if not name.endswith(".csv"):
            continue
        repo = name[:-4]
        if not os.path.isdir(os.path.join(root, "data", repo)):
            continue
        repos.add(repo)
        with open(os.path.join(meta_dir, name), newline="") as f:
            for r in csv.DictReader(f):
                path = r["FilePath"]
                if path.startswith("data/"):
                    path = path[len("data/"):]
                if "LineStart:LineEnd" in r:
                    start, end = (int(x) for x in r["LineStart:LineEnd"].split(":"))
                else:
                    start, end = int(r["LineStart"]), int(r["LineEnd"])
                label = r["GroundTruth"][:1].upper()
                rows[path].append((start, end, label, r.get("Category", "")))
    return rows, repos


def scan(ctodesk, data_dir, extra):
    started = time.monotonic()
    p = subprocess.run([ctodesk, "leaks", "scan", data_dir, "--format", "json"] + extra,
                       capture_output=True, text=True)
    seconds = time.monotonic() - started
    if p.returncode not in (0, 1):
        sys.exit(f"ctodesk leaks scan failed ({p.returncode}): {p.stderr.strip()}")
    out = json.loads(p.stdout)
    hits = []   # (path, line, rule, confidence)
    for report in out["reports"]:
        for s in report["secrets"]:
            for o in s["occurrences"]:
                hits.append((o["path"], int(o["line"]), s["rule"], s["confidence"]))
    return hits, seconds


def score(rows, repos, hits, min_confidence=None):
    order = {"low": 0, "medium": 1, "high": 2}
    found_true = set()
    tp = fp_labelled = fp_unlabelled = 0
    fps, seen_lines = [], set()
    per_rule = collections.defaultdict(lambda: [0, 0])   # rule -> [tp, fp]
    for path, line, rule, conf in hits:
        if min_confidence and order.get(conf, 0) < order[min_confidence]:
            continue
        if path.split("/", 1)[0] not in repos:
            continue
        if (path, line) in seen_lines:          # one verdict per flagged line, as CredData scores lines
            continue
        seen_lines.add((path, line))
        covering = [r for r in rows.get(path, []) if r[0] <= line <= r[1]]
        trues = [r for r in covering if r[2] == "T"]
        if trues:
            new = [r for r in trues if (path, r) not in found_true]
            for r in trues:
                found_true.add((path, r))
            if new:
                tp += 1
                per_rule[rule][0] += 1
        elif covering:
            fp_labelled += 1
            per_rule[rule][1] += 1
            fps.append((path, line, rule, "labelled " + "/".join(sorted({r[2] for r in covering}))))
        else:
            fp_unlabelled += 1
            per_rule[rule][1] += 1
            fps.append((path, line, rule, "unlabelled"))
    all_true = [(p, r) for p, rs in rows.items() for r in rs if r[2] == "T"]
    fn = [(p, r) for p, r in all_true if (p, r) not in found_true]
    tp_rows = len(all_true) - len(fn)
    fp = fp_labelled + fp_unlabelled
    precision = tp / (tp + fp) if tp + fp else 0.0
    precision_labelled = tp / (tp + fp_labelled) if tp + fp_labelled else 0.0
    recall = tp_rows / len(all_true) if all_true else 0.0
    return {
        "true_rows": len(all_true), "true_rows_found": tp_rows, "tp_lines": tp,
        "fp_labelled": fp_labelled, "fp_unlabelled": fp_unlabelled,
        "precision": precision, "precision_labelled_only": precision_labelled, "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "per_rule": {k: {"tp": v[0], "fp": v[1]} for k, v in sorted(per_rule.items())},
        "_fn": fn, "_fp": fps,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("creddata")
    ap.add_argument("--ctodesk", default=os.environ.get("CTODESK", "build/ctodesk"))
    ap.add_argument("--include-test-guesses", action="store_true",
                    help="pass --include-test-guesses to ctodesk (CredData labels test-code passwords True)")
    ap.add_argument("--json")
    ap.add_argument("--misses", type=int, default=0, help="list this many missed True rows by category")
    ap.add_argument("--fps", type=int, default=0, help="list this many false positives")
    a = ap.parse_args()
    rows, repos = load_meta(a.creddata)
    if not repos:
        sys.exit(f"{a.creddata}: no meta/<repo>.csv with a matching data/<repo>/ folder; run CredData's download_data.py first")
    extra = ["--include-test-guesses"] if a.include_test_guesses else []
    hits, seconds = scan(a.ctodesk, os.path.join(a.creddata, "data"), extra)
    result = {"repositories": len(repos), "scan_seconds": round(seconds, 3),
              "all": score(rows, repos, hits),
              "medium_and_high": score(rows, repos, hits, "medium"),
              "high_only": score(rows, repos, hits, "high")}
    print(f"CredData: {len(repos)} repositories, {result['all']['true_rows']} rows labelled True; scan {seconds:.2f} s")
    print(f"{'findings':<18}{'TP lines':>9}{'FP lab.':>9}{'FP unlab.':>10}{'precision':>10}{'prec. lab.':>11}{'recall':>8}{'F1':>7}")
    for name in ("all", "medium_and_high", "high_only"):
        s = result[name]
        print(f"{name:<18}{s['tp_lines']:>9}{s['fp_labelled']:>9}{s['fp_unlabelled']:>10}"
              f"{s['precision']:>10.3f}{s['precision_labelled_only']:>11.3f}{s['recall']:>8.3f}{s['f1']:>7.3f}")
    s = result["all"]
    if a.misses:
        by_cat = collections.Counter(r[3] for _, r in s["_fn"])
        print("missed True rows by CredData category:", dict(by_cat.most_common()))
        for p, r in s["_fn"][:a.misses]:
            print(f"  miss {p}:{r[0]}-{r[1]} [{r[3]}]")
    if a.fps:
        by_rule = collections.Counter(f[2] for f in s["_fp"])
        print("false positives by rule:", dict(by_rule.most_common()))
        for f in s["_fp"][:a.fps]:
            print(f"  fp {f[0]}:{f[1]} {f[2]} ({f[3]})")
    if a.json:
        for k in ("all", "medium_and_high", "high_only"):
            result[k].pop("_fn"); result[k].pop("_fp")
        with open(a.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
