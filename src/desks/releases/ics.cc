// Recurrence expansion works on wall-clock readings (a weekly 10:00 meeting
// in Berlin stays at 10:00 across the DST change), then converts each
// occurrence to an instant through its zone. Candidates are generated period
// by period (day, week, month, year, stepping by INTERVAL) in order, which is
// what makes COUNT and UNTIL simple: COUNT counts generated occurrences before
// EXDATE removes any (RFC 5545 §3.8.5.1), UNTIL is inclusive.
#include "desks/releases/ics.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>

namespace ctodesk::ics {

namespace {

using std::chrono::days;
using std::chrono::sys_days;

struct Line {
  std::string name;  // upper-cased
  std::vector<std::pair<std::string, std::string>> params;  // names upper-cased
  std::string value;
  std::int64_t number = 0;

  std::optional<std::string> Param(std::string_view key) const {
    for (const auto& [k, v] : params) {
      if (k == key) return v;
    }
    return std::nullopt;
  }
};

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Unfolds and splits into content lines, each with the line it started on.
Result<std::vector<Line>> Lex(std::string_view text, const std::string& source) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<std::pair<std::string, std::int64_t>> logical;
  std::int64_t number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    std::string_view raw = text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? text.size() : end + 1;
    ++number;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    if (!raw.empty() && (raw[0] == ' ' || raw[0] == '\t')) {
      if (logical.empty()) {
        return Fail(Error::Invalid(fmt::format("{}:{}: a continuation line before any property", source, number)));
      }
      logical.back().first.append(raw.substr(1));
      continue;
    }
    if (raw.empty()) continue;  // tolerated, though the RFC has none
    logical.emplace_back(std::string(raw), number);
  }
  std::vector<Line> lines;
  for (auto& [s, n] : logical) {
    Line l;
    l.number = n;
    // NAME *(;PARAM=VALUE[,VALUE]) : VALUE, with quoted parameter values.
    size_t i = 0;
    while (i < s.size() && s[i] != ';' && s[i] != ':') ++i;
    l.name = Upper(s.substr(0, i));
    if (l.name.empty() || i == s.size()) {
      return Fail(Error::Invalid(fmt::format("{}:{}: expected NAME:VALUE, got \"{}\"", source, n,
                                             s.size() > 60 ? s.substr(0, 60) + "..." : s)));
    }
    while (i < s.size() && s[i] == ';') {
      ++i;
      size_t eq = s.find('=', i);
      if (eq == std::string::npos) {
        return Fail(Error::Invalid(fmt::format("{}:{}: {}: a parameter without '='", source, n, l.name)));
      }
      std::string key = Upper(s.substr(i, eq - i));
      i = eq + 1;
      std::string value;
      while (i < s.size() && s[i] != ';' && s[i] != ':') {
        if (s[i] == '"') {
          size_t close = s.find('"', i + 1);
          if (close == std::string::npos) {
            return Fail(Error::Invalid(fmt::format("{}:{}: {}: unterminated quoted parameter", source, n, l.name)));
          }
          value += s.substr(i + 1, close - i - 1);
          i = close + 1;
        } else {
          value += s[i++];
        }
      }
      l.params.emplace_back(std::move(key), std::move(value));
    }
    if (i >= s.size() || s[i] != ':') {
      return Fail(Error::Invalid(fmt::format("{}:{}: {}: expected ':' before the value", source, n, l.name)));
    }
    l.value = s.substr(i + 1);
    lines.push_back(std::move(l));
  }
  return lines;
}

std::string Unescape(std::string_view v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size()) {
      char c = v[++i];
      out += (c == 'n' || c == 'N') ? '\n' : c;
    } else {
      out += v[i];
    }
  }
  return out;
}

// Splits on commas not escaped with a backslash (TEXT lists such as CATEGORIES).
std::vector<std::string> SplitText(std::string_view v) {
  std::vector<std::string> out;
  std::string cur;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size()) {
      cur += v[i];
      cur += v[++i];
    } else if (v[i] == ',') {
      out.push_back(Unescape(cur));
      cur.clear();
    } else {
      cur += v[i];
    }
  }
  out.push_back(Unescape(cur));
  return out;
}

std::vector<std::string> Split(std::string_view v, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t end = v.find(sep, start);
    out.emplace_back(v.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

bool Digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

const date::time_zone* Zone(const std::string& name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return nullptr;
  }
}

// "20261127" or "20261127T100000" with an optional Z.
std::optional<DateTime> ParseValue(std::string_view v, bool is_date, const std::optional<std::string>& zone) {
  DateTime dt;
  if (v.size() < 8 || !Digits(v.substr(0, 8))) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year(std::stoi(std::string(v.substr(0, 4)))),
                                  std::chrono::month(static_cast<unsigned>(std::stoi(std::string(v.substr(4, 2))))),
                                  std::chrono::day(static_cast<unsigned>(std::stoi(std::string(v.substr(6, 2)))))};
  if (!ymd.ok()) return std::nullopt;
  dt.wall = TimePoint(sys_days(ymd));
  if (v.size() == 8) {
    dt.kind = DateTime::Kind::kDate;  // also without VALUE=DATE, as some exporters write
    return dt;
  }
  if (is_date) return std::nullopt;
  if (v.size() < 15 || v[8] != 'T' || !Digits(v.substr(9, 6))) return std::nullopt;
  int h = std::stoi(std::string(v.substr(9, 2)));
  int m = std::stoi(std::string(v.substr(11, 2)));
  int s = std::stoi(std::string(v.substr(13, 2)));
  if (h > 23 || m > 59 || s > 60) return std::nullopt;
  dt.wall += std::chrono::hours(h) + std::chrono::minutes(m) + std::chrono::seconds(std::min(s, 59));
  if (v.size() == 16 && v[15] == 'Z') {
    dt.kind = DateTime::Kind::kUtc;
  } else if (v.size() == 15) {
    dt.kind = zone ? DateTime::Kind::kZoned : DateTime::Kind::kFloating;
    if (zone) dt.tzid = *zone;
  } else {
    return std::nullopt;
  }
  return dt;
}

constexpr const char* kDateTimeHelp = "a date-time such as 20261127T100000Z or a date such as 20261127";

// A DTSTART/EXDATE/RECURRENCE-ID/UNTIL-like property: its values.
Result<std::vector<DateTime>> ParseTimes(const Line& l, const std::string& source,
                                         std::vector<std::string>& warnings) {
  std::optional<std::string> zone;
  if (auto tzid = l.Param("TZID")) {
    zone = ResolveZone(*tzid);
    if (!zone) {
      return Fail(Error::Invalid(fmt::format("{}:{}: {}: unknown time zone \"{}\"; expected an IANA name "
                                             "such as Europe/Berlin",
                                             source, l.number, l.name, *tzid)));
    }
  }
  const bool is_date = Upper(l.Param("VALUE").value_or("")) == "DATE";
  std::vector<DateTime> out;
  for (const std::string& v : Split(l.value, ',')) {
    auto dt = ParseValue(v, is_date, zone);
    if (!dt) {
      return Fail(Error::Invalid(fmt::format("{}:{}: {}: expected {}, got \"{}\"", source, l.number,
                                             l.name, kDateTimeHelp, v)));
    }
    out.push_back(*dt);
  }
  (void)warnings;
  return out;
}

std::optional<int> WeekdayIndex(std::string_view two) {
  static constexpr const char* kDays[] = {"SU", "MO", "TU", "WE", "TH", "FR", "SA"};
  for (int i = 0; i < 7; ++i) {
    if (two == kDays[i]) return i;
  }
  return std::nullopt;
}

// Parses RRULE; an unsupported part is a warning (the event is skipped), a
// malformed one an error.
Result<std::optional<RRule>> ParseRRule(const Line& l, const std::string& source,
                                        std::vector<std::string>& warnings) {
  RRule r;
  bool has_freq = false;
  auto bad = [&](const std::string& what) {
    return Fail(Error::Invalid(fmt::format("{}:{}: RRULE: {}", source, l.number, what)));
  };
  auto unsupported = [&](const std::string& what) -> Result<std::optional<RRule>> {
    warnings.push_back(fmt::format("{}:{}: RRULE {} is not supported; event skipped", source, l.number, what));
    return std::optional<RRule>();
  };
  for (const std::string& part : Split(Upper(l.value), ';')) {
    if (part.empty()) continue;
    size_t eq = part.find('=');
    if (eq == std::string::npos) return bad(fmt::format("expected NAME=VALUE, got \"{}\"", part));
    std::string key = part.substr(0, eq), value = part.substr(eq + 1);
    auto integer = [&](int lo, int hi) -> std::optional<int> {
      if (value.empty() || value.size() > 6 || !Digits(value)) return std::nullopt;
      int n = std::stoi(value);
      if (n < lo || n > hi) return std::nullopt;
      return n;
    };
    if (key == "FREQ") {
      has_freq = true;
      if (value == "DAILY") r.freq = RRule::Freq::kDaily;
      else if (value == "WEEKLY") r.freq = RRule::Freq::kWeekly;
      else if (value == "MONTHLY") r.freq = RRule::Freq::kMonthly;
      else if (value == "YEARLY") r.freq = RRule::Freq::kYearly;
      else if (value == "HOURLY" || value == "MINUTELY" || value == "SECONDLY") return unsupported("FREQ=" + value);
      else return bad(fmt::format("expected FREQ=DAILY, WEEKLY, MONTHLY or YEARLY, got \"{}\"", value));
    } else if (key == "INTERVAL") {
      auto n = integer(1, 10000);
      if (!n) return bad(fmt::format("expected INTERVAL to be a positive integer, got \"{}\"", value));
      r.interval = *n;
    } else if (key == "COUNT") {
      auto n = integer(1, 100000);
      if (!n) return bad(fmt::format("expected COUNT to be a positive integer, got \"{}\"", value));
      r.count = *n;
    } else if (key == "UNTIL") {
      auto dt = ParseValue(value, false, std::nullopt);
      if (!dt) return bad(fmt::format("UNTIL: expected {}, got \"{}\"", kDateTimeHelp, value));
      r.until = *dt;
    } else if (key == "BYDAY") {
      for (const std::string& d : Split(value, ',')) {
        if (d.size() < 2) return bad(fmt::format("BYDAY: expected weekdays such as MO or 2TU, got \"{}\"", d));
        auto wd = WeekdayIndex(d.substr(d.size() - 2));
        std::string ord = d.substr(0, d.size() - 2);
        int ordinal = 0;
        if (!ord.empty()) {
          bool neg = ord[0] == '-';
          std::string digits = (ord[0] == '-' || ord[0] == '+') ? ord.substr(1) : ord;
          if (digits.empty() || digits.size() > 2 || !Digits(digits) || std::stoi(digits) == 0 ||
              std::stoi(digits) > 53) {
            wd.reset();
          } else {
            ordinal = neg ? -std::stoi(digits) : std::stoi(digits);
          }
        }
        if (!wd) return bad(fmt::format("BYDAY: expected weekdays such as MO or 2TU, got \"{}\"", d));
        r.by_day.push_back({*wd, ordinal});
      }
    } else if (key == "BYMONTHDAY") {
      for (const std::string& d : Split(value, ',')) {
        if (d.empty() || d.size() > 2 || !Digits(d) || std::stoi(d) < 1 || std::stoi(d) > 31) {
          if (!d.empty() && d[0] == '-') return unsupported("BYMONTHDAY with negative days");
          return bad(fmt::format("BYMONTHDAY: expected days from 1 to 31, got \"{}\"", d));
        }
        r.by_month_day.push_back(std::stoi(d));
      }
    } else if (key == "WKST") {
      // Only changes results for WEEKLY with INTERVAL > 1 and BYDAY; Monday assumed.
    } else {
      return unsupported(key);
    }
  }
  if (!has_freq) return bad("missing FREQ");
  if (r.count && r.until) return bad("COUNT and UNTIL must not both be given");
  if (r.freq == RRule::Freq::kDaily && (!r.by_day.empty() || !r.by_month_day.empty())) {
    return unsupported("BYDAY/BYMONTHDAY with FREQ=DAILY");
  }
  if (r.freq == RRule::Freq::kWeekly) {
    if (!r.by_month_day.empty()) return unsupported("BYMONTHDAY with FREQ=WEEKLY");
    for (const auto& d : r.by_day) {
      if (d.ordinal != 0) return bad("BYDAY with an ordinal (such as 2TU) needs FREQ=MONTHLY");
    }
  }
  if (r.freq == RRule::Freq::kYearly && (!r.by_day.empty() || !r.by_month_day.empty())) {
    return unsupported("BYDAY/BYMONTHDAY with FREQ=YEARLY");
  }
  if (r.freq == RRule::Freq::kMonthly && !r.by_day.empty() && !r.by_month_day.empty()) {
    return unsupported("BYDAY together with BYMONTHDAY");
  }
  return std::optional<RRule>(r);
}

DateTime WithWall(const DateTime& like, TimePoint wall) {
  DateTime d = like;
  d.wall = wall;
  return d;
}

// The candidate wall times of one period, sorted, from the period's first day.
std::vector<TimePoint> PeriodCandidates(const RRule& r, const DateTime& start, sys_days period_start) {
  const auto time_of_day = start.wall - std::chrono::floor<days>(start.wall);
  std::vector<TimePoint> out;
  auto add = [&](sys_days d) { out.push_back(TimePoint(d) + time_of_day); };
  const std::chrono::year_month_day first{period_start};
  switch (r.freq) {
    case RRule::Freq::kDaily:
    case RRule::Freq::kYearly:
      add(period_start);
      break;
    case RRule::Freq::kWeekly:
      if (r.by_day.empty()) {
        // period_start is the week's Monday; the start's weekday in it.
        add(period_start + days((std::chrono::weekday(std::chrono::floor<days>(start.wall)).c_encoding() + 6) % 7));
      } else {
        // period_start is the week's Monday.
        for (int i = 0; i < 7; ++i) {
          sys_days d = period_start + days(i);
          unsigned wd = std::chrono::weekday(d).c_encoding();
          if (std::any_of(r.by_day.begin(), r.by_day.end(), [&](const auto& b) { return b.weekday == static_cast<int>(wd); })) add(d);
        }
      }
      break;
    case RRule::Freq::kMonthly: {
      const auto ym = first.year() / first.month();
      const sys_days month_first{ym / std::chrono::day(1)};
      const sys_days month_last{ym / std::chrono::last};
      if (!r.by_month_day.empty()) {
        for (int md : r.by_month_day) {
          auto ymd = ym / std::chrono::day(static_cast<unsigned>(md));
          if (ymd.ok()) add(sys_days(ymd));
        }
      } else if (!r.by_day.empty()) {
        for (sys_days d = month_first; d <= month_last; d += days(1)) {
          const int wd = static_cast<int>(std::chrono::weekday(d).c_encoding());
          const int nth = static_cast<int>((d - month_first).count()) / 7 + 1;
          const int nth_last = -(static_cast<int>((month_last - d).count()) / 7 + 1);
          for (const auto& b : r.by_day) {
            if (b.weekday == wd && (b.ordinal == 0 || b.ordinal == nth || b.ordinal == nth_last)) {
              add(d);
              break;
            }
          }
        }
      } else {
        // The start's day of the month; months without it have no occurrence.
        const std::chrono::year_month_day sd{std::chrono::floor<days>(start.wall)};
        auto ymd = ym / sd.day();
        if (ymd.ok()) add(sys_days(ymd));
      }
      break;
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

sys_days NextPeriod(const RRule& r, sys_days p) {
  switch (r.freq) {
    case RRule::Freq::kDaily: return p + days(r.interval);
    case RRule::Freq::kWeekly: return p + days(7 * r.interval);
    case RRule::Freq::kMonthly: {
      std::chrono::year_month_day ymd{p};
      return sys_days((ymd.year() / ymd.month() + std::chrono::months(r.interval)) / std::chrono::day(1));
    }
    case RRule::Freq::kYearly: {
      // Feb 29 starts recur only in leap years (invalid dates are skipped).
      std::chrono::year_month_day ymd{p};
      for (int step = 1; step <= 8 * r.interval; ++step) {
        auto next = (ymd.year() + std::chrono::years(r.interval * step)) / ymd.month() / ymd.day();
        if (next.ok()) return sys_days(next);
      }
      return p + days(366 * 400);
    }
  }
  return p + days(1);
}

bool AfterUntil(const RRule& r, const DateTime& occ) {
  if (!r.until) return false;
  if (r.until->kind == DateTime::Kind::kUtc && occ.kind != DateTime::Kind::kDate &&
      occ.kind != DateTime::Kind::kFloating) {
    return occ.Instant() > r.until->wall;
  }
  if (r.until->kind == DateTime::Kind::kDate) {
    return std::chrono::floor<days>(occ.wall) > std::chrono::floor<days>(r.until->wall);
  }
  return occ.wall > r.until->wall;
}

}  // namespace

std::optional<std::string> ResolveZone(std::string_view tzid) {
  std::string name(tzid);
  if (name == "Z" || name == "UTC" || name == "GMT") return std::string("UTC");
  // Exporters prefix IANA names ("/mozilla.org/20050126_1/Europe/Berlin"):
  // try the whole, then each suffix after a '/'.
  std::vector<std::string> candidates = {name};
  for (size_t at = name.find('/'); at != std::string::npos; at = name.find('/', at + 1)) {
    candidates.push_back(name.substr(at + 1));
  }
  for (const std::string& c : candidates) {
    if (!c.empty() && Zone(c)) return c;
  }
  return std::nullopt;
}

TimePoint DateTime::Instant() const {
  if (kind != Kind::kZoned) return wall;
  const date::time_zone* z = Zone(tzid);
  if (!z) return wall;
  const date::local_seconds local{std::chrono::seconds(wall.time_since_epoch().count())};
  // Unique: its offset. Ambiguous (clocks go back): the first, earlier
  // instant. Nonexistent (clocks go forward): the offset before the gap,
  // which moves the time forward by the gap, as RFC 5545 says.
  auto info = z->get_info(local);
  const date::sys_seconds sys{local.time_since_epoch() - info.first.offset};
  return TimePoint(std::chrono::seconds(sys.time_since_epoch().count()));
}

std::chrono::sys_days LocalDate(TimePoint t, const std::string& zone) {
  const date::time_zone* z = Zone(zone);
  if (!z) return std::chrono::floor<days>(t);
  auto local = z->to_local(date::sys_seconds(std::chrono::seconds(t.time_since_epoch().count())));
  return std::chrono::sys_days(days(date::floor<date::days>(local).time_since_epoch().count()));
}

Result<Calendar> Parse(std::string_view text, const std::string& source) {
  auto lines = Lex(text, source);
  if (!lines) return Fail(lines.error());
  Calendar cal;
  if (lines->empty() || lines->front().name != "BEGIN" || Upper(lines->front().value) != "VCALENDAR") {
    return Fail(Error::Invalid(fmt::format("{}:{}: expected BEGIN:VCALENDAR at the start", source,
                                           lines->empty() ? 1 : lines->front().number)));
  }
  // A stack of open components; properties count only directly inside VEVENT.
  std::vector<std::pair<std::string, std::int64_t>> stack;
  std::optional<Event> event;
  bool skip_event = false;
  bool has_start = false;
  bool ended = false;
  for (const Line& l : *lines) {
    if (ended) {
      return Fail(Error::Invalid(fmt::format("{}:{}: content after END:VCALENDAR", source, l.number)));
    }
    if (l.name == "BEGIN") {
      std::string what = Upper(l.value);
      if (what == "VEVENT") {
        if (stack.size() != 1) {
          return Fail(Error::Invalid(fmt::format("{}:{}: BEGIN:VEVENT inside {}", source, l.number, stack.back().first)));
        }
        event.emplace();
        event->line = l.number;
        skip_event = false;
        has_start = false;
      }
      stack.emplace_back(what, l.number);
      continue;
    }
    if (l.name == "END") {
      std::string what = Upper(l.value);
      if (stack.empty() || stack.back().first != what) {
        return Fail(Error::Invalid(fmt::format(
            "{}:{}: END:{} does not close {}", source, l.number, what,
            stack.empty() ? std::string("anything") : fmt::format("BEGIN:{} of line {}", stack.back().first, stack.back().second))));
      }
      stack.pop_back();
      if (what == "VEVENT") {
        if (!has_start) {
          cal.warnings.push_back(fmt::format("{}:{}: event \"{}\" has no DTSTART; skipped", source,
                                             event->line, event->summary));
        } else if (!skip_event) {
          cal.events.push_back(std::move(*event));
        }
        event.reset();
      }
      if (what == "VCALENDAR") ended = true;
      continue;
    }
    if (!event || stack.empty() || stack.back().first != "VEVENT") continue;
    Event& e = *event;
    if (l.name == "UID") {
      e.uid = l.value;
    } else if (l.name == "SUMMARY") {
      e.summary = Unescape(l.value);
    } else if (l.name == "DESCRIPTION") {
      e.description = Unescape(l.value);
    } else if (l.name == "STATUS") {
      e.status = Upper(l.value);
    } else if (l.name == "CATEGORIES") {
      for (std::string& c : SplitText(l.value)) {
        if (!c.empty()) e.categories.push_back(std::move(c));
      }
    } else if (l.name == "DTSTART" || l.name == "RECURRENCE-ID" || l.name == "EXDATE") {
      auto times = ParseTimes(l, source, cal.warnings);
      if (!times) return Fail(times.error());
      if (l.name == "EXDATE") {
        e.exdates.insert(e.exdates.end(), times->begin(), times->end());
      } else if (times->size() != 1) {
        return Fail(Error::Invalid(fmt::format("{}:{}: {}: expected one value, got {}", source, l.number, l.name, times->size())));
      } else if (l.name == "DTSTART") {
        e.start = times->front();
        has_start = true;
      } else {
        e.recurrence_id = times->front();
      }
    } else if (l.name == "RRULE") {
      auto r = ParseRRule(l, source, cal.warnings);
      if (!r) return Fail(r.error());
      if (!*r) skip_event = true;
      e.rrule = *r;
    }
  }
  if (!stack.empty()) {
    return Fail(Error::Invalid(fmt::format("{}:{}: END:{} missing for BEGIN:{} on line {} (truncated file?)",
                                           source, lines->back().number, stack.back().first,
                                           stack.back().first, stack.back().second)));
  }
  return cal;
}

std::vector<Occurrence> Expand(const Calendar& cal, TimePoint from, TimePoint to, size_t limit) {
  // Overrides: (uid, original instant) -> replaced.
  std::set<std::pair<std::string, std::int64_t>> overridden;
  for (const Event& e : cal.events) {
    if (e.recurrence_id) overridden.emplace(e.uid, ToUnix(e.recurrence_id->Instant()));
  }
  std::vector<Occurrence> out;
  for (const Event& e : cal.events) {
    auto emit = [&](const DateTime& d) {
      const TimePoint at = d.Instant();
      if (at >= from && at < to) out.push_back({&e, d});
    };
    if (e.recurrence_id || !e.rrule) {
      emit(e.start);
      continue;
    }
    const RRule& r = *e.rrule;
    std::set<std::int64_t> excluded_at;
    std::set<std::int64_t> excluded_days;  // DATE exdates remove that day's occurrence
    for (const DateTime& x : e.exdates) {
      if (x.kind == DateTime::Kind::kDate) excluded_days.insert(ToUnix(x.wall));
      else excluded_at.insert(ToUnix(x.Instant()));
    }
    auto is_excluded = [&](const DateTime& d) {
      return excluded_at.count(ToUnix(d.Instant())) ||
             excluded_days.count(ToUnix(TimePoint(std::chrono::floor<days>(d.wall)))) ||
             overridden.count({e.uid, ToUnix(d.Instant())});
    };
    // DTSTART is always the first instance and counts towards COUNT.
    int generated = 1;
    if (!is_excluded(e.start)) emit(e.start);
    sys_days period = std::chrono::floor<days>(e.start.wall);
    if (r.freq == RRule::Freq::kWeekly) {
      period -= days((std::chrono::weekday(period).c_encoding() + 6) % 7);  // back to Monday
    }
    const size_t emitted_before = out.size();
    for (int guard = 0; guard < 200000; ++guard) {
      bool done = false;
      for (TimePoint wall : PeriodCandidates(r, e.start, period)) {
        if (wall <= e.start.wall) continue;
        DateTime occ = WithWall(e.start, wall);
        if (AfterUntil(r, occ) || (r.count && generated >= *r.count) || occ.Instant() >= to) {
          done = true;
          break;
        }
        ++generated;
        if (!is_excluded(occ)) emit(occ);
      }
      if (done || out.size() - emitted_before > limit) break;
      period = NextPeriod(r, period);
      // Candidates never precede their period (zone offsets aside): a rule
      // that matches nothing (BYMONTHDAY=30 every 12th February) ends here.
      if (TimePoint(period) > to + days(2)) break;
    }
  }
  std::sort(out.begin(), out.end(), [](const Occurrence& a, const Occurrence& b) {
    return a.start.Instant() != b.start.Instant() ? a.start.Instant() < b.start.Instant()
                                                  : a.event->summary < b.event->summary;
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace ctodesk::ics
