#include "core/clock.h"

#include <gtest/gtest.h>

namespace ctodesk {
namespace {

TEST(ClockTest, ParsesTimes) {
  struct Case {
    const char* text;
    const char* want;  // nullptr: must not parse
  } cases[] = {
      {"2026-11-27T08:00:00Z", "2026-11-27T08:00:00Z"},
      {"2026-11-27T09:00:00+01:00", "2026-11-27T08:00:00Z"},
      {"2026-11-27 08:00", "2026-11-27T08:00:00Z"},
      {"2026-11-27 08:00:30", "2026-11-27T08:00:30Z"},
      {"2026-11-27", "2026-11-27T00:00:00Z"},
      {"2026-11-27T08:00Z", "2026-11-27T08:00:00Z"},
      {"yesterday", nullptr},
      {"2026-13-01", nullptr},
      {"2026-11-27T08:00:00Z trailing", nullptr},
      {"", nullptr},
  };
  for (const Case& c : cases) {
    auto t = ParseTime(c.text);
    if (c.want) {
      ASSERT_TRUE(t.has_value()) << c.text;
      EXPECT_EQ(FormatTime(*t), c.want) << c.text;
    } else {
      EXPECT_FALSE(t.has_value()) << c.text;
    }
  }
}

TEST(ClockTest, ParsesAndFormatsDurations) {
  using namespace std::chrono;
  struct Case {
    const char* text;
    std::optional<Duration> want;
    const char* formatted;
  } cases[] = {
      {"250ms", milliseconds(250), "250ms"},
      {"5s", seconds(5), "5s"},
      {"15m", minutes(15), "15m"},
      {"24h", hours(24), "1d"},
      {"7d", hours(24 * 7), "7d"},
      {"1w", hours(24 * 7), "7d"},
      {"1h30m", minutes(90), "1h30m"},
      {"fast", std::nullopt, nullptr},
      {"5", std::nullopt, nullptr},
      {"-5s", std::nullopt, nullptr},
      {"5 s", std::nullopt, nullptr},
      {"", std::nullopt, nullptr},
  };
  for (const Case& c : cases) {
    auto d = ParseDuration(c.text);
    EXPECT_EQ(d, c.want) << c.text;
    if (d && c.formatted) {
      EXPECT_EQ(FormatDuration(*d), c.formatted) << c.text;
    }
  }
}

TEST(ClockTest, HumanDurations) {
  using namespace std::chrono;
  EXPECT_EQ(HumanDuration(seconds(1)), "1 second");
  EXPECT_EQ(HumanDuration(seconds(59)), "59 seconds");
  EXPECT_EQ(HumanDuration(minutes(5)), "5 minutes");
  EXPECT_EQ(HumanDuration(hours(30)), "30 hours");
  EXPECT_EQ(HumanDuration(hours(72)), "3 days");
}

TEST(ClockTest, FixedClockAnswersItsInstant) {
  auto t = *ParseTime("2026-11-27T08:00:00Z");
  FixedClock clock(t);
  EXPECT_EQ(clock.Now(), t);
  clock.Set(t + std::chrono::hours(1));
  EXPECT_EQ(FormatTime(clock.Now()), "2026-11-27T09:00:00Z");
}

}  // namespace
}  // namespace ctodesk
