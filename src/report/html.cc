// The HTML briefing: one self-contained page that can be mailed, attached to
// a ticket, opened from disk or printed. Everything it needs is inline (CSS
// only, system fonts, no images, no script), so it works offline and tells no
// third party that it was opened. A Content-Security-Policy meta tag forbids
// scripts and external loads outright: if a user-supplied string ever slipped
// past Escape(), the browser would still refuse to run or fetch anything.
//
// Reading order follows what a CTO needs first: the counts per severity as
// tiles, a red warning when a desk failed (its silence is not good news),
// then findings as cards grouped by severity, what was resolved, and how
// each desk ran. Light and dark follow prefers-color-scheme; print forces
// the light palette and keeps cards whole across pages.
#include <chrono>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "report/phrases.h"
#include "report/report.h"

namespace ctodesk {
namespace {

using report_internal::Escape;
using report_internal::LongDate;

using report_internal::kSeverities;

constexpr std::string_view kStyle = R"css(
:root {
  color-scheme: light dark;
  --bg: #f4f5f7; --fg: #1d2433; --muted: #5d6778; --card: #ffffff; --line: #e3e6eb;
  --code-bg: #f0f2f5; --shadow: 0 1px 2px rgba(16,24,40,.06), 0 1px 3px rgba(16,24,40,.10);
  --act-now: #d92d20; --today: #dc6803; --this-week: #0e7fa8; --fyi: #7a8494;
  --act-now-bg: #fef3f2; --today-bg: #fffaeb; --this-week-bg: #ecf8fd; --fyi-bg: #f3f4f6;
  --ok: #12805c; --ok-bg: #ecfdf3; --bad: #b42318; --bad-bg: #fef3f2;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f131a; --fg: #e6e9ef; --muted: #98a2b3; --card: #171c25; --line: #2a313d;
    --code-bg: #222936; --shadow: 0 1px 2px rgba(0,0,0,.4);
    --act-now: #f97066; --today: #fdb022; --this-week: #4cc3ea; --fyi: #98a2b3;
    --act-now-bg: #3a1714; --today-bg: #3a2a0c; --this-week-bg: #0f2c38; --fyi-bg: #222834;
    --ok: #47cd89; --ok-bg: #0c2e20; --bad: #f97066; --bad-bg: #3a1714;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
main { max-width: 960px; margin: 0 auto; padding: 32px 20px 48px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: .88em; }
code { background: var(--code-bg); padding: 1px 6px; border-radius: 4px; overflow-wrap: anywhere; }
h1, h2, h3 { line-height: 1.25; margin: 0; }
.eyebrow { text-transform: uppercase; letter-spacing: .08em; font-size: 12px; font-weight: 600; color: var(--muted); }
h1 { font-size: 30px; margin: 4px 0 2px; }
.when { color: var(--muted); margin: 0; }
.summary { font-size: 18px; font-weight: 500; margin: 16px 0 24px; }
.tiles { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; margin-bottom: 16px; }
.tile {
  display: block; text-decoration: none; color: inherit; background: var(--card); border-radius: 12px;
  padding: 14px 16px; box-shadow: var(--shadow); border-top: 4px solid var(--sev);
}
.tile .n { display: block; font-size: 40px; font-weight: 700; line-height: 1.1; color: var(--sev); font-variant-numeric: tabular-nums; }
.tile .label { font-size: 13px; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: .05em; }
.tile.zero { border-top-color: var(--line); }
.tile.zero .n { color: var(--muted); opacity: .55; }
.sev-act-now { --sev: var(--act-now); --sev-bg: var(--act-now-bg); }
.sev-today { --sev: var(--today); --sev-bg: var(--today-bg); }
.sev-this-week { --sev: var(--this-week); --sev-bg: var(--this-week-bg); }
.sev-fyi { --sev: var(--fyi); --sev-bg: var(--fyi-bg); }
.alert {
  background: var(--bad-bg); color: var(--bad); border: 1px solid var(--bad); border-left-width: 6px;
  border-radius: 10px; padding: 12px 16px; margin: 0 0 16px;
}
.alert strong { display: block; font-size: 16px; }
.alert ul { margin: 6px 0 0; padding-left: 20px; color: var(--fg); }
.desks { display: flex; flex-wrap: wrap; gap: 8px; margin: 0 0 28px; }
.desk {
  display: inline-flex; align-items: baseline; gap: 6px; padding: 4px 12px; border-radius: 999px;
  font-size: 13px; background: var(--ok-bg); color: var(--ok); border: 1px solid transparent;
}
.desk::before { content: "\25CF"; font-size: 10px; }
.desk small { color: var(--muted); font-size: 12px; }
.desk.failed { background: var(--bad-bg); color: var(--bad); border-color: var(--bad); font-weight: 600; }
.group { margin: 0 0 28px; }
.group h2, .resolved h2, .desk-table h2 {
  font-size: 14px; text-transform: uppercase; letter-spacing: .06em; color: var(--sev, var(--muted));
  margin: 0 0 10px; display: flex; align-items: center; gap: 8px;
}
.count {
  font-size: 12px; background: var(--sev-bg, var(--code-bg)); color: var(--sev, var(--muted));
  border-radius: 999px; padding: 1px 8px; font-variant-numeric: tabular-nums;
}
.card {
  background: var(--card); border-radius: 10px; box-shadow: var(--shadow);
  border-left: 5px solid var(--sev); padding: 14px 18px 12px; margin: 0 0 12px;
}
.card-head { display: flex; gap: 12px; align-items: flex-start; justify-content: space-between; }
.card h3 { font-size: 17px; font-weight: 650; overflow-wrap: anywhere; }
.badge {
  flex: none; font-size: 12px; font-weight: 600; border-radius: 999px; padding: 2px 10px; white-space: nowrap;
}
.badge.new { background: var(--code-bg); color: var(--muted); }
.badge.running { background: var(--sev-bg); color: var(--sev); }
.detail { margin: 6px 0 0; white-space: pre-line; overflow-wrap: anywhere; }
.action { margin: 10px 0 0; padding: 8px 12px; background: var(--sev-bg); border-radius: 6px; overflow-wrap: anywhere; }
.action .label { font-weight: 700; color: var(--sev); margin-right: 6px; }
.meta { margin: 10px 0 0; font-size: 13px; color: var(--muted); display: flex; flex-wrap: wrap; gap: 6px 12px; align-items: baseline; }
.evidence {
  display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 10px 0 0;
  padding-top: 8px; border-top: 1px dashed var(--line); font-size: 13px;
}
.evidence dt { color: var(--muted); }
.evidence dd { margin: 0; overflow-wrap: anywhere; }
.clear {
  background: var(--card); border-radius: 12px; box-shadow: var(--shadow); border-left: 5px solid var(--ok);
  padding: 20px; margin: 0 0 28px; font-size: 18px; font-weight: 600; color: var(--ok);
}
.resolved { margin: 0 0 28px; }
.resolved ul { list-style: none; margin: 0; padding: 0; background: var(--card); border-radius: 10px; box-shadow: var(--shadow); }
.resolved li { padding: 10px 16px; border-top: 1px solid var(--line); }
.resolved li:first-child { border-top: 0; }
.resolved li::before { content: "\2713"; color: var(--ok); font-weight: 700; margin-right: 8px; }
.resolved .meta { display: block; margin: 2px 0 0 22px; }
.desk-table table { width: 100%; border-collapse: separate; border-spacing: 0; overflow: hidden; background: var(--card); border-radius: 10px; box-shadow: var(--shadow); font-size: 14px; }
.desk-table th, .desk-table td { text-align: left; padding: 8px 14px; border-top: 1px solid var(--line); vertical-align: top; }
.desk-table th { color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .05em; border-top: 0; }
.figure h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .08em; color: var(--muted); margin: 28px 0 12px; }
.figure figure { margin: 0 0 28px; background: var(--card); border-radius: 10px; box-shadow: var(--shadow); padding: 12px; }
.figure svg { width: 100%; height: auto; display: block; }
.desk-table td.num, .desk-table th.num { text-align: right; font-variant-numeric: tabular-nums; }
.desk-table .ok { color: var(--ok); font-weight: 600; }
.desk-table .failed { color: var(--bad); font-weight: 700; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; text-align: center; }
@media (max-width: 640px) {
  .tiles { grid-template-columns: repeat(2, 1fr); }
  .card-head { flex-direction: column; gap: 6px; }
}
@media print {
  :root {
    --bg: #fff; --fg: #000; --muted: #444; --card: #fff; --line: #ccc; --code-bg: #f2f2f2; --shadow: none;
    --act-now: #c0271b; --today: #b45309; --this-week: #0b6a8c; --fyi: #666;
    --act-now-bg: #fdeceb; --today-bg: #fff7e0; --this-week-bg: #e9f6fb; --fyi-bg: #f2f2f2;
    --ok: #0f6b4c; --ok-bg: #eaf7f0; --bad: #b42318; --bad-bg: #fdeceb;
  }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  body { font-size: 12px; }
  main { max-width: none; padding: 0; }
  .card, .tile, .alert, .resolved li, .desk-table tr { break-inside: avoid; }
  .card, .tile, .resolved ul, .desk-table table { border: 1px solid var(--line); }
  .card { border-left: 5px solid var(--sev); }
  .tile { border-top: 4px solid var(--sev); }
  .group h2 { break-after: avoid; }
}
)css";

std::string SeverityClass(Severity s) { return fmt::format("sev-{}", SeverityName(s)); }

std::string ShortDate(TimePoint t) { return FormatTime(t).substr(0, 10); }

void WriteTiles(std::string& out, const Briefing& b) {
  out += "<section class=\"tiles\" aria-label=\"Findings by severity\">\n";
  for (Severity s : kSeverities) {
    int n = report_internal::CountSeverity(b, s);
    std::string_view label = report_internal::SeverityHeading(s);
    // Only tiles with findings link to their section; an empty one has none.
    if (n > 0) {
      out += fmt::format(
          "<a class=\"tile {0}\" href=\"#{1}\"><span class=\"n\">{2}</span>"
          "<span class=\"label\">{3}</span></a>\n",
          SeverityClass(s), SeverityName(s), n, label);
    } else {
      out += fmt::format(
          "<div class=\"tile zero {0}\"><span class=\"n\">0</span>"
          "<span class=\"label\">{1}</span></div>\n",
          SeverityClass(s), label);
    }
  }
  out += "</section>\n";
}

void WriteDeskStrip(std::string& out, const Briefing& b) {
  int failed = 0;
  for (const DeskStatus& d : b.desks) failed += d.ok ? 0 : 1;
  if (failed > 0) {
    out += fmt::format(
        "<div class=\"alert\" role=\"alert\"><strong>&#9888; {} {} failed: this briefing may be "
        "missing findings.</strong>\n<ul>\n",
        failed, failed == 1 ? "desk" : "desks");
    for (const DeskStatus& d : b.desks) {
      if (d.ok) continue;
      out += fmt::format("<li><b>{}</b>: {}</li>\n", Escape(d.name),
                         d.error.empty() ? "no reason given" : Escape(d.error));
    }
    out += "</ul></div>\n";
  }
  if (b.desks.empty()) return;
  out += "<nav class=\"desks\" aria-label=\"Desks\">\n";
  for (const DeskStatus& d : b.desks) {
    out += fmt::format(
        "<span class=\"desk{}\" title=\"{}\">{} <small>{}</small></span>\n", d.ok ? "" : " failed",
        d.ok ? fmt::format("{} checked in {}", d.checked,
                           report_internal::FormatMillis(d.duration_ms))
             : "FAILED: " + Escape(d.error),
        Escape(d.name), d.ok ? fmt::format("{} checked", d.checked) : std::string("failed"));
  }
  out += "</nav>\n";
}

void WriteCard(std::string& out, const Finding& f, TimePoint now) {
  bool is_new = DaysRunning(f, now) <= 1;
  out += fmt::format("<article class=\"card {}\" id=\"f-{}\">\n", SeverityClass(f.severity),
                     Escape(f.Id()));
  out += fmt::format(
      "<div class=\"card-head\"><h3>{}</h3><span class=\"badge {}\">{}</span></div>\n",
      Escape(f.title), is_new ? "new" : "running", report_internal::RunningPhrase(f, now));
  if (!f.detail.empty()) out += fmt::format("<p class=\"detail\">{}</p>\n", Escape(f.detail));
  if (!f.action.empty()) {
    out += fmt::format("<p class=\"action\"><span class=\"label\">Action</span>{}</p>\n",
                       Escape(f.action));
  }
  out += fmt::format("<p class=\"meta\"><span>{} desk</span>", Escape(f.desk));
  if (!f.subject.empty()) out += fmt::format("<code>{}</code>", Escape(f.subject));
  out += fmt::format("<span>first seen <time datetime=\"{0}\">{0}</time></span></p>\n",
                     FormatTime(f.first_seen));
  if (!f.evidence.empty()) {
    out += "<dl class=\"evidence\">";
    for (const auto& [key, value] : f.evidence) {
      out += fmt::format("<dt>{}</dt><dd>{}</dd>", Escape(key), Escape(value));
    }
    out += "</dl>\n";
  }
  out += "</article>\n";
}

void WriteResolved(std::string& out, const Briefing& b) {
  out += fmt::format(
      "<section class=\"resolved\" id=\"resolved\"><h2>Resolved since yesterday "
      "<span class=\"count\">{}</span></h2>\n<ul>\n",
      b.resolved.size());
  for (const Finding& f : b.resolved) {
    TimePoint at = report_internal::ResolvedAt(f, b);
    out += fmt::format(
        "<li>{}<span class=\"meta\">{} desk &middot; <code>{}</code> &middot; resolved "
        "<time datetime=\"{}\">{}</time> after {}</span></li>\n",
        Escape(f.title), Escape(f.desk), Escape(f.subject), FormatTime(at), FormatTime(at),
        HumanDuration(at - f.first_seen));
  }
  out += "</ul></section>\n";
}

void WriteDeskTable(std::string& out, const Briefing& b) {
  out +=
      "<section class=\"desk-table\" id=\"desks\"><h2>Desks</h2>\n<table>\n<thead><tr>"
      "<th>Desk</th><th>Status</th><th class=\"num\">Checked</th><th class=\"num\">Took</th>"
      "<th>Error</th></tr></thead>\n"
      "<tbody>\n";
  for (const DeskStatus& d : b.desks) {
    out += fmt::format(
        "<tr><td>{}</td><td class=\"{}\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td>{}</td></tr>\n",
        Escape(d.name), d.ok ? "ok" : "failed", d.ok ? "ok" : "FAILED", d.checked,
        report_internal::FormatMillis(d.duration_ms), d.ok ? "" : Escape(d.error));
  }
  out += "</tbody></table></section>\n";
}

}  // namespace

std::string RenderHtml(const Briefing& b) {
  std::string company = b.company.empty() ? "ctodesk" : Escape(b.company);
  std::string out;
  out.reserve(32 * 1024);
  out += "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out +=
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">\n";
  out += "<meta name=\"color-scheme\" content=\"light dark\">\n";
  out += "<meta name=\"generator\" content=\"ctodesk\">\n";
  out +=
      fmt::format("<title>{} briefing &middot; {}</title>\n", company, ShortDate(b.generated_at));
  out += fmt::format("<style>{}</style>\n</head>\n<body>\n<main>\n", kStyle);

  out += "<header>\n<div class=\"eyebrow\">ctodesk &middot; morning briefing</div>\n";
  out += fmt::format("<h1>{}</h1>\n", company);
  out += fmt::format("<p class=\"when\"><time datetime=\"{}\">{}</time></p>\n",
                     FormatTime(b.generated_at), LongDate(b.generated_at));
  out += fmt::format("<p class=\"summary\">{}</p>\n</header>\n", Escape(SummaryLine(b)));

  WriteTiles(out, b);
  WriteDeskStrip(out, b);

  if (b.findings.empty()) {
    bool any_failed = false;
    for (const DeskStatus& d : b.desks) any_failed = any_failed || !d.ok;
    // "All clear" would be a lie when a desk could not look.
    out += any_failed ? "<div class=\"clear\">Nothing to act on from the desks that ran.</div>\n"
                      : "<div class=\"clear\">&#10003; All clear: nothing to act on.</div>\n";
  }
  for (Severity s : kSeverities) {
    int n = report_internal::CountSeverity(b, s);
    if (n == 0) continue;
    out += fmt::format(
        "<section class=\"group {}\" id=\"{}\"><h2>{} <span class=\"count\">{}</span></h2>\n",
        SeverityClass(s), SeverityName(s), report_internal::SeverityHeading(s), n);
    for (const Finding& f : b.findings) {
      if (f.severity == s) WriteCard(out, f, b.generated_at);
    }
    out += "</section>\n";
  }

  if (!b.resolved.empty()) WriteResolved(out, b);
  // Desks' pictures: each a self-contained <svg> its desk built and escaped.
  for (const Figure& fig : b.figures) {
    out += fmt::format("<section class=\"figure\" id=\"figure-{}\"><h2>{}</h2>\n<figure>{}</figure></section>\n",
                       Escape(fig.desk), Escape(fig.title), fig.svg);
  }
  if (!b.desks.empty()) WriteDeskTable(out, b);

  out += fmt::format(
      "<footer>Generated by ctodesk at <time datetime=\"{0}\">{0}</time>.</footer>\n"
      "</main>\n</body>\n</html>\n",
      FormatTime(b.generated_at));
  return out;
}

}  // namespace ctodesk
