// The words every renderer shares, so the terminal, Markdown, JSON and HTML
// briefings say the same thing the same way. Private to report/ (defined in
// summary.cc); callers outside the module use report.h. Thread-safe.
#pragma once

#include "core/markup.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/briefing.h"

namespace ctodesk::report_internal {

// Most urgent first: the order sections appear in every format.
inline constexpr std::array<Severity, 4> kSeverities = {Severity::kActNow, Severity::kToday,
                                                        Severity::kThisWeek, Severity::kFyi};

// English ordinal: "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st".
std::string Ordinal(int n);

// "new today" on a finding's first morning, otherwise "3rd day running".
std::string RunningPhrase(const Finding& f, TimePoint now);

// Section heading in sentence case: "Act now", "Today", "This week", "FYI".
std::string_view SeverityHeading(Severity s);

// How many findings have severity `s`.
int CountSeverity(const Briefing& b, Severity s);

// A desk's run time for people: "250ms", "1.2s", "2m05s".
std::string FormatMillis(std::int64_t ms);

// When a resolved finding was resolved. A finding in the resolved list without
// a time was found resolved by this run, so the run's time is the honest bound.
TimePoint ResolvedAt(const Finding& f, const Briefing& b);

// Escapes text for HTML element content and quoted attribute values.
inline std::string Escape(std::string_view s) { return EscapeMarkup(s); }

// "Friday 27 November 2026, 08:00 UTC".
std::string LongDate(TimePoint t);

}  // namespace ctodesk::report_internal
