#!/usr/bin/env bash
# The CEO's summary of the demo company: plain words (no jargon, a
# Flesch-Kincaid grade of 10 or lower), every act-now finding represented,
# nothing secret.
source "$(dirname "$0")/lib.sh"

expect_exit 0 "$CTODESK" demo "$WORK/demo"
[[ -s "$WORK/demo/ceo.md" && -s "$WORK/demo/ceo.html" ]] || fail "demo wrote no CEO summary"
expect_exit 0 "$CTODESK" brief --config "$WORK/demo/ctodesk.toml" --audience ceo --format html --out "$WORK/ceo.html"
grep -qi '<!doctype html>' "$WORK/ceo.html" || fail "ceo html is not a document"
expect_exit 2 "$CTODESK" brief --config "$WORK/demo/ctodesk.toml" --audience ceo --format json
expect_contains "$err" "--audience ceo" "json is refused for the CEO"
expect_exit 2 "$CTODESK" brief --config "$WORK/demo/ctodesk.toml" --week
expect_contains "$err" "--week" "--week alone is refused"
[[ -s "$WORK/demo/ceo-week.md" && -s "$WORK/demo/ceo-week.html" ]] || fail "demo wrote no weekly summary"
grep -q "the week in review" "$WORK/demo/ceo-week.md" || fail "weekly summary has no title"

for summary in ceo.md ceo-week.md; do
"$PYTHON" - "$WORK/demo/$summary" "$WORK/demo/briefing.json" <<'PY' || fail "$summary"
import json, re, sys
text = open(sys.argv[1]).read()
brief = json.load(open(sys.argv[2]))
weekly = sys.argv[1].endswith("ceo-week.md")

banned = [r"\bHTTPS?\b", r"\bTLS\b", r"\bSSL\b", r"\bDNS\b", r"\bTCP\b", r"\bURL\b", r"\bAPI\b",
          r"\bJSON\b", r"\bSQL\b", r"\bCSV\b", r"\bcommit\b", r"\brepo(sitory)?\b", r"\b[0-9a-f]{7,40}\b",
          r"\d+\.\d+\.\d+\.\d+", r"https?://", r"\w+/\w+\.\w+", r"\blocalhost\b", r"\b\d+ ?ms\b",
          r"\bp\d\d\b", r"\.toml\b", r"\bcron\b", r"\bstdout\b", r"\b[45]\d\d\b"]
for pattern in banned:
    m = re.search(pattern, text)
    assert not m, f"jargon {pattern!r} in CEO summary: {m.group(0)!r}"

# Flesch-Kincaid grade over the prose (headings and list markers removed).
prose = re.sub(r"^#+ .*$", "", text, flags=re.M)
prose = re.sub(r"[*_`]|^\s*(- |\d+\. )", "", prose, flags=re.M)
sentences = max(1, len(re.findall(r"[.!?](\s|$)", prose)))
words = re.findall(r"[A-Za-z']+", prose)
def syllables(w):
    w = w.lower().strip("'")
    groups = re.findall(r"[aeiouy]+", w)
    n = len(groups)
    if w.endswith("e") and n > 1 and not w.endswith(("le", "ee")):
        n -= 1
    return max(1, n)
syl = sum(syllables(w) for w in words)
grade = 0.39 * len(words) / sentences + 11.8 * syl / len(words) - 15.59
assert grade <= 10, f"Flesch-Kincaid grade {grade:.1f} > 10"

act_now = [f for f in brief["findings"] if f["severity"] == "act-now"]
now_items = re.findall(r"^- \*\*Now\.\*\*", text, flags=re.M)
assert len(now_items) == len(act_now), (len(now_items), len(act_now))
assert not re.search(r"(Bearer|password=|secret=|-----BEGIN)", text), "something secret"
if not weekly:
    generic = re.findall(r"Our daily check of .* found a problem", text)
    assert not generic, f"{len(generic)} findings fell back to the generic sentence: every desk should write plain words"
print(f"{sys.argv[1]}: grade {grade:.1f}, {len(act_now)} act-now findings represented")
PY
done
echo "ceo summary ok"
