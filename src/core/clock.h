// Time for everything in ctodesk. Every desk takes "now" from a Clock, so a
// run, a test or a demo can happen at a fixed instant (`--now`). Helpers parse
// and print instants (ISO 8601, UTC) and durations ("90s", "15m", "24h", "7d").
// All functions are thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ctodesk {

using TimePoint = std::chrono::sys_seconds;
using Duration = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

// The wall clock, truncated to seconds.
class SystemClock final : public Clock {
 public:
  TimePoint Now() const override;
};

// Always answers the instant it was given.
class FixedClock final : public Clock {
 public:
  explicit FixedClock(TimePoint t) : now_(t) {}
  TimePoint Now() const override { return now_; }
  void Set(TimePoint t) { now_ = t; }

 private:
  TimePoint now_;
};

// "2026-11-27T08:00:00Z", "2026-11-27T09:00:00+01:00", "2026-11-27 08:00" (UTC)
// or "2026-11-27" (midnight UTC). Returns nullopt on anything else.
std::optional<TimePoint> ParseTime(std::string_view text);
// "2026-11-27T08:00:00Z"
std::string FormatTime(TimePoint t);

// True when `zone` names an IANA time zone ("Europe/Berlin", "UTC").
bool IsTimeZone(std::string_view zone);
// The instant on the wall clock of `zone`: "2026-11-27 09:00 CET". Falls
// back to UTC for an unknown zone.
std::string FormatTimeIn(TimePoint t, std::string_view zone);

// "250ms", "5s", "15m", "24h", "7d", "1w", or combinations such as "1h30m".
// Returns nullopt on anything else, on an empty string and on negative values.
std::optional<Duration> ParseDuration(std::string_view text);
// The shortest exact spelling: "250ms", "5s", "1h30m", "3d".
std::string FormatDuration(Duration d);
// A human approximation for reports: "3 days", "5 hours", "12 minutes".
std::string HumanDuration(Duration d);

inline std::int64_t ToUnix(TimePoint t) { return t.time_since_epoch().count(); }
inline TimePoint FromUnix(std::int64_t s) { return TimePoint(std::chrono::seconds(s)); }

}  // namespace ctodesk
