// The briefing: all desks' findings for one run, ranked, plus what was
// resolved since yesterday and how each desk ran. Produced by brief/,
// consumed by report/ (renderers) and alerts/. Plain value types.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/finding.h"

namespace ctodesk {

struct DeskStatus {
  std::string name;
  bool ok = true;
  std::int64_t duration_ms = 0;
  std::int64_t checked = 0;  // how many things the desk looked at (probes, backups, ...)
  std::string error;         // why it failed; empty when ok
};

// A picture a desk adds to the briefing (the radar desk's technology radar).
// `svg` is one self-contained <svg> element with its own <title> and <desc>,
// already escaped by the desk; renderers that cannot show it skip it.
struct Figure {
  std::string desk;
  std::string title;
  std::string svg;
};

// Where the briefing keeps each desk's latest figures for the dashboard: the
// store's state namespace, keyed by desk name, holding a JSON array of
// {"title", "svg"} (empty when the desk's last successful run drew none).
inline constexpr const char* kFiguresState = "figures";

struct Briefing {
  TimePoint generated_at{};
  std::string company;
  std::vector<Finding> findings;  // open, ranked most urgent first
  std::vector<Finding> resolved;  // resolved in the 24 hours before generated_at
  std::vector<DeskStatus> desks;  // in the order they ran
  std::vector<Figure> figures;    // from the desks that ran, in their order
};

// A promise with a date that fell in the week: a release or a commitment
// (deadlines desk), and whether it was kept.
struct PromiseOutcome {
  std::string what;        // "Release 2.4", "Checkout redesign for Acme"
  std::string due;         // "2026-11-24"
  bool kept = false;       // delivered on or before the date
  bool late = false;       // delivered, but after the date
  std::string how;         // plain words: "shipped on time", "12 items still open"
};

// What changed over the seven days before `to`: the weekly CEO summary.
struct WeekReview {
  TimePoint from{};
  TimePoint to{};
  std::vector<Finding> new_risks;    // open now, first seen in the week
  std::vector<Finding> continuing;   // open now, first seen before the week
  std::vector<Finding> resolved;     // resolved in the week
  std::vector<PromiseOutcome> promises;
};

}  // namespace ctodesk
