// An iCalendar (RFC 5545) reader for release calendars: VEVENTs with their
// start, summary, categories, status and recurrence, written against the RFC
// rather than any one calendar app. Handled:
//   folded lines (CRLF or LF, then a space or tab), escaped text (\, \; \n)
//   parameters with quoted values ("a;b:c"), property names in any case
//   DTSTART as UTC (…Z), TZID-zoned (IANA names, also behind a prefix such as
//     /mozilla.org/…/Europe/Berlin), floating, or an all-day DATE
//   RRULE FREQ=DAILY/WEEKLY/MONTHLY/YEARLY with INTERVAL, COUNT, UNTIL,
//     BYDAY (WEEKLY: weekdays; MONTHLY: 2TU, -1FR, TU), BYMONTHDAY (MONTHLY)
//   EXDATE (lists, several lines, DATE or zoned), RECURRENCE-ID overrides
//   VALARM and VTIMEZONE components (skipped; zones come from the tz database)
// Unsupported recurrence parts (BYSETPOS, HOURLY, …) and events without
// DTSTART are skipped with a warning naming the line; a malformed calendar is
// an Error naming file:line. Parsing is pure; expanding is pure given the
// time zone database. Thread-safe functions over plain value types.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"

namespace ctodesk::ics {

struct DateTime {
  enum class Kind { kDate, kUtc, kZoned, kFloating };
  Kind kind = Kind::kUtc;
  std::string tzid;  // kZoned: the IANA name it resolved to
  TimePoint wall{};  // the wall-clock reading (midnight for a date), as if it were UTC
  // The instant: wall itself for kUtc, kDate and kFloating; converted
  // through the zone for kZoned (a time skipped by DST moves forward).
  TimePoint Instant() const;
};

struct RRule {
  enum class Freq { kDaily, kWeekly, kMonthly, kYearly };
  Freq freq = Freq::kDaily;
  int interval = 1;
  std::optional<int> count;
  std::optional<DateTime> until;
  // BYDAY: weekday 0 = Sunday .. 6 = Saturday, with an ordinal for MONTHLY
  // (0: every such weekday; 2: the second; -1: the last).
  struct WeekdayNum {
    int weekday = 0;
    int ordinal = 0;
  };
  std::vector<WeekdayNum> by_day;
  std::vector<int> by_month_day;
};

struct Event {
  std::string uid;
  std::string summary;
  std::string description;
  std::string status;  // as written, upper-cased: "CANCELLED", "CONFIRMED", ""
  std::vector<std::string> categories;
  DateTime start;
  std::optional<RRule> rrule;
  std::vector<DateTime> exdates;
  std::optional<DateTime> recurrence_id;  // this event overrides one occurrence
  std::int64_t line = 0;                  // of its BEGIN:VEVENT
};

struct Calendar {
  std::vector<Event> events;
  std::vector<std::string> warnings;  // "cal.ics:40: RRULE BYSETPOS is not supported; event skipped"
};

// Parses a whole calendar. `source` names it in errors and warnings.
Result<Calendar> Parse(std::string_view text, const std::string& source);

struct Occurrence {
  const Event* event = nullptr;
  DateTime start;  // this occurrence's start, same kind and zone as the event's
};

// Every occurrence whose instant lies in [from, to), in time order, at most
// `limit` of them. EXDATEs and RECURRENCE-ID overrides are applied.
std::vector<Occurrence> Expand(const Calendar& cal, TimePoint from, TimePoint to,
                               size_t limit = 100000);

// Resolves a TZID to an IANA zone name ("Europe/Berlin"), nullopt if unknown.
std::optional<std::string> ResolveZone(std::string_view tzid);
// The local calendar date of an instant in an IANA zone ("UTC" works).
std::chrono::sys_days LocalDate(TimePoint t, const std::string& zone);

}  // namespace ctodesk::ics
