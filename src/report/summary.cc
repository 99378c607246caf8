// The summary line and the phrases every format shares. Keeping them in one
// place is what lets a chat alert, the terminal and the dashboard agree word
// for word about the same morning.
#include <string>
#include <vector>

#include <fmt/format.h>

#include "report/phrases.h"
#include "report/report.h"

namespace ctodesk {
namespace report_internal {

std::string Ordinal(int n) {
  // 11, 12 and 13 (and 111, 112, ...) take "th" although they end in 1, 2, 3.
  int last_two = n < 0 ? -(n % 100) : n % 100;
  int last = last_two % 10;
  const char* suffix = "th";
  if (last_two < 11 || last_two > 13) {
    switch (last) {
      case 1: suffix = "st"; break;
      case 2: suffix = "nd"; break;
      case 3: suffix = "rd"; break;
      default: break;
    }
  }
  return fmt::format("{}{}", n, suffix);
}

std::string RunningPhrase(const Finding& f, TimePoint now) {
  int days = DaysRunning(f, now);
  // A first_seen after `now` (a clock that moved backwards) is still new.
  if (days <= 1) return "new today";
  return Ordinal(days) + " day running";
}

std::string_view SeverityHeading(Severity s) {
  switch (s) {
    case Severity::kActNow: return "Act now";
    case Severity::kToday: return "Today";
    case Severity::kThisWeek: return "This week";
    case Severity::kFyi: return "FYI";
  }
  return "FYI";
}

int CountSeverity(const Briefing& b, Severity s) {
  int n = 0;
  for (const Finding& f : b.findings) n += f.severity == s ? 1 : 0;
  return n;
}

std::string FormatMillis(std::int64_t ms) {
  if (ms < 0) ms = 0;
  if (ms < 1000) return fmt::format("{}ms", ms);
  if (ms < 60'000) return fmt::format("{:.1f}s", static_cast<double>(ms) / 1000.0);
  std::int64_t s = ms / 1000;
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

TimePoint ResolvedAt(const Finding& f, const Briefing& b) {
  return f.resolved_at.value_or(b.generated_at);
}

}  // namespace report_internal

std::optional<ReportFormat> ParseReportFormat(std::string_view name) {
  if (name == "term" || name == "terminal" || name == "text") return ReportFormat::kTerminal;
  if (name == "md" || name == "markdown") return ReportFormat::kMarkdown;
  if (name == "json") return ReportFormat::kJson;
  if (name == "html") return ReportFormat::kHtml;
  return std::nullopt;
}

std::string SummaryLine(const Briefing& b) {
  using report_internal::CountSeverity;

  // Clauses are separated by "; " and the counts inside the first clause by
  // ", ", so the line reads as one sentence whatever is present.
  std::vector<std::string> counts;
  struct Phrase {
    Severity severity;
    const char* words;
  };
  static constexpr Phrase kPhrases[] = {{Severity::kActNow, "to act on now"},
                                        {Severity::kToday, "today"},
                                        {Severity::kThisWeek, "this week"},
                                        {Severity::kFyi, "fyi"}};
  for (const Phrase& p : kPhrases) {
    int n = CountSeverity(b, p.severity);
    if (n > 0) counts.push_back(fmt::format("{} {}", n, p.words));
  }

  std::vector<std::string> failed;
  for (const DeskStatus& d : b.desks) {
    if (!d.ok) failed.push_back(d.name);
  }

  std::vector<std::string> clauses;
  if (!counts.empty()) {
    clauses.push_back(fmt::format("{}", fmt::join(counts, ", ")));
  } else if (failed.empty()) {
    clauses.push_back("All clear: nothing to act on");
  } else {
    // "All clear" would be a lie when a desk could not look.
    clauses.push_back("Nothing to act on from the desks that ran");
  }
  if (!failed.empty()) {
    clauses.push_back(fmt::format("{} {} failed ({})", failed.size(),
                                  failed.size() == 1 ? "desk" : "desks", fmt::join(failed, ", ")));
  }
  if (!b.resolved.empty()) {
    clauses.push_back(fmt::format("{} resolved since yesterday", b.resolved.size()));
  }
  return fmt::format("{}.", fmt::join(clauses, "; "));
}


namespace report_internal {

// "Friday 27 November 2026, 08:00 UTC": the page is read by people, and the
// machine-readable instant goes in the <time> element's datetime attribute.
std::string LongDate(TimePoint t) {
  using namespace std::chrono;
  static constexpr const char* kWeekdays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                              "Thursday", "Friday", "Saturday"};
  static constexpr const char* kMonths[] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};
  sys_days day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss<seconds> tod{t - day};
  return fmt::format("{} {} {} {}, {:02}:{:02} UTC", kWeekdays[weekday{day}.c_encoding()],
                     static_cast<unsigned>(ymd.day()),
                     kMonths[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()),
                     tod.hours().count(), tod.minutes().count());
}

}  // namespace report_internal

}  // namespace ctodesk
