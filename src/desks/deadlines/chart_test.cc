#include "desks/deadlines/chart.h"

#include <regex>

#include <gtest/gtest.h>

namespace ctodesk::deadlines {
namespace {

// A distribution whose trials finish on days 10..19, one each.
DaysDistribution Uniform(int first, int n) {
  DaysDistribution d;
  d.trials = n;
  d.counts.assign(static_cast<size_t>(first + n), 0);
  for (int k = first; k < first + n; ++k) d.counts[static_cast<size_t>(k)] = 1;
  return d;
}

double LineX(const std::string& svg, const std::string& cls, size_t nth = 0) {
  const std::regex re("class=\"" + cls + "\" x1=\"([0-9.]+)\"");
  auto it = std::sregex_iterator(svg.begin(), svg.end(), re);
  for (size_t i = 0; i < nth && it != std::sregex_iterator(); ++i) ++it;
  EXPECT_NE(it, std::sregex_iterator()) << cls << " #" << nth << " not in the chart";
  return it == std::sregex_iterator() ? -1 : std::stod((*it)[1]);
}

TEST(ForecastChartTest, PercentilesAndPromiseWhereTheyBelong) {
  ChartRow r{"Checkout <v2> & more", "2026-12-18", 14, 0.5, Uniform(10, 10), {"2026-12-14", "2026-12-21", "2026-12-23"}};
  std::string svg = ForecastSvg({r}, "2026-11-27");
  ASSERT_TRUE(svg.starts_with("<svg")) << svg.substr(0, 40);
  EXPECT_NE(svg.find("<title id=\"fc-title\">"), std::string::npos);
  EXPECT_NE(svg.find("<desc id=\"fc-desc\">"), std::string::npos);
  // Names are escaped, never raw markup.
  EXPECT_EQ(svg.find("<v2>"), std::string::npos);
  EXPECT_NE(svg.find("Checkout &lt;v2&gt; &amp; more"), std::string::npos);
  EXPECT_NE(svg.find("promised 2026-12-18 · 50% likely"), std::string::npos);
  // The axis ends at ceil(19 * 1.08) = 21 working days: 50% is day 14, 85% day 18, 95% day 19.
  EXPECT_NEAR(LineX(svg, "p50"), ChartX(14, 21, 220, 560), 0.1);
  EXPECT_NEAR(LineX(svg, "p85"), ChartX(18, 21, 220, 560), 0.1);
  EXPECT_NEAR(LineX(svg, "p95"), ChartX(19, 21, 220, 560), 0.1);
  EXPECT_NEAR(LineX(svg, "promise"), ChartX(14, 21, 220, 560), 0.1);
  // Bars after the promise are red, before it green.
  EXPECT_NE(svg.find("#c62828"), std::string::npos);
  EXPECT_NE(svg.find("#2e7d32"), std::string::npos);
  EXPECT_NE(svg.find("85% date 2026-12-21"), std::string::npos) << "the description names the 85% date";
}

TEST(ForecastChartTest, OneRowPerCommitmentAndPastPromises) {
  ChartRow a{"A", "2026-11-20", 0, 0.0, Uniform(5, 4), {"", "", ""}};
  ChartRow b{"B", "2027-01-10", 30, 1.0, Uniform(2, 4), {"", "", ""}};
  std::string svg = ForecastSvg({a, b}, "2026-11-27");
  const std::regex row("class=\"commitment\"");
  EXPECT_EQ(std::distance(std::sregex_iterator(svg.begin(), svg.end(), row), std::sregex_iterator()), 2);
  EXPECT_NE(svg.find("promised (past)"), std::string::npos);
  EXPECT_LT(LineX(svg, "promise", 0), LineX(svg, "promise", 1));
  EXPECT_NE(svg.find("85% date beyond the horizon"), std::string::npos);
  EXPECT_EQ(ForecastSvg({}, "2026-11-27"), "");
}

}  // namespace
}  // namespace ctodesk::deadlines
