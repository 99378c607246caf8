#include "brief/week.h"

#include <gtest/gtest.h>

namespace ctodesk {
namespace {

TimePoint At(const char* s) { return *ParseTime(s); }

Finding Open(std::string subject, Severity sev, TimePoint first_seen) {
  Finding f;
  f.desk = "health";
  f.subject = std::move(subject);
  f.kind = "down";
  f.severity = sev;
  f.first_seen = f.last_seen = first_seen;
  return f;
}

class WeekTest : public ::testing::Test {
 protected:
  WeekTest() : store_(NewMemoryStore()) { today_.generated_at = At("2026-11-27T08:00:00Z"); }
  void Check(std::string desk, std::string subject, const char* at, bool ok, std::string detail) {
    ASSERT_TRUE(store_->AppendChecks({{std::move(desk), std::move(subject), At(at), ok, 0, std::move(detail)}}));
  }
  Briefing today_;
  std::unique_ptr<Store> store_;
};

TEST_F(WeekTest, SplitsNewFromContinuingAndReadsResolved) {
  today_.findings = {Open("a", Severity::kActNow, At("2026-11-26T08:00:00Z")),
                     Open("b", Severity::kToday, At("2026-11-01T08:00:00Z"))};
  Finding gone = Open("c", Severity::kToday, At("2026-11-10T08:00:00Z"));
  ASSERT_TRUE(store_->SaveFindings({gone}, {}, At("2026-11-10T08:00:00Z")));
  ASSERT_TRUE(store_->SaveFindings({}, {gone.Id()}, At("2026-11-23T08:00:00Z")));
  Finding long_gone = Open("d", Severity::kToday, At("2026-11-01T08:00:00Z"));
  ASSERT_TRUE(store_->SaveFindings({long_gone}, {}, At("2026-11-01T08:00:00Z")));
  ASSERT_TRUE(store_->SaveFindings({}, {long_gone.Id()}, At("2026-11-15T08:00:00Z")));

  auto w = ReviewWeek(today_, *store_);
  ASSERT_TRUE(w) << w.error().message;
  ASSERT_EQ(w->new_risks.size(), 1u);
  EXPECT_EQ(w->new_risks[0].subject, "a");
  ASSERT_EQ(w->continuing.size(), 1u);
  EXPECT_EQ(w->continuing[0].subject, "b");
  ASSERT_EQ(w->resolved.size(), 1u);  // "d" was resolved before the week
  EXPECT_EQ(w->resolved[0].subject, "c");
}

TEST_F(WeekTest, PromisesFromReleasesAndCommitments) {
  // Releases: shipped on time, shipped late, overdue, one due today (undecided), one before the week.
  Check("releases", "2.4", "2026-11-24T09:00:00Z", true, R"({"due":"2026-11-24","state":"shipped"})");
  Check("releases", "2.5", "2026-11-26T09:00:00Z", false, R"({"due":"2026-11-25","state":"shipped"})");
  Check("releases", "3.0", "2026-11-27T08:00:00Z", false, R"({"due":"2026-11-26","state":"overdue"})");
  Check("releases", "3.1", "2026-11-27T08:00:00Z", false, R"({"due":"2026-11-27","state":"due today"})");
  Check("releases", "1.9", "2026-11-27T08:00:00Z", false, R"({"due":"2026-11-10","state":"overdue"})");
  // Commitments: the latest record in the week decides.
  Check("deadlines", "Checkout", "2026-11-22T08:00:00Z", false, R"({"items":5,"due":"2026-11-25"})");
  Check("deadlines", "Checkout", "2026-11-26T08:00:00Z", false, R"({"items":3,"due":"2026-11-25"})");
  Check("deadlines", "Exports", "2026-11-26T08:00:00Z", true, R"({"items":0,"due":"2026-11-26"})");
  Check("deadlines", "Later", "2026-11-26T08:00:00Z", true, R"({"items":9,"due":"2026-12-20"})");

  auto w = ReviewWeek(today_, *store_);
  ASSERT_TRUE(w) << w.error().message;
  std::map<std::string, PromiseOutcome> by;
  for (const PromiseOutcome& p : w->promises) by[p.what] = p;
  ASSERT_EQ(by.size(), 5u);
  EXPECT_TRUE(by["The 2.4 release"].kept);
  EXPECT_TRUE(by["The 2.5 release"].late);
  EXPECT_FALSE(by["The 2.5 release"].kept);
  EXPECT_FALSE(by["The 3.0 release"].kept);
  EXPECT_EQ(by["The 3.0 release"].how, "has not gone out yet");
  EXPECT_FALSE(by["\"Checkout\""].kept);
  EXPECT_EQ(by["\"Checkout\""].how, "was not finished: 3 pieces of work still open");
  EXPECT_TRUE(by["\"Exports\""].kept);
}

}  // namespace
}  // namespace ctodesk
