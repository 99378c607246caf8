// Cron schedules: when something is expected to happen (a backup, a supplier
// delivery). Five fields "minute hour day-of-month month day-of-week" with
// lists, ranges, steps and names (jan-dec, sun-sat; 0 and 7 are Sunday), the
// @hourly/@daily/@weekly/@monthly/@yearly shorthands, evaluated in an IANA time
// zone. As in Vixie cron, when both day fields are restricted a day matching
// either counts. Across daylight-saving changes: a local time that does not
// exist fires at the first instant after the gap; one that occurs twice fires
// once, at its first occurrence. Immutable and thread-safe once parsed.
#pragma once

#include <bitset>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/error.h"

namespace date {
class time_zone;
}

namespace ctodesk {

class CronSchedule {
 public:
  // Parses `expression` in `time_zone` ("UTC", "Europe/London"). On failure
  // the Error says which field is wrong and why, e.g.
  // "hour field \"25\": expected 0-23".
  static Result<CronSchedule> Parse(std::string_view expression,
                                    std::string_view time_zone = "UTC");

  // The first firing strictly after `t`.
  TimePoint Next(TimePoint t) const;
  // The last firing at or before `t`.
  TimePoint Previous(TimePoint t) const;

  const std::string& expression() const { return expression_; }
  const std::string& time_zone() const { return zone_name_; }

 private:
  CronSchedule() = default;
  bool DayMatches(int year, unsigned month, unsigned day, unsigned weekday) const;

  std::string expression_;
  std::string zone_name_;
  const date::time_zone* zone_ = nullptr;  // owned by the tz database
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1-31
  std::bitset<13> months_;   // 1-12
  std::bitset<7> weekdays_;  // 0 = Sunday
  bool days_restricted_ = false;
  bool weekdays_restricted_ = false;
};

}  // namespace ctodesk
