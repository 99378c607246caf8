#include "core/clock.h"

#include <cctype>
#include <sstream>

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>

namespace ctodesk {

TimePoint SystemClock::Now() const {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

bool IsTimeZone(std::string_view zone) {
  if (zone.empty()) return false;
  try {
    return date::locate_zone(std::string(zone)) != nullptr;
  } catch (const std::exception&) {
    return false;
  }
}

std::string FormatTimeIn(TimePoint t, std::string_view zone) {
  const date::time_zone* z = nullptr;
  try {
    z = date::locate_zone(zone.empty() ? "UTC" : std::string(zone));
  } catch (const std::exception&) {
    z = date::locate_zone("UTC");
  }
  auto zoned = date::make_zoned(z, std::chrono::time_point_cast<std::chrono::seconds>(t));
  return date::format("%Y-%m-%d %H:%M %Z", zoned);
}

std::optional<TimePoint> ParseTime(std::string_view text) {
  // Try the accepted forms in turn; date::parse leaves the stream failed on
  // any mismatch, and we insist that the whole input was consumed.
  static constexpr const char* kFormats[] = {
      "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S%Ez", "%Y-%m-%dT%H:%MZ",
      "%Y-%m-%d %H:%M:%S",  "%Y-%m-%d %H:%M",       "%Y-%m-%dT%H:%M:%S",
  };
  std::string s(text);
  for (const char* f : kFormats) {
    std::istringstream in(s);
    date::sys_seconds t;
    in >> date::parse(f, t);
    if (!in.fail() && in.peek() == std::char_traits<char>::eof()) return t;
  }
  std::istringstream in(s);
  date::sys_days d;
  in >> date::parse("%Y-%m-%d", d);
  if (!in.fail() && in.peek() == std::char_traits<char>::eof()) return TimePoint(d);
  return std::nullopt;
}

std::string FormatTime(TimePoint t) { return date::format("%Y-%m-%dT%H:%M:%SZ", t); }

std::optional<Duration> ParseDuration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t total_ms = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    std::int64_t n = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      n = n * 10 + (text[i] - '0');
      if (n > 1'000'000'000) return std::nullopt;
      ++i;
    }
    size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string_view unit = text.substr(unit_start, i - unit_start);
    std::int64_t ms_per;
    if (unit == "ms") ms_per = 1;
    else if (unit == "s") ms_per = 1000;
    else if (unit == "m") ms_per = 60'000;
    else if (unit == "h") ms_per = 3'600'000;
    else if (unit == "d") ms_per = 86'400'000;
    else if (unit == "w") ms_per = 7 * 86'400'000LL;
    else return std::nullopt;
    total_ms += n * ms_per;
  }
  return Duration(total_ms);
}

std::string FormatDuration(Duration d) {
  std::int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) { out = "-"; ms = -ms; }
  struct Unit { std::int64_t ms; const char* name; };
  static constexpr Unit kUnits[] = {{86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"},
                                    {1000, "s"},       {1, "ms"}};
  for (const Unit& u : kUnits) {
    if (ms >= u.ms) {
      out += fmt::format("{}{}", ms / u.ms, u.name);
      ms %= u.ms;
    }
  }
  return out;
}

std::string HumanDuration(Duration d) {
  using namespace std::chrono;
  auto s = duration_cast<seconds>(d).count();
  auto plural = [](std::int64_t n, const char* unit) {
    return fmt::format("{} {}{}", n, unit, n == 1 ? "" : "s");
  };
  if (s < 0) s = -s;
  if (s < 60) return plural(s, "second");
  if (s < 3600) return plural(s / 60, "minute");
  if (s < 2 * 86400) return plural(s / 3600, "hour");
  return plural(s / 86400, "day");
}

}  // namespace ctodesk
