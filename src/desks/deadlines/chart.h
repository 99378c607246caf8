// The forecast chart of the HTML briefing: one row per commitment, with the
// distribution of simulated finish days as a histogram, its 50%, 85% and 95%
// percentiles as marked lines, and the promised date as a dashed line, so a
// reader sees at a glance how much of the distribution lies past the promise.
// A self-contained SVG (no scripts, fonts or images) with <title> and <desc>
// for screen readers; text is XML-escaped. Pure and thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "desks/deadlines/forecast.h"

namespace ctodesk::deadlines {

struct ChartRow {
  std::string name;          // "Checkout redesign"
  std::string promised;      // "2026-12-18"
  int due_day = 0;           // working days from today to the promise (<= 0: past)
  double probability = 0;    // of finishing by the promise
  DaysDistribution days;     // finish day of each trial, in working days from today
  std::vector<std::string> percentile_dates;  // dates of the 50%, 85%, 95% percentiles ("" beyond the horizon)
};

// The x position (in SVG units) of working day `day` on a chart whose axis
// runs from 0 to `axis_days` over `width` units starting at `left`.
double ChartX(int day, int axis_days, double left, double width);

// The chart, or "" when there are no rows.
std::string ForecastSvg(const std::vector<ChartRow>& rows, const std::string& today);

}  // namespace ctodesk::deadlines
