// The CEO's summary is built as a list of sections of sentences first, then
// written out as Markdown or HTML, so both forms say exactly the same thing.
// Sentences come from the desks' plain words; when a desk wrote none, a
// generic sentence names the area in everyday words rather than leaking the
// technical title.
#include <array>
#include <cstdlib>
#include <map>

#include <fmt/format.h>

#include "report/phrases.h"
#include "report/report.h"

namespace ctodesk {

namespace {

using report_internal::Escape;

constexpr std::array<Concern, 6> kConcerns = {Concern::kCustomers, Concern::kSecurity,
                                              Concern::kDelivery,  Concern::kPeople,
                                              Concern::kSuppliers, Concern::kTechnology};

std::string_view ConcernHeading(Concern c) {
  switch (c) {
    case Concern::kCustomers: return "Customers";
    case Concern::kSecurity: return "Security";
    case Concern::kDelivery: return "Delivery dates";
    case Concern::kPeople: return "People";
    case Concern::kSuppliers: return "Suppliers";
    case Concern::kTechnology: return "Technology";
  }
  return "Technology";
}

std::string_view Urgency(Severity s) {
  switch (s) {
    case Severity::kActNow: return "Now";
    case Severity::kToday: return "Today";
    case Severity::kThisWeek: return "This week";
    case Severity::kFyi: return "Later";
  }
  return "Later";
}

// Everyday words for each desk's area, for findings without plain words.
std::string_view Area(std::string_view desk) {
  static const std::map<std::string_view, std::string_view> kAreas = {
      {"health", "whether our services are up"},
      {"backups", "our backups"},
      {"leaks", "passwords and keys accidentally published in our code"},
      {"keys", "who can access our systems"},
      {"knowledge", "work that only one person understands"},
      {"deadlines", "dates we have promised"},
      {"releases", "planned releases"},
      {"suppliers", "data from our suppliers"},
      {"feedback", "what customers tell our support team"},
      {"radar", "the technology we build on"},
  };
  auto it = kAreas.find(desk);
  return it == kAreas.end() ? std::string_view("our systems") : it->second;
}

struct Item {
  Severity severity;
  std::string risk;
  std::string doing;
};

Item ItemOf(const Finding& f) {
  Item item{f.severity, f.plain.risk, f.plain.doing};
  if (item.risk.empty()) item.risk = fmt::format("Our daily check of {} found a problem.", Area(f.desk));
  if (item.doing.empty()) item.doing = "The engineering team is handling it.";
  return item;
}

struct Summary {
  std::string title;
  std::string date;
  std::string in_short;
  std::vector<std::string> asks;
  std::vector<std::pair<Concern, std::vector<Item>>> sections;
  std::string closing;
};

std::string Plural(int n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

Summary Build(const Briefing& b) {
  Summary s;
  s.title = fmt::format("{}: where things stand", b.company);
  s.date = report_internal::LongDate(b.generated_at);
  int counts[4] = {0, 0, 0, 0};
  std::map<Concern, std::vector<Item>> by_concern;
  for (const Finding& f : b.findings) {
    ++counts[static_cast<int>(f.severity)];
    if (f.severity == Severity::kFyi) continue;
    by_concern[f.concern].push_back(ItemOf(f));
    if (!f.plain.ask.empty()) s.asks.push_back(f.plain.ask);
  }
  std::vector<std::string> parts;
  if (counts[0]) parts.push_back(fmt::format("{} now", Plural(counts[0], "thing needs attention", "things need attention")));
  if (counts[1]) parts.push_back(fmt::format("{} today", counts[1]));
  if (counts[2]) parts.push_back(fmt::format("{} this week", counts[2]));
  if (parts.empty()) {
    s.in_short = "Nothing needs attention.";
  } else {
    std::string joined = parts[0];
    for (size_t i = 1; i < parts.size(); ++i) {
      joined += (i + 1 == parts.size() ? " and " : ", ") + parts[i];
    }
    if (counts[0] == 0) joined = "Things that need attention: " + joined;
    s.in_short = joined + ".";
  }
  if (!b.resolved.empty()) {
    s.in_short += fmt::format(" {} fixed since yesterday.",
                              Plural(static_cast<int>(b.resolved.size()), "problem was", "problems were"));
  }
  for (Concern c : kConcerns) {
    auto it = by_concern.find(c);
    if (it != by_concern.end()) s.sections.emplace_back(c, std::move(it->second));
  }
  if (counts[3]) {
    s.closing = fmt::format("{} for the engineering team are not listed here.",
                            Plural(counts[3], "smaller note", "smaller notes"));
  }
  return s;
}


// The weekly summary, built once as headed lists of sentences; Markdown and
// HTML write the same sentences.
struct WeekSummary {
  std::string title;
  std::string dates;
  std::string in_short;
  std::vector<std::string> asks;
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>> sections;  // heading, (label, text)
};

std::string ShortDate(std::string_view iso_day) {
  static const char* kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                                  "July",    "August",   "September", "October", "November", "December"};
  if (iso_day.size() != 10) return std::string(iso_day);
  int month = std::atoi(std::string(iso_day.substr(5, 2)).c_str());
  int day = std::atoi(std::string(iso_day.substr(8, 2)).c_str());
  if (month < 1 || month > 12) return std::string(iso_day);
  return fmt::format("{} {}", day, kMonths[month - 1]);
}

WeekSummary BuildWeek(const Briefing& b, const WeekReview& w) {
  WeekSummary s;
  s.title = fmt::format("{}: the week in review", b.company);
  s.dates = fmt::format("{} to {}", report_internal::LongDate(w.from), report_internal::LongDate(w.to));
  int kept = 0;
  for (const PromiseOutcome& p : w.promises) kept += p.kept ? 1 : 0;
  auto serious = [](const std::vector<Finding>& v) {
    int n = 0;
    for (const Finding& f : v) n += f.severity != Severity::kFyi ? 1 : 0;
    return n;
  };
  const int new_risks = serious(w.new_risks);
  const int continuing = serious(w.continuing);
  const int resolved = serious(w.resolved);
  s.in_short = fmt::format("{} this week, {} fixed, and {} still open from before.",
                           Plural(new_risks, "new risk", "new risks"), resolved, continuing);
  if (!w.promises.empty()) {
    s.in_short += fmt::format(" We kept {} of the {} dated {} that fell this week.", kept, w.promises.size(),
                              w.promises.size() == 1 ? "promise" : "promises");
  }
  for (const Finding& f : b.findings) {
    if (f.severity != Severity::kFyi && !f.plain.ask.empty()) s.asks.push_back(f.plain.ask);
  }
  if (!w.promises.empty()) {
    std::vector<std::pair<std::string, std::string>> lines;
    for (const PromiseOutcome& p : w.promises) {
      lines.emplace_back(p.kept ? "Kept" : p.late ? "Late" : "Missed",
                         fmt::format("{}, due {}, {}.", p.what, ShortDate(p.due), p.how));
    }
    s.sections.emplace_back("Promises kept and missed", std::move(lines));
  }
  auto risk_lines = [](const std::vector<Finding>& v, bool with_days, TimePoint now) {
    std::vector<std::pair<std::string, std::string>> lines;
    for (const Finding& f : v) {
      if (f.severity == Severity::kFyi) continue;
      Item item = ItemOf(f);
      std::string text = item.risk + " " + item.doing;
      if (with_days) {
        int days = DaysRunning(f, now);
        text += fmt::format(" (open for {} days)", days);
      }
      lines.emplace_back(std::string(Urgency(f.severity)), std::move(text));
    }
    return lines;
  };
  if (auto lines = risk_lines(w.new_risks, false, w.to); !lines.empty()) {
    s.sections.emplace_back("New this week", std::move(lines));
  }
  if (resolved > 0) {
    std::map<std::string_view, int> by_area;
    for (const Finding& f : w.resolved) {
      if (f.severity != Severity::kFyi) ++by_area[Area(f.desk)];
    }
    std::vector<std::pair<std::string, std::string>> lines;
    for (const auto& [area, n] : by_area) {
      lines.emplace_back("Fixed", fmt::format("{} about {}.", Plural(n, "problem", "problems"), area));
    }
    s.sections.emplace_back("Fixed this week", std::move(lines));
  }
  if (auto lines = risk_lines(w.continuing, true, w.to); !lines.empty()) {
    s.sections.emplace_back("Still open from before", std::move(lines));
  }
  return s;
}

// Both summaries as one page shape, written once as Markdown and once as HTML.
struct Line {
  std::string label;  // "Now", "Kept", ...
  std::string cls;    // CSS modifier of the label: "now", "today", "week", or ""
  std::string text;
};
struct Page {
  std::string title, date, in_short;
  std::vector<std::string> asks;
  std::string no_asks;  // "Nothing needs your decision today."
  std::vector<std::pair<std::string, std::vector<Line>>> sections;
  std::string closing;
};

Page DailyPage(const Briefing& b) {
  Summary s = Build(b);
  Page p{s.title, s.date, s.in_short, s.asks, "Nothing needs your decision today.", {}, s.closing};
  for (const auto& [concern, items] : s.sections) {
    std::vector<Line> lines;
    for (const Item& item : items) {
      const char* cls = item.severity == Severity::kActNow  ? "now"
                        : item.severity == Severity::kToday ? "today"
                                                            : "week";
      lines.push_back({std::string(Urgency(item.severity)), cls, item.risk + " " + item.doing});
    }
    p.sections.emplace_back(std::string(ConcernHeading(concern)), std::move(lines));
  }
  return p;
}

Page WeekPage(const Briefing& b, const WeekReview& w) {
  WeekSummary s = BuildWeek(b, w);
  Page p{s.title, s.dates, s.in_short, s.asks, "Nothing needs your decision this week.", {}, ""};
  for (auto& [heading, lines] : s.sections) {
    std::vector<Line> out;
    for (auto& [label, text] : lines) out.push_back({label, "", text});
    p.sections.emplace_back(heading, std::move(out));
  }
  return p;
}

std::string Markdown(const Page& p) {
  std::string out = fmt::format("# {}\n\n{}\n\n**In short:** {}\n\n## What we need from you\n\n", p.title,
                                p.date, p.in_short);
  if (p.asks.empty()) out += p.no_asks + "\n";
  for (size_t i = 0; i < p.asks.size(); ++i) out += fmt::format("{}. {}\n", i + 1, p.asks[i]);
  for (const auto& [heading, lines] : p.sections) {
    out += fmt::format("\n## {}\n\n", heading);
    for (const Line& l : lines) out += fmt::format("- **{}.** {}\n", l.label, l.text);
  }
  if (!p.closing.empty()) out += fmt::format("\n{}\n", p.closing);
  return out;
}

std::string Html(const Page& p) {
  std::string out = fmt::format(R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>{0}</title>
<style>
body {{ font: 17px/1.55 Georgia, "Times New Roman", serif; color: #1d2430; background: #fbfaf7; margin: 0; }}
main {{ max-width: 720px; margin: 0 auto; padding: 40px 24px 64px; }}
h1 {{ font-size: 30px; margin: 0 0 4px; }}
.date {{ color: #6b7280; margin: 0 0 24px; }}
.short {{ font-size: 20px; margin: 0 0 28px; }}
h2 {{ font: 600 14px/1.3 system-ui, sans-serif; text-transform: uppercase; letter-spacing: .06em; color: #4b5563; margin: 32px 0 10px; }}
.asks {{ background: #fff7e6; border-left: 4px solid #d97706; padding: 12px 20px; border-radius: 6px; }}
ul {{ padding-left: 20px; }} li {{ margin: 8px 0; }}
.when {{ font: 600 13px system-ui, sans-serif; text-transform: uppercase; letter-spacing: .04em; margin-right: 6px; }}
.when.now {{ color: #b91c1c; }} .when.today {{ color: #b45309; }} .when.week {{ color: #0e7490; }}
.closing {{ color: #6b7280; margin-top: 32px; }}
@media (prefers-color-scheme: dark) {{ body {{ background: #15181d; color: #e5e7eb; }} .asks {{ background: #2b2112; }} }}
</style></head><body><main>
<h1>{0}</h1>
<p class="date">{1}</p>
<p class="short">{2}</p>
<h2>What we need from you</h2>
<div class="asks">)html",
                                Escape(p.title), Escape(p.date), Escape(p.in_short));
  if (p.asks.empty()) {
    out += fmt::format("<p>{}</p>", Escape(p.no_asks));
  } else {
    out += "<ol>";
    for (const std::string& ask : p.asks) out += fmt::format("<li>{}</li>", Escape(ask));
    out += "</ol>";
  }
  out += "</div>\n";
  for (const auto& [heading, lines] : p.sections) {
    out += fmt::format("<h2>{}</h2>\n<ul>\n", Escape(heading));
    for (const Line& l : lines) {
      out += fmt::format("<li><span class=\"when{}{}\">{}</span>{}</li>\n", l.cls.empty() ? "" : " ", l.cls,
                         Escape(l.label), Escape(l.text));
    }
    out += "</ul>\n";
  }
  if (!p.closing.empty()) out += fmt::format("<p class=\"closing\">{}</p>\n", Escape(p.closing));
  out += "</main></body></html>\n";
  return out;
}

}  // namespace

std::string RenderCeoMarkdown(const Briefing& b) { return Markdown(DailyPage(b)); }
std::string RenderCeoHtml(const Briefing& b) { return Html(DailyPage(b)); }
std::string RenderCeoWeekMarkdown(const Briefing& b, const WeekReview& w) { return Markdown(WeekPage(b, w)); }
std::string RenderCeoWeekHtml(const Briefing& b, const WeekReview& w) { return Html(WeekPage(b, w)); }

}  // namespace ctodesk
