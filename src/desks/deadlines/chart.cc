#include "desks/deadlines/chart.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/markup.h"

namespace ctodesk::deadlines {

namespace {

constexpr double kLeft = 220, kWidth = 560, kRowHeight = 86, kTop = 46, kBars = 60;
constexpr double kPercentiles[] = {0.50, 0.85, 0.95};
constexpr const char* kPercentileNames[] = {"50%", "85%", "95%"};

}  // namespace

double ChartX(int day, int axis_days, double left, double width) {
  const int clamped = std::clamp(day, 0, std::max(axis_days, 1));
  return left + width * static_cast<double>(clamped) / static_cast<double>(std::max(axis_days, 1));
}

std::string ForecastSvg(const std::vector<ChartRow>& rows, const std::string& today) {
  if (rows.empty()) return "";
  // One axis for all rows: to the latest 95% percentile or promise, plus a margin.
  int axis = 5;
  for (const ChartRow& r : rows) {
    axis = std::max(axis, r.due_day);
    if (auto q = r.days.Quantile(0.95)) axis = std::max(axis, *q);
  }
  axis = static_cast<int>(std::ceil(axis * 1.08));
  const double height = kTop + kRowHeight * static_cast<double>(rows.size()) + 34;
  std::string desc = "Forecast of each commitment from today (" + today + "): ";
  for (size_t i = 0; i < rows.size(); ++i) {
    const ChartRow& r = rows[i];
    desc += fmt::format("{}{}: promised {}, {:.0f}% likely by then; 85% date {}", i ? "; " : "", r.name,
                        r.promised, r.probability * 100,
                        r.percentile_dates.size() > 1 && !r.percentile_dates[1].empty() ? r.percentile_dates[1]
                                                                                         : "beyond the horizon");
  }
  std::string svg = fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 820 {0:.0f}" role="img" aria-labelledby="fc-title fc-desc" font-family="system-ui, sans-serif" font-size="12">)"
      "\n<title id=\"fc-title\">Delivery forecasts: when each commitment will be done</title>\n"
      "<desc id=\"fc-desc\">{1}.</desc>\n"
      R"(<text x="{2}" y="24" fill="currentColor" opacity=".7">working days from today ({3}) →</text>)"
      "\n",
      height, EscapeMarkup(desc), kLeft, EscapeMarkup(today));
  for (size_t i = 0; i < rows.size(); ++i) {
    const ChartRow& r = rows[i];
    const double top = kTop + kRowHeight * static_cast<double>(i);
    const double base = top + kRowHeight - 34;
    svg += fmt::format(R"(<g class="commitment"><text x="8" y="{:.1f}" fill="currentColor" font-weight="600">{}</text>)"
                       R"(<text x="8" y="{:.1f}" fill="currentColor" opacity=".75">promised {} · {:.0f}% likely</text>)"
                       "\n",
                       top + 24, EscapeMarkup(r.name.size() > 30 ? r.name.substr(0, 29) + "…" : r.name), top + 42,
                       EscapeMarkup(r.promised), r.probability * 100);
    // Histogram: the trials binned into kBars columns over the axis.
    std::vector<std::int64_t> bins(static_cast<size_t>(kBars), 0);
    for (size_t k = 0; k < r.days.counts.size(); ++k) {
      const size_t b = std::min(static_cast<size_t>(kBars) - 1,
                                static_cast<size_t>(static_cast<double>(k) / axis * kBars));
      bins[b] += r.days.counts[k];
    }
    const std::int64_t peak = std::max<std::int64_t>(1, *std::max_element(bins.begin(), bins.end()));
    const double bar_w = kWidth / kBars;
    for (size_t b = 0; b < bins.size(); ++b) {
      if (bins[b] == 0) continue;
      const double h = (kRowHeight - 46) * static_cast<double>(bins[b]) / static_cast<double>(peak);
      const double x = kLeft + bar_w * static_cast<double>(b);
      const bool late = x + bar_w / 2 > ChartX(r.due_day, axis, kLeft, kWidth);
      svg += fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}"/>)", x,
                         base - h, bar_w - 1, h, late ? "#c62828" : "#2e7d32");
    }
    svg += fmt::format(R"(<line x1="{0}" y1="{1:.1f}" x2="{2}" y2="{1:.1f}" stroke="currentColor" opacity=".35"/>)",
                       kLeft, base, kLeft + kWidth);
    // Percentiles, then the promise.
    double label_x = -1e9, label_y = base + 12;  // labels closer than 30 units step down a line
    for (size_t p = 0; p < std::size(kPercentiles); ++p) {
      auto q = r.days.Quantile(kPercentiles[p]);
      if (!q) continue;
      const double x = ChartX(*q, axis, kLeft, kWidth);
      label_y = x - label_x < 30 ? label_y + 11 : base + 12;
      label_x = x;
      svg += fmt::format(R"(<line class="p{}" x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="currentColor" stroke-width="1.5"/>)"
                         R"(<text x="{:.1f}" y="{:.1f}" fill="currentColor" font-size="10" text-anchor="middle">{}</text>)",
                         std::string_view(kPercentileNames[p]).substr(0, 2), x, top + 8, x, base, x, label_y,
                         kPercentileNames[p]);
    }
    const double due_x = ChartX(r.due_day, axis, kLeft, kWidth);
    svg += fmt::format(R"(<line class="promise" x1="{0:.1f}" y1="{1:.1f}" x2="{0:.1f}" y2="{2:.1f}" stroke="#b45309" stroke-width="2" stroke-dasharray="4 3"/>)"
                       R"(<text x="{0:.1f}" y="{3:.1f}" fill="#b45309" font-size="10" text-anchor="middle">{4}</text></g>)"
                       "\n",
                       due_x, top + 4, base, top + 2, r.due_day <= 0 ? "promised (past)" : "promised");
  }
  svg += fmt::format(R"(<text x="8" y="{:.0f}" fill="currentColor" opacity=".7" font-size="11">Bars: how many of the {} simulated futures finish that day, green on or before the promise, red after. Lines: 50%, 85%, 95% of futures done.</text>)"
                     "\n</svg>",
                     height - 10, rows.front().days.trials);
  return svg;
}

}  // namespace ctodesk::deadlines
