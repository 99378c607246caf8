#include "dashboard/html.h"

#include "core/markup.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "desks/keys/registry.h"

namespace ctodesk::dashboard {

namespace {

constexpr Severity kSeverities[] = {Severity::kActNow, Severity::kToday, Severity::kThisWeek,
                                    Severity::kFyi};

std::string_view Heading(Severity s) {
  switch (s) {
    case Severity::kActNow: return "Act now";
    case Severity::kToday: return "Today";
    case Severity::kThisWeek: return "This week";
    case Severity::kFyi: return "FYI";
  }
  return "";
}

std::string Ordinal(int n) {
  int mod100 = n % 100;
  const char* suffix = "th";
  if (mod100 < 11 || mod100 > 13) {
    if (n % 10 == 1) suffix = "st";
    else if (n % 10 == 2) suffix = "nd";
    else if (n % 10 == 3) suffix = "rd";
  }
  return fmt::format("{}{}", n, suffix);
}

std::string Running(const Finding& f, TimePoint now) {
  int d = DaysOpen(f, now);
  return d <= 1 ? "new today" : Ordinal(d) + " day running";
}

std::string Time(TimePoint t) {
  std::string iso = FormatTime(t);
  return fmt::format("<time datetime=\"{}\">{} {} UTC</time>", iso, iso.substr(0, 10),
                     iso.substr(11, 5));
}

std::string Millis(std::int64_t ms) {
  if (ms < 1000) return fmt::format("{}ms", ms);
  if (ms < 60000) return fmt::format("{:.1f}s", static_cast<double>(ms) / 1000.0);
  return fmt::format("{}m{:02}s", ms / 60000, (ms / 1000) % 60);
}

std::string Bytes(double b) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{:.0f} B", b) : fmt::format("{:.1f} {}", b, units[u]);
}

void Head(std::string& out, std::string_view title) {
  out += "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<meta name=\"color-scheme\" content=\"light dark\">\n";
  out += fmt::format("<title>{}</title>\n", Escape(title));
  out += "<link rel=\"stylesheet\" href=\"/static/app.css\">\n"
         "<link rel=\"icon\" href=\"/static/icon.svg\" type=\"image/svg+xml\">\n"
         "<script src=\"/static/app.js\"></script>\n</head>\n<body>\n";
}

void Header(std::string& out, const PageContext& ctx, std::string_view current) {
  out += "<header class=\"top\">\n<a class=\"skip\" href=\"#main\">Skip to content</a>\n";
  out += "<nav aria-label=\"Desks\"><ul>";
  out += fmt::format("<li><a href=\"/\"{}>Briefing</a></li>",
                     current.empty() ? " aria-current=\"page\"" : "");
  for (const std::string& d : ctx.desks) {
    out += fmt::format("<li><a href=\"/desks/{0}\"{1}>{2}</a></li>", UrlEncode(d),
                       current == d ? " aria-current=\"page\"" : "", Escape(d));
  }
  out += "</ul></nav>\n<div class=\"who\">";
  if (!ctx.user.empty()) {
    out += fmt::format(
        "<span>Signed in as <b>{}</b> ({})</span>"
        "<form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" "
        "value=\"{}\"><button type=\"submit\">Sign out</button></form>",
        Escape(ctx.user), ctx.role == "admin" ? "admin" : "read-only", Escape(ctx.csrf));
  } else if (ctx.login_enabled) {
    out += "<a href=\"/login\">Sign in</a>";
  }
  out += "<button type=\"button\" id=\"theme-toggle\" class=\"theme-toggle\" "
         "title=\"Switch between the system theme, light and dark\">Theme: system</button>";
  out += "</div>\n</header>\n";
  if (!ctx.flash.empty()) {
    out += fmt::format("<p class=\"flash\" role=\"status\">{}</p>\n", Escape(ctx.flash));
  }
}

void Footer(std::string& out, TimePoint now) {
  out += fmt::format(
      "<footer><p>ctodesk &middot; page rendered {} &middot; <a href=\"/api/brief\">JSON</a> "
      "&middot; <a href=\"/metrics\">metrics</a></p></footer>\n</body>\n</html>\n",
      Time(now));
}

std::string HiddenCsrf(const PageContext& ctx) {
  return fmt::format("<input type=\"hidden\" name=\"csrf\" value=\"{}\">", Escape(ctx.csrf));
}

void FreshnessSection(std::string& out, const std::vector<DeskFreshness>& desks, TimePoint now) {
  std::vector<std::string> warnings;
  for (const DeskFreshness& d : desks) {
    if (d.state != Freshness::kFresh) warnings.push_back(d.Warning(now));
  }
  out += "<section id=\"freshness\" aria-labelledby=\"freshness-h\">\n"
         "<h2 id=\"freshness-h\">Desks</h2>\n";
  if (!warnings.empty()) {
    out += fmt::format(
        "<div class=\"alert\" role=\"alert\"><p><strong>&#9888; Warning: {} {} not up to date "
        "&mdash; what they watch may be unchecked.</strong></p><ul>",
        warnings.size(), warnings.size() == 1 ? "desk is" : "desks are");
    for (const std::string& w : warnings) out += fmt::format("<li>{}</li>", Escape(w));
    out += "</ul></div>\n";
  }
  out += "<ul class=\"desk-list\">";
  for (const DeskFreshness& d : desks) {
    std::string when = d.last_run ? "last ran " + Time(d.last_run->started_at) : "never ran";
    std::string state;
    switch (d.state) {
      case Freshness::kFresh: state = "&#10003; fresh"; break;
      case Freshness::kNeverRan: state = "&#9888; never ran"; break;
      case Freshness::kFailed: state = "&#10007; failed"; break;
      case Freshness::kStale: state = "&#9888; stale"; break;
    }
    out += fmt::format(
        "<li class=\"desk-pill {}\"><a href=\"/desks/{}\">{}</a> <span class=\"state\">{}</span> "
        "<small>{}</small></li>",
        FreshnessName(d.state), UrlEncode(d.desk), Escape(d.desk), state, when);
  }
  out += "</ul>\n</section>\n";
}

void FindingArticle(std::string& out, const Finding& f, TimePoint now,
                    const std::map<std::string, Acknowledgement>& acks, const PageContext& ctx,
                    std::string_view back) {
  const std::string id = f.Id();
  out += fmt::format("<article class=\"finding sev-{0}\" id=\"f-{1}\" data-id=\"{1}\" "
                     "aria-labelledby=\"t-{1}\">\n",
                     SeverityName(f.severity), id);
  out += fmt::format(
      "<div class=\"finding-head\"><span class=\"sev-badge\">{}</span>"
      "<h3 id=\"t-{}\">{}</h3><span class=\"running\">{}</span></div>\n",
      Heading(f.severity), id, Escape(f.title), Running(f, now));
  out += fmt::format(
      "<p class=\"meta\"><a href=\"/desks/{}\">{} desk</a> &middot; <code>{}</code> &middot; "
      "<span class=\"tag\">{}</span> &middot; first seen {}</p>\n",
      UrlEncode(f.desk), Escape(f.desk), Escape(f.subject), ConcernName(f.concern), Time(f.first_seen));
  if (!f.detail.empty()) out += fmt::format("<p class=\"detail\">{}</p>\n", Escape(f.detail));
  if (!f.action.empty()) {
    out += fmt::format("<p class=\"action\"><b>Action:</b> {}</p>\n", Escape(f.action));
  }
  if (auto a = acks.find(id); a != acks.end()) {
    out += fmt::format(
        "<p class=\"ack\">&#10003; Acknowledged by {} until {}: {}</p>\n", Escape(a->second.by),
        Time(a->second.expires_at), Escape(a->second.note));
  }
  if (!f.evidence.empty()) {
    out += "<details class=\"evidence\"><summary>Evidence</summary><dl>";
    for (const auto& [k, v] : f.evidence) out += fmt::format("<dt>{}</dt><dd>{}</dd>", Escape(k), Escape(v));
    out += "</dl></details>\n";
  }
  if (ctx.CanAct()) {
    out += fmt::format(
        "<details class=\"act\"><summary>Acknowledge</summary>"
        "<form method=\"post\" action=\"/actions/acknowledge\">{0}"
        "<input type=\"hidden\" name=\"finding\" value=\"{1}\">"
        "<input type=\"hidden\" name=\"back\" value=\"{2}\">"
        "<label for=\"note-{1}\">Note</label> <input id=\"note-{1}\" name=\"note\" required "
        "maxlength=\"500\"> "
        "<label for=\"exp-{1}\">For</label> <select id=\"exp-{1}\" name=\"expires\">"
        "<option value=\"1d\">1 day</option><option value=\"7d\" selected>7 days</option>"
        "<option value=\"30d\">30 days</option></select> "
        "<button type=\"submit\">Acknowledge</button></form></details>\n",
        HiddenCsrf(ctx), id, Escape(back));
  }
  out += "</article>\n";
}

std::string QueryWith(const BriefFilter& f, std::int64_t offset) {
  std::vector<std::string> parts;
  if (!f.desk.empty()) parts.push_back("desk=" + UrlEncode(f.desk));
  if (!f.severity.empty()) parts.push_back("severity=" + UrlEncode(f.severity));
  if (!f.tag.empty()) parts.push_back("tag=" + UrlEncode(f.tag));
  if (!f.q.empty()) parts.push_back("q=" + UrlEncode(f.q));
  if (f.failing_only) parts.push_back("failing=1");
  if (offset > 0) parts.push_back(fmt::format("offset={}", offset));
  std::string q;
  for (const std::string& p : parts) q += (q.empty() ? "?" : "&amp;") + p;
  return q.empty() ? "/" : "/" + q;
}

void Select(std::string& out, std::string_view name, std::string_view label,
            const std::vector<std::pair<std::string, std::string>>& options, std::string_view current) {
  out += fmt::format("<div class=\"field\"><label for=\"filter-{0}\">{1}</label>"
                     "<select id=\"filter-{0}\" name=\"{0}\">",
                     name, label);
  for (const auto& [value, text] : options) {
    out += fmt::format("<option value=\"{}\"{}>{}</option>", Escape(value),
                       value == current ? " selected" : "", Escape(text));
  }
  out += "</select></div>";
}

}  // namespace

std::string Escape(std::string_view s) { return EscapeMarkup(s); }

std::string UrlEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string RenderBriefPage(const BriefView& v, const BriefFilter& filter, const BriefPage& page,
                            const PageContext& ctx) {
  std::string out;
  out.reserve(64 * 1024);
  Head(out, fmt::format("{} briefing · ctodesk", v.company));
  Header(out, ctx, "");
  out += fmt::format("<main id=\"main\" data-refresh=\"{}\">\n", page.refresh_seconds);
  out += fmt::format(
      "<h1>{} &mdash; briefing</h1>\n<p class=\"when\">As of {} &middot; {} open findings"
      "<span id=\"live-status\" class=\"live\" aria-live=\"polite\"></span></p>\n",
      Escape(v.company), Time(v.now), v.total_open);

  FreshnessSection(out, v.desks, v.now);

  // Counts per severity; each links to the view of that severity.
  out += "<section id=\"counts\" aria-label=\"Open findings by severity\"><ul class=\"tiles\">";
  for (Severity s : kSeverities) {
    auto it = v.counts.find(s);
    std::int64_t n = it == v.counts.end() ? 0 : it->second;
    BriefFilter only = filter;
    only.severity = std::string(SeverityName(s));
    out += fmt::format(
        "<li class=\"tile sev-{}\"><a href=\"{}\"><span class=\"n\">{}</span> "
        "<span class=\"label\">{}</span></a></li>",
        SeverityName(s), QueryWith(only, 0), n, Heading(s));
  }
  out += "</ul></section>\n";

  // Filters: a plain GET form, so they work without JavaScript and live in the URL.
  out += "<form class=\"filters\" method=\"get\" action=\"/\" role=\"search\" "
         "aria-label=\"Filter findings\">";
  std::vector<std::pair<std::string, std::string>> desks = {{"", "All desks"}};
  for (const DeskFreshness& d : v.desks) desks.emplace_back(d.desk, d.desk);
  Select(out, "desk", "Desk", desks, filter.desk);
  std::vector<std::pair<std::string, std::string>> sevs = {{"", "All severities"}};
  for (Severity s : kSeverities) sevs.emplace_back(std::string(SeverityName(s)), std::string(Heading(s)));
  Select(out, "severity", "Severity", sevs, filter.severity);
  std::vector<std::pair<std::string, std::string>> tags = {{"", "All tags"}};
  for (const std::string& t : v.tags) tags.emplace_back(t, t);
  if (!filter.tag.empty() && std::find(v.tags.begin(), v.tags.end(), filter.tag) == v.tags.end()) {
    tags.emplace_back(filter.tag, filter.tag);
  }
  Select(out, "tag", "Tag", tags, filter.tag);
  out += fmt::format(
      "<div class=\"field grow\"><label for=\"filter-q\">Search</label>"
      "<input type=\"search\" id=\"filter-q\" name=\"q\" value=\"{}\" "
      "placeholder=\"title, subject or detail\"></div>"
      "<div class=\"field check\"><input type=\"checkbox\" id=\"filter-failing\" name=\"failing\" "
      "value=\"1\"{}><label for=\"filter-failing\">Only failing (hide FYI)</label></div>"
      "<div class=\"field buttons\"><button type=\"submit\" id=\"apply\">Apply filters</button> "
      "<a href=\"/\">Clear</a></div></form>\n",
      Escape(filter.q), filter.failing_only ? " checked" : "");

  out += "<div id=\"updates\" class=\"updates\" hidden><span id=\"updates-text\"></span> "
         "<button type=\"button\" id=\"show-updates\">Show them</button></div>\n";

  // Findings, failing first, grouped by severity; one page at a time.
  const std::int64_t total = static_cast<std::int64_t>(v.findings.size());
  const std::int64_t from = std::min(page.offset, total);
  const std::int64_t to = std::min(total, from + page.limit);
  out += "<section id=\"findings\" aria-labelledby=\"findings-h\">\n";
  out += fmt::format("<h2 id=\"findings-h\">Open findings{}</h2>\n",
                     filter.Empty() ? "" : " (filtered)");
  if (total == 0) {
    bool any_warning = std::any_of(v.desks.begin(), v.desks.end(), [](const DeskFreshness& d) {
      return d.state != Freshness::kFresh;
    });
    out += any_warning || !filter.Empty()
               ? "<p class=\"clear\">No open findings match, from the desks that ran.</p>\n"
               : "<p class=\"clear\">&#10003; All clear: nothing to act on.</p>\n";
  }
  std::string back = QueryWith(filter, page.offset);
  std::optional<Severity> group;
  for (std::int64_t i = from; i < to; ++i) {
    const Finding& f = v.findings[static_cast<size_t>(i)];
    if (!group || *group != f.severity) {
      if (group) out += "</div>\n";
      group = f.severity;
      out += fmt::format("<div class=\"group sev-{0}\"><h3 class=\"group-h\" id=\"g-{0}\">{1} "
                         "<span class=\"count\">({2})</span></h3>\n",
                         SeverityName(f.severity), Heading(f.severity), v.counts.at(f.severity));
    }
    FindingArticle(out, f, v.now, v.acks, ctx, back);
  }
  if (group) out += "</div>\n";
  if (total > 0) {
    out += fmt::format("<nav class=\"pager\" aria-label=\"Pages of findings\"><p>Showing {}&ndash;{} of {}.",
                       from + 1, to, total);
    if (from > 0) {
      out += fmt::format(" <a href=\"{}\" rel=\"prev\">&larr; Previous {}</a>",
                         QueryWith(filter, std::max<std::int64_t>(0, from - page.limit)), page.limit);
    }
    if (to < total) {
      out += fmt::format(" <a href=\"{}\" rel=\"next\">Next {} &rarr;</a>", QueryWith(filter, to),
                         std::min(page.limit, total - to));
    }
    out += "</p></nav>\n";
  }
  out += "</section>\n";

  out += fmt::format("<section id=\"resolved\" aria-labelledby=\"resolved-h\"><h2 id=\"resolved-h\">"
                     "Resolved since yesterday ({})</h2>\n",
                     v.resolved.size());
  if (v.resolved.empty()) out += "<p>Nothing was resolved in the last 24 hours.</p>\n";
  else out += "<ul class=\"resolved\">";
  for (size_t i = 0; i < v.resolved.size() && i < 200; ++i) {
    const Finding& f = v.resolved[i];
    TimePoint at = f.resolved_at.value_or(v.now);
    out += fmt::format("<li>&#10003; {} <small>{} desk &middot; <code>{}</code> &middot; resolved {} "
                       "after {}</small></li>",
                       Escape(f.title), Escape(f.desk), Escape(f.subject), Time(at),
                       HumanDuration(at - f.first_seen));
  }
  if (!v.resolved.empty()) out += "</ul>\n";
  out += "</section>\n</main>\n";
  Footer(out, v.now);
  return out;
}

std::string UptimeStripSvg(const SubjectHistory& h, std::string_view id) {
  std::int64_t total = 0, ok = 0;
  int bad_days = 0, empty_days = 0;
  std::string worst;
  for (const CheckDay& c : h.days) {
    total += c.total;
    ok += c.ok;
    if (c.total == 0) ++empty_days;
    else if (c.ok < c.total) ++bad_days;
  }
  const int n = static_cast<int>(h.days.size());
  std::string desc =
      total == 0 ? fmt::format("No checks in the last {} days.", n)
                 : fmt::format("{:.2f}% of {} checks up over the last {} days; {} {} with failures; "
                               "{} {} without checks.",
                               100.0 * static_cast<double>(ok) / static_cast<double>(total), total, n,
                               bad_days, bad_days == 1 ? "day" : "days", empty_days,
                               empty_days == 1 ? "day" : "days");
  std::string out = fmt::format(
      "<svg class=\"strip\" role=\"img\" aria-labelledby=\"{0}-t {0}-d\" viewBox=\"0 0 {1} 24\" "
      "width=\"{1}\" height=\"24\"><title id=\"{0}-t\">Uptime of {2}, one cell per day</title>"
      "<desc id=\"{0}-d\">{3}</desc>",
      id, n * 4, Escape(h.subject), desc);
  // Shape as well as colour: a day with failures is a full bar, a clean day
  // a shorter one, a day without checks a thin line. Clean days and days
  // without checks are one <path> each (the description tells them); each
  // day with failures is its own <rect> with a <title> naming the day.
  std::string up_path, none_path, bad;
  for (int i = 0; i < n; ++i) {
    const CheckDay& c = h.days[static_cast<size_t>(i)];
    if (c.total == 0) {
      none_path += fmt::format("M{} 20h3v4h-3z", i * 4);
    } else if (c.ok == c.total) {
      up_path += fmt::format("M{} 6h3v18h-3z", i * 4);
    } else {
      bad += fmt::format("<rect class=\"{}\" x=\"{}\" y=\"0\" width=\"3\" height=\"24\"><title>{}: {} of {} up</title></rect>",
                         c.ok == 0 ? "down" : "partial", i * 4, FormatTime(c.day).substr(0, 10), c.ok, c.total);
    }
  }
  if (!up_path.empty()) out += fmt::format("<path class=\"up\" d=\"{}\"/>", up_path);
  if (!none_path.empty()) out += fmt::format("<path class=\"none\" d=\"{}\"/>", none_path);
  out += bad;
  out += "</svg>";
  return out;
}

std::string SparklineSvg(const std::vector<CheckRecord>& recent, std::string_view what,
                         std::string_view unit, std::string_view id) {
  const int width = 160, height = 28;
  if (recent.empty()) return "<span class=\"muted\">no data</span>";
  std::vector<double> values;
  for (const CheckRecord& c : recent) values.push_back(c.value);
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  double lo = sorted.front(), hi = sorted.back(), median = sorted[sorted.size() / 2];
  auto fmt_value = [&](double x) {
    return unit == "bytes" ? Bytes(x) : fmt::format("{:.0f} {}", x, unit);
  };
  std::string points;
  for (size_t i = 0; i < values.size(); ++i) {
    double x = values.size() == 1 ? width / 2.0
                                  : static_cast<double>(i) * (width - 2) / static_cast<double>(values.size() - 1) + 1;
    double y = hi == lo ? height / 2.0 : (height - 2) - (values[i] - lo) * (height - 4) / (hi - lo);
    points += fmt::format("{}{:.1f},{:.1f}", i ? " " : "", x, y);
  }
  return fmt::format(
      "<svg class=\"spark\" role=\"img\" aria-labelledby=\"{0}-t {0}-d\" viewBox=\"0 0 {1} {2}\" "
      "width=\"{1}\" height=\"{2}\"><title id=\"{0}-t\">{3}</title><desc id=\"{0}-d\">Last {4} "
      "checks: lowest {5}, median {6}, highest {7}, latest {8}.</desc>"
      "<polyline points=\"{9}\"/></svg>",
      id, width, height, Escape(what), values.size(), fmt_value(lo), fmt_value(median),
      fmt_value(hi), fmt_value(values.back()), points);
}

std::string RenderDeskPage(const DeskView& v, const PageContext& ctx) {
  std::string out;
  out.reserve(64 * 1024);
  Head(out, fmt::format("{} desk · ctodesk", v.desk));
  Header(out, ctx, v.desk);
  const std::string desk_url = "/desks/" + UrlEncode(v.desk);
  out += "<main id=\"main\" data-refresh=\"30\">\n";
  out += fmt::format("<h1>The {} desk</h1>\n", Escape(v.desk));
  const DeskFreshness& f = v.freshness;
  out += "<section id=\"freshness\" aria-label=\"Freshness\">";
  if (f.state != Freshness::kFresh) {
    out += fmt::format("<div class=\"alert\" role=\"alert\"><p><strong>&#9888; {}</strong></p></div>",
                       Escape(f.Warning(v.now)));
  }
  out += fmt::format("<p class=\"when\">{} &middot; {} open findings</p>",
                     f.last_run ? fmt::format("Last ran {} ({}, took {}, {} checked)",
                                              Time(f.last_run->started_at),
                                              f.last_run->ok ? "&#10003; ok" : "&#10007; FAILED",
                                              Millis(f.last_run->duration_ms), f.last_run->checked)
                                : std::string("&#9888; Never ran"),
                     v.findings.size());
  if (ctx.CanAct() && f.configured) {
    out += fmt::format(
        "<form method=\"post\" action=\"/actions/run\" class=\"inline\">{}<input type=\"hidden\" "
        "name=\"desk\" value=\"{}\"><input type=\"hidden\" name=\"back\" value=\"{}\">"
        "<button type=\"submit\">Run the {} desk now</button></form>",
        HiddenCsrf(ctx), Escape(v.desk), Escape(desk_url), Escape(v.desk));
  }
  out += "</section>\n";

  out += fmt::format("<section id=\"findings\" aria-labelledby=\"findings-h\"><h2 id=\"findings-h\">"
                     "Open findings ({})</h2>\n",
                     v.findings.size());
  if (v.findings.empty()) out += "<p class=\"clear\">No open findings.</p>\n";
  for (size_t i = 0; i < v.findings.size() && i < 200; ++i) {
    FindingArticle(out, v.findings[i], v.now, v.acks, ctx, desk_url);
  }
  out += "</section>\n";

  // The desk's pictures (the radar, the deadlines forecast): self-contained
  // SVG built and escaped by the desk, with its own title and description.
  for (size_t i = 0; i < v.figures.size(); ++i) {
    out += fmt::format("<section class=\"figure\" aria-labelledby=\"figure-h{0}\"><h2 id=\"figure-h{0}\">{1}</h2>"
                       "<figure>{2}</figure></section>\n",
                       i, Escape(v.figures[i].title), v.figures[i].svg);
  }

  if (v.desk == "keys") {
    out += fmt::format("<section id=\"keys\" aria-labelledby=\"keys-h\"><h2 id=\"keys-h\">Keys ({})</h2>\n",
                       v.keys.size());
    out += "<div class=\"scroll\"><table><thead><tr><th scope=\"col\">Key</th><th scope=\"col\">Owner</th>"
           "<th scope=\"col\">Client</th><th scope=\"col\">Plan</th><th scope=\"col\">Status</th>"
           "<th scope=\"col\">Last used</th><th scope=\"col\" class=\"num\">Uses (24 h)</th>";
    if (ctx.CanAct()) out += "<th scope=\"col\">Actions</th>";
    out += "</tr></thead><tbody>\n";
    for (size_t i = 0; i < v.keys.size() && i < 500; ++i) {
      const KeyRecord& k = v.keys[i];
      keys::KeyStatus status = keys::StatusOf(k, v.now);
      auto last = v.last_use_ms.find(k.id);
      auto uses = v.uses_24h.find(k.id);
      std::string status_text(keys::KeyStatusName(status));
      if (status == keys::KeyStatus::kSuspended) status_text += ": " + k.suspend_reason;
      if (status == keys::KeyStatus::kRevoked && !k.revoke_reason.empty()) status_text += ": " + k.revoke_reason;
      out += fmt::format(
          "<tr id=\"key-{0}\" data-id=\"{0}\"><th scope=\"row\"><code>{0}</code><br><small>{1}</small></th>"
          "<td>{2}</td><td>{3}</td><td>{4}</td><td class=\"status-{5}\">{6}</td><td>{7}</td>"
          "<td class=\"num\">{8}</td>",
          Escape(k.id), Escape(k.hint), Escape(k.owner), Escape(k.client), Escape(k.plan),
          keys::KeyStatusName(status), Escape(status_text),
          last == v.last_use_ms.end() ? std::string("never")
                                      : Time(FromUnix(last->second / 1000)),
          uses == v.uses_24h.end()       ? std::string("&ndash;")
          : uses->second > kUsageCap ? fmt::format("{}+", kUsageCap)
                                     : std::to_string(uses->second));
      if (ctx.CanAct()) {
        out += "<td>";
        if (status != keys::KeyStatus::kRevoked) {
          out += fmt::format(
              "<form method=\"post\" action=\"/actions/revoke\" class=\"inline\">{0}"
              "<input type=\"hidden\" name=\"key\" value=\"{1}\"><input type=\"hidden\" name=\"back\" "
              "value=\"{2}\"><label for=\"reason-{1}\" class=\"sr-only\">Reason to revoke {1}</label>"
              "<input id=\"reason-{1}\" name=\"reason\" required placeholder=\"reason\" size=\"12\">"
              "<button type=\"submit\" aria-label=\"Revoke key {1}\">Revoke</button></form>",
              HiddenCsrf(ctx), Escape(k.id), Escape(desk_url));
        }
        if (status == keys::KeyStatus::kSuspended) {
          out += fmt::format(
              "<form method=\"post\" action=\"/actions/lift\" class=\"inline\">{0}"
              "<input type=\"hidden\" name=\"key\" value=\"{1}\"><input type=\"hidden\" name=\"back\" "
              "value=\"{2}\"><button type=\"submit\" aria-label=\"Lift suspension of key {1}\">"
              "Lift suspension</button></form>",
              HiddenCsrf(ctx), Escape(k.id), Escape(desk_url));
        }
        out += "</td>";
      }
      out += "</tr>\n";
    }
    out += "</tbody></table></div>\n";
    if (v.keys.size() > 500) out += fmt::format("<p>Showing 500 of {} keys; all are in <a href=\"/api/desks/keys/history\">the API</a>.</p>", v.keys.size());
    out += "</section>\n";
    std::vector<const KeyRecord*> suspended;
    for (const KeyRecord& k : v.keys) {
      if (keys::StatusOf(k, v.now) == keys::KeyStatus::kSuspended) suspended.push_back(&k);
    }
    out += fmt::format("<section id=\"suspensions\" aria-labelledby=\"susp-h\"><h2 id=\"susp-h\">"
                       "Suspensions ({})</h2>\n",
                       suspended.size());
    if (suspended.empty()) out += "<p>No key is suspended.</p>\n";
    else out += "<ul>";
    for (const KeyRecord* k : suspended) {
      out += fmt::format("<li><code>{}</code> ({}) suspended {}: {}</li>", Escape(k->id), Escape(k->owner),
                         Time(*k->suspended_at), Escape(k->suspend_reason));
    }
    if (!suspended.empty()) out += "</ul>\n";
    out += "</section>\n";
    out += "<section id=\"audit\" aria-labelledby=\"audit-h\"><h2 id=\"audit-h\">Audit trail "
           "(newest first)</h2>\n<div class=\"scroll\"><table><thead><tr><th scope=\"col\" class=\"num\">#</th>"
           "<th scope=\"col\">When</th><th scope=\"col\">Who</th><th scope=\"col\">What</th>"
           "<th scope=\"col\">Key</th><th scope=\"col\">Detail</th></tr></thead><tbody>\n";
    for (const AuditEntry& e : v.audit) {
      std::string detail = e.detail.size() > 300 ? e.detail.substr(0, 300) + "…" : e.detail;
      out += fmt::format("<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td>"
                         "<td class=\"detail\"><code>{}</code></td></tr>\n",
                         e.seq, Time(e.at), Escape(e.actor), Escape(e.action), Escape(e.key_id),
                         Escape(detail));
    }
    out += "</tbody></table></div></section>\n";
  }

  if (v.subject_total > 0) {
    const bool health = v.desk == "health";
    const bool backups = v.desk == "backups";
    out += fmt::format("<section id=\"history\" aria-labelledby=\"history-h\"><h2 id=\"history-h\">"
                       "{} ({})</h2>\n",
                       health ? "Probes: uptime, one cell per day for 90 days, and latency"
                       : backups ? "Backups: sizes and ages"
                                 : "Check history",
                       v.subject_total);
    out += "<div class=\"scroll\"><table class=\"history\"><thead><tr><th scope=\"col\">Subject</th>"
           "<th scope=\"col\">Last 90 days</th><th scope=\"col\">Recent values</th>"
           "<th scope=\"col\">Latest</th></tr></thead><tbody>\n";
    int n = 0;
    for (const SubjectHistory& h : v.subjects) {
      std::string id = fmt::format("s{}", n++);
      std::string latest = "&ndash;";
      if (!h.recent.empty()) {
        const CheckRecord& c = h.recent.back();
        std::string value = backups ? Bytes(c.value) : health ? fmt::format("{:.0f} ms", c.value)
                                                               : fmt::format("{:g}", c.value);
        latest = fmt::format("{} {} &middot; {} &middot; {} ago", c.ok ? "&#10003; ok" : "&#10007; failing",
                             value, Time(c.at), HumanDuration(v.now - c.at));
      }
      out += fmt::format("<tr{}><th scope=\"row\"><code>{}</code>{}</th><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                         h.has_open_finding ? " class=\"failing\"" : "", Escape(h.subject),
                         h.has_open_finding ? " <span class=\"flag\">open finding</span>" : "",
                         UptimeStripSvg(h, id),
                         SparklineSvg(h.recent,
                                      health ? "Latency of " + h.subject
                                      : backups ? "Backup sizes of " + h.subject
                                                : "Recent values of " + h.subject,
                                      health ? "ms" : backups ? "bytes" : "", id + "-s"),
                         latest);
    }
    out += "</tbody></table></div>\n";
    if (v.subject_total > v.limit) {
      out += fmt::format("<nav class=\"pager\" aria-label=\"Pages of subjects\"><p>Showing {}&ndash;{} of {}.",
                         v.offset + 1, std::min(v.subject_total, v.offset + v.limit), v.subject_total);
      if (v.offset > 0) {
        out += fmt::format(" <a href=\"{}?offset={}\">&larr; Previous</a>", desk_url,
                           std::max<std::int64_t>(0, v.offset - v.limit));
      }
      if (v.offset + v.limit < v.subject_total) {
        out += fmt::format(" <a href=\"{}?offset={}\">Next &rarr;</a>", desk_url, v.offset + v.limit);
      }
      out += "</p></nav>\n";
    }
    out += "</section>\n";
  }

  out += "<section id=\"runs\" aria-labelledby=\"runs-h\"><h2 id=\"runs-h\">Runs (newest first)</h2>\n";
  if (v.runs.empty()) out += "<p>&#9888; This desk has never run.</p>\n";
  else {
    out += "<div class=\"scroll\"><table><thead><tr><th scope=\"col\">Started</th><th scope=\"col\">Result</th>"
           "<th scope=\"col\" class=\"num\">Took</th><th scope=\"col\" class=\"num\">Checked</th>"
           "<th scope=\"col\">Error</th></tr></thead><tbody>\n";
    for (const DeskRun& r : v.runs) {
      out += fmt::format("<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
                         "<td>{}</td></tr>\n",
                         Time(r.started_at), r.ok ? "&#10003; ok" : "&#10007; FAILED",
                         Millis(r.duration_ms), r.checked, Escape(r.error));
    }
    out += "</tbody></table></div>\n";
  }
  out += "</section>\n</main>\n";
  Footer(out, v.now);
  return out;
}

std::string RenderLoginPage(const PageContext& ctx, std::string_view error, std::string_view back) {
  std::string out;
  Head(out, "Sign in · ctodesk");
  Header(out, ctx, "login");
  out += "<main id=\"main\">\n<h1>Sign in</h1>\n";
  if (!error.empty()) out += fmt::format("<p class=\"alert\" role=\"alert\">{}</p>\n", Escape(error));
  out += fmt::format(
      "<form method=\"post\" action=\"/login\" class=\"login\"><input type=\"hidden\" name=\"back\" "
      "value=\"{}\"><div class=\"field\"><label for=\"login-name\">Name</label>"
      "<input id=\"login-name\" name=\"name\" autocomplete=\"username\" required></div>"
      "<div class=\"field\"><label for=\"login-password\">Password</label>"
      "<input id=\"login-password\" name=\"password\" type=\"password\" "
      "autocomplete=\"current-password\" required></div>"
      "<div class=\"field buttons\"><button type=\"submit\">Sign in</button></div></form>\n"
      "<p>Accounts are created on the server with <code>ctodesk users add NAME</code>.</p>\n</main>\n",
      Escape(back));
  out += "</body>\n</html>\n";
  return out;
}

std::string RenderMessagePage(const PageContext& ctx, std::string_view heading,
                              std::string_view message) {
  std::string out;
  Head(out, fmt::format("{} · ctodesk", heading));
  Header(out, ctx, "message");
  out += fmt::format("<main id=\"main\">\n<h1>{}</h1>\n<p>{}</p>\n<p><a href=\"/\">Back to the "
                     "briefing</a></p>\n</main>\n</body>\n</html>\n",
                     Escape(heading), Escape(message));
  return out;
}

}  // namespace ctodesk::dashboard
