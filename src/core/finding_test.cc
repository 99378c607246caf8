#include "core/finding.h"

#include <gtest/gtest.h>

namespace ctodesk {
namespace {

TimePoint At(const char* s) { return *ParseTime(s); }

Finding Make(std::string subject, Severity sev, const char* first_seen) {
  Finding f;
  f.desk = "health";
  f.subject = std::move(subject);
  f.kind = "down";
  f.severity = sev;
  f.first_seen = At(first_seen);
  return f;
}

TEST(FindingTest, IdIsStableAndDependsOnEveryPart) {
  EXPECT_EQ(FindingId("health", "api", "down"), FindingId("health", "api", "down"));
  EXPECT_EQ(FindingId("health", "api", "down").size(), 12u);
  EXPECT_NE(FindingId("health", "api", "down"), FindingId("health", "api", "slow"));
  EXPECT_NE(FindingId("health", "api", "down"), FindingId("backups", "api", "down"));
  // Parts are separated, so moving a character between them changes the id.
  EXPECT_NE(FindingId("a", "bc", "d"), FindingId("ab", "c", "d"));
}

TEST(FindingTest, SeverityNamesRoundTrip) {
  for (Severity s : {Severity::kActNow, Severity::kToday, Severity::kThisWeek, Severity::kFyi}) {
    EXPECT_EQ(ParseSeverity(SeverityName(s)), s) << SeverityName(s);
  }
  EXPECT_FALSE(ParseSeverity("urgent").has_value());
}

TEST(FindingTest, DaysRunningCountsCalendarDays) {
  Finding f = Make("api", Severity::kActNow, "2026-11-25T23:30:00Z");
  EXPECT_EQ(DaysRunning(f, At("2026-11-25T23:59:00Z")), 1);
  EXPECT_EQ(DaysRunning(f, At("2026-11-26T00:01:00Z")), 2);
  EXPECT_EQ(DaysRunning(f, At("2026-11-27T08:00:00Z")), 3);
}

TEST(FindingTest, RankingPutsUrgentAndOldFirst) {
  std::vector<Finding> fs = {
      Make("c", Severity::kFyi, "2026-11-20"),
      Make("b", Severity::kActNow, "2026-11-27"),
      Make("a", Severity::kToday, "2026-11-27"),
      Make("z", Severity::kActNow, "2026-11-25"),
      Make("y", Severity::kActNow, "2026-11-25"),
  };
  RankFindings(fs);
  std::vector<std::string> order;
  for (const auto& f : fs) order.push_back(f.subject);
  // act-now first; among them the newest; ties by subject.
  EXPECT_EQ(order, (std::vector<std::string>{"b", "y", "z", "a", "c"}));
}

}  // namespace
}  // namespace ctodesk
