// Cron evaluation walks local calendar days (in the schedule's zone) forward
// or backward, and within a matching day the allowed hours and minutes in
// order, converting each local time to an instant with the zone's rules. At
// most five years are searched; Parse rejects expressions that never fire
// (such as "0 0 30 2 *").
#include "core/cron.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include <date/tz.h>
#include <fmt/format.h>

namespace ctodesk {

namespace {

constexpr int kSearchDays = 5 * 366;

struct FieldSpec {
  const char* name;
  int min;
  int max;
  const char* const* names;  // optional names, index = value - min
};

constexpr const char* kMonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr const char* kDayNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

std::optional<int> ParseValue(std::string_view s, const FieldSpec& spec) {
  if (s.empty()) return std::nullopt;
  if (spec.names && std::isalpha(static_cast<unsigned char>(s[0]))) {
    std::string lower(s);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    int count = spec.max - spec.min + 1;
    if (spec.names == kDayNames) count = 7;
    for (int i = 0; i < count; ++i) {
      if (lower == spec.names[i]) return spec.min + i;
    }
    return std::nullopt;
  }
  int v = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    v = v * 10 + (c - '0');
    if (v > 1000) return std::nullopt;
  }
  return v;
}

// Parses one field into the set of allowed values. Returns an error message
// or an empty string.
std::string ParseField(std::string_view field, const FieldSpec& spec, std::vector<bool>& allowed,
                       bool& restricted) {
  allowed.assign(static_cast<size_t>(spec.max + 1), false);
  restricted = !(field == "*" || field == "?");
  auto bad = [&](std::string_view why) {
    return fmt::format("{} field \"{}\": {}", spec.name, field, why);
  };
  std::string_view rest = field;
  while (true) {
    size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    int step = 1;
    if (size_t slash = item.find('/'); slash != std::string_view::npos) {
      auto s = ParseValue(item.substr(slash + 1), {spec.name, 1, 1000, nullptr});
      if (!s || *s < 1) return bad("expected a step of 1 or more after '/'");
      step = *s;
      item = item.substr(0, slash);
    }
    int lo, hi;
    if (item == "*" || item == "?") {
      lo = spec.min;
      hi = spec.max;
    } else if (size_t dash = item.find('-'); dash != std::string_view::npos) {
      auto a = ParseValue(item.substr(0, dash), spec);
      auto b = ParseValue(item.substr(dash + 1), spec);
      if (!a || !b) return bad(fmt::format("expected a range such as {}-{}", spec.min, spec.max));
      lo = *a;
      hi = *b;
    } else {
      auto a = ParseValue(item, spec);
      if (!a) return bad(fmt::format("expected {}-{}{}", spec.min, spec.max,
                                     spec.names ? " or a name" : ""));
      lo = *a;
      hi = step > 1 ? spec.max : *a;
    }
    if (lo < spec.min || hi > spec.max || lo > hi) {
      return bad(fmt::format("expected {}-{}", spec.min, spec.max));
    }
    for (int v = lo; v <= hi; v += step) allowed[static_cast<size_t>(v)] = true;
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return "";
}

}  // namespace

Result<CronSchedule> CronSchedule::Parse(std::string_view expression, std::string_view time_zone) {
  CronSchedule s;
  s.expression_ = std::string(expression);
  s.zone_name_ = std::string(time_zone);
  try {
    s.zone_ = date::locate_zone(std::string(time_zone));
  } catch (const std::exception&) {
    return Fail(Error::Invalid(fmt::format(
        "unknown time zone \"{}\"; expected an IANA name such as \"UTC\" or \"Europe/London\"",
        time_zone)));
  }

  std::string expr(expression);
  static const std::pair<const char*, const char*> kShorthands[] = {
      {"@hourly", "0 * * * *"},  {"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
      {"@weekly", "0 0 * * 0"},  {"@monthly", "0 0 1 * *"}, {"@yearly", "0 0 1 1 *"},
      {"@annually", "0 0 1 1 *"},
  };
  for (auto [name, value] : kShorthands) {
    if (expr == name) expr = value;
  }
  std::vector<std::string_view> fields;
  std::string_view rest = expr;
  while (!rest.empty()) {
    size_t start = rest.find_first_not_of(" \t");
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    size_t end = rest.find_first_of(" \t");
    fields.push_back(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  }
  if (fields.size() != 5) {
    return Fail(Error::Invalid(fmt::format(
        "cron expression \"{}\": expected 5 fields (minute hour day-of-month month day-of-week), "
        "got {}",
        expression, fields.size())));
  }
  static const FieldSpec kSpecs[] = {
      {"minute", 0, 59, nullptr},   {"hour", 0, 23, nullptr},    {"day-of-month", 1, 31, nullptr},
      {"month", 1, 12, kMonthNames}, {"day-of-week", 0, 7, kDayNames},
  };
  std::vector<bool> allowed[5];
  bool restricted[5];
  for (int i = 0; i < 5; ++i) {
    std::string why = ParseField(fields[static_cast<size_t>(i)], kSpecs[i], allowed[i], restricted[i]);
    if (!why.empty()) return Fail(Error::Invalid(fmt::format("cron expression \"{}\": {}", expression, why)));
  }
  for (int v = 0; v < 60; ++v) s.minutes_[static_cast<size_t>(v)] = allowed[0][static_cast<size_t>(v)];
  for (int v = 0; v < 24; ++v) s.hours_[static_cast<size_t>(v)] = allowed[1][static_cast<size_t>(v)];
  for (int v = 1; v <= 31; ++v) s.days_[static_cast<size_t>(v)] = allowed[2][static_cast<size_t>(v)];
  for (int v = 1; v <= 12; ++v) s.months_[static_cast<size_t>(v)] = allowed[3][static_cast<size_t>(v)];
  for (int v = 0; v <= 7; ++v) {
    if (allowed[4][static_cast<size_t>(v)]) s.weekdays_[static_cast<size_t>(v % 7)] = true;
  }
  s.days_restricted_ = restricted[2];
  s.weekdays_restricted_ = restricted[4];

  const TimePoint probe = FromUnix(1'767'225'600);  // 2026-01-01
  if (s.Next(probe) == TimePoint::max()) {
    return Fail(Error::Invalid(fmt::format("cron expression \"{}\": never fires", expression)));
  }
  return s;
}

bool CronSchedule::DayMatches(int year, unsigned month, unsigned day, unsigned weekday) const {
  (void)year;
  if (!months_[month]) return false;
  bool dom = days_[day];
  bool dow = weekdays_[weekday];
  if (days_restricted_ && weekdays_restricted_) return dom || dow;
  if (days_restricted_) return dom;
  if (weekdays_restricted_) return dow;
  return true;
}

namespace {

// The instant a local wall-clock time denotes: the first of two when it
// occurs twice, the end of the gap when it does not exist.
date::sys_seconds ToInstant(const date::time_zone* zone, date::local_seconds lt) {
  date::local_info info = zone->get_info(lt);
  switch (info.result) {
    case date::local_info::unique:
    case date::local_info::ambiguous:
      return date::sys_seconds(lt.time_since_epoch() - info.first.offset);
    case date::local_info::nonexistent:
    default:
      return info.second.begin;
  }
}

}  // namespace

TimePoint CronSchedule::Next(TimePoint t) const {
  using namespace std::chrono;
  auto local_now = zone_->to_local(t);
  auto day = floor<date::days>(local_now);
  for (int i = 0; i < kSearchDays; ++i, day += date::days(1)) {
    date::year_month_day ymd(day);
    unsigned wd = date::weekday(day).c_encoding();
    if (!DayMatches(static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                    static_cast<unsigned>(ymd.day()), wd)) {
      continue;
    }
    for (int h = 0; h < 24; ++h) {
      if (!hours_[static_cast<size_t>(h)]) continue;
      for (int m = 0; m < 60; ++m) {
        if (!minutes_[static_cast<size_t>(m)]) continue;
        date::local_seconds lt = day + hours(h) + minutes(m);
        auto at = ToInstant(zone_, lt);
        if (at > t) return at;
      }
    }
  }
  return TimePoint::max();
}

TimePoint CronSchedule::Previous(TimePoint t) const {
  using namespace std::chrono;
  auto local_now = zone_->to_local(t);
  auto day = floor<date::days>(local_now);
  for (int i = 0; i < kSearchDays; ++i, day -= date::days(1)) {
    date::year_month_day ymd(day);
    unsigned wd = date::weekday(day).c_encoding();
    if (!DayMatches(static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                    static_cast<unsigned>(ymd.day()), wd)) {
      continue;
    }
    for (int h = 23; h >= 0; --h) {
      if (!hours_[static_cast<size_t>(h)]) continue;
      for (int m = 59; m >= 0; --m) {
        if (!minutes_[static_cast<size_t>(m)]) continue;
        date::local_seconds lt = day + hours(h) + minutes(m);
        auto at = ToInstant(zone_, lt);
        if (at <= t) return at;
      }
    }
  }
  return TimePoint::min();
}

}  // namespace ctodesk
