// Renderers: turn a Briefing into text for people and machines. Each is a
// pure function of the briefing (no I/O, no clock), so tests can pin output.
//
//   terminal  grouped by severity, fits `width` columns, ANSI colour only when
//             asked (the CLI asks when stdout is a TTY)
//   markdown  for chat and tickets
//   json      the stable schema in docs/brief.schema.json
//   html      one self-contained file (inline CSS, no external requests)
//
// Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/briefing.h"

namespace ctodesk {

enum class ReportFormat { kTerminal, kMarkdown, kJson, kHtml };

std::optional<ReportFormat> ParseReportFormat(std::string_view name);  // term|md|json|html

struct TerminalOptions {
  bool color = false;
  int width = 100;
};

std::string RenderTerminal(const Briefing& b, const TerminalOptions& options);
std::string RenderMarkdown(const Briefing& b);
std::string RenderJson(const Briefing& b);
std::string RenderHtml(const Briefing& b);

// The CEO's summary: one page in plain language. What is needed from the CEO
// comes first, then each business concern (customers, security, delivery,
// people, suppliers, technology) with what is at risk and what the team is
// doing, from each finding's plain words (Finding::plain). FYI findings are
// only counted. No evidence, subjects or desk names: nothing technical and
// nothing secret reaches this page.
std::string RenderCeoMarkdown(const Briefing& b);
std::string RenderCeoHtml(const Briefing& b);

// The CEO's weekly summary (`brief --audience ceo --week`): what changed in
// the seven days the review covers — promises kept and missed, new risks,
// what was fixed (counted by area, in everyday words), what is still open and
// for how long — with the asks of today's briefing first.
std::string RenderCeoWeekMarkdown(const Briefing& b, const WeekReview& w);
std::string RenderCeoWeekHtml(const Briefing& b, const WeekReview& w);

// The briefing's one-paragraph summary, shared by all formats and by alerts:
// "2 to act on now, 1 today, 3 this week; 1 resolved since yesterday."
std::string SummaryLine(const Briefing& b);

}  // namespace ctodesk
