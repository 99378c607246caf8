#include "core/cron.h"

#include <gtest/gtest.h>

namespace ctodesk {
namespace {

TimePoint At(const char* s) { return *ParseTime(s); }

TEST(CronTest, NextAndPrevious) {
  struct Case {
    const char* expr;
    const char* zone;
    const char* from;
    const char* next;
    const char* previous;
  } cases[] = {
      {"0 6 * * *", "UTC", "2026-11-27T05:00:00Z", "2026-11-27T06:00:00Z", "2026-11-26T06:00:00Z"},
      {"0 6 * * *", "UTC", "2026-11-27T06:00:00Z", "2026-11-28T06:00:00Z", "2026-11-27T06:00:00Z"},
      {"*/15 * * * *", "UTC", "2026-11-27T05:07:00Z", "2026-11-27T05:15:00Z", "2026-11-27T05:00:00Z"},
      {"30 9 * * mon-fri", "UTC", "2026-11-27T10:00:00Z", "2026-11-30T09:30:00Z", "2026-11-27T09:30:00Z"},
      {"0 0 1 * *", "UTC", "2026-11-27T00:00:00Z", "2026-12-01T00:00:00Z", "2026-11-01T00:00:00Z"},
      {"@daily", "UTC", "2026-11-27T12:00:00Z", "2026-11-28T00:00:00Z", "2026-11-27T00:00:00Z"},
      {"0 12 * jan,jul 7", "UTC", "2026-11-27T00:00:00Z", "2027-01-03T12:00:00Z", "2026-07-26T12:00:00Z"},
      // Vixie rule: both day fields restricted means either matches.
      {"0 0 13 * fri", "UTC", "2026-11-27T01:00:00Z", "2026-12-04T00:00:00Z", "2026-11-27T00:00:00Z"},
      // 06:00 in New York is 11:00 UTC in winter.
      {"0 6 * * *", "America/New_York", "2026-11-27T12:00:00Z", "2026-11-28T11:00:00Z", "2026-11-27T11:00:00Z"},
      {"0 9 * * *", "Europe/London", "2026-07-01T00:00:00Z", "2026-07-01T08:00:00Z", "2026-06-30T08:00:00Z"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.expr) + " in " + c.zone + " from " + c.from);
    auto s = CronSchedule::Parse(c.expr, c.zone);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(FormatTime(s->Next(At(c.from))), c.next);
    EXPECT_EQ(FormatTime(s->Previous(At(c.from))), c.previous);
  }
}

TEST(CronTest, DaylightSavingChanges) {
  // Europe/London springs forward at 01:00 UTC on 2026-03-29: 01:30 local
  // does not exist and fires at the end of the gap (02:00 BST = 01:00 UTC).
  auto spring = CronSchedule::Parse("30 1 * * *", "Europe/London");
  ASSERT_TRUE(spring);
  EXPECT_EQ(FormatTime(spring->Next(At("2026-03-28T12:00:00Z"))), "2026-03-29T01:00:00Z");
  EXPECT_EQ(FormatTime(spring->Next(At("2026-03-29T12:00:00Z"))), "2026-03-30T00:30:00Z");
  // It falls back on 2026-10-25: 01:30 local happens twice; fire once, at the first.
  auto fall = CronSchedule::Parse("30 1 * * *", "Europe/London");
  EXPECT_EQ(FormatTime(fall->Next(At("2026-10-24T12:00:00Z"))), "2026-10-25T00:30:00Z");
  EXPECT_EQ(FormatTime(fall->Next(At("2026-10-25T00:30:00Z"))), "2026-10-26T01:30:00Z");
  // Hourly across the fall-back: local 01:00 (00:00 UTC) has fired; its repeat
  // an hour later does not fire again, so the next is local 02:00 GMT.
  auto hourly = CronSchedule::Parse("0 * * * *", "Europe/London");
  EXPECT_EQ(FormatTime(hourly->Next(At("2026-10-25T00:00:00Z"))), "2026-10-25T02:00:00Z");
}

TEST(CronTest, ErrorsSayWhichField) {
  struct Case {
    const char* expr;
    const char* zone;
    const char* want;
  } cases[] = {
      {"0 25 * * *", "UTC", "cron expression \"0 25 * * *\": hour field \"25\": expected 0-23"},
      {"0 6 * *", "UTC",
       "cron expression \"0 6 * *\": expected 5 fields (minute hour day-of-month month "
       "day-of-week), got 4"},
      {"x 6 * * *", "UTC", "cron expression \"x 6 * * *\": minute field \"x\": expected 0-59"},
      {"0 6 * foo *", "UTC",
       "cron expression \"0 6 * foo *\": month field \"foo\": expected 1-12 or a name"},
      {"*/0 * * * *", "UTC",
       "cron expression \"*/0 * * * *\": minute field \"*/0\": expected a step of 1 or more after '/'"},
      {"0 0 5-1 * *", "UTC", "cron expression \"0 0 5-1 * *\": day-of-month field \"5-1\": expected 1-31"},
      {"0 0 30 2 *", "UTC", "cron expression \"0 0 30 2 *\": never fires"},
      {"0 6 * * *", "Mars/Olympus",
       "unknown time zone \"Mars/Olympus\"; expected an IANA name such as \"UTC\" or \"Europe/London\""},
  };
  for (const Case& c : cases) {
    auto s = CronSchedule::Parse(c.expr, c.zone);
    ASSERT_FALSE(s) << c.expr;
    EXPECT_EQ(s.error().message, c.want);
  }
}

}  // namespace
}  // namespace ctodesk
