// How often a backup is expected: every fixed interval ("24h", "6h", "7d") or
// on a cron schedule ("0 2 * * *", "@daily"; see core/cron.h), in a time zone.
// DueBy() answers "the newest backup must be at least this recent".
// Immutable and thread-safe once parsed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/cron.h"
#include "core/error.h"

namespace ctodesk::backups {

class Cadence {
 public:
  // A duration, or else a cron expression in `time_zone`. The Error explains
  // what is wrong with a cron expression ("cron expression \"0 25 * * *\":
  // hour field ...").
  static Result<Cadence> Parse(std::string_view text, std::string_view time_zone = "UTC");
  static Cadence Every(Duration d, std::string text = "");

  // The oldest acceptable time for the newest backup at `now`: for an interval,
  // now - interval - grace; for cron, the last scheduled time at or before
  // now - grace (a run that started then must have left a file since).
  TimePoint DueBy(TimePoint now, Duration grace) const;

  bool is_cron() const { return cron_.has_value(); }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::optional<Duration> every_;
  std::optional<CronSchedule> cron_;
};

}  // namespace ctodesk::backups
