#include "desks/deadlines/history.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <tuple>
#include <fstream>
#include <map>
#include <sstream>

#include <date/date.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/csv.h"

namespace ctodesk::deadlines {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<Day> Ymd(int y, unsigned m, unsigned d) {
  date::year_month_day ymd{date::year(y), date::month(m), date::day(d)};
  if (!ymd.ok()) return std::nullopt;
  return Day(date::sys_days(ymd).time_since_epoch());
}

// Time-of-day after a date: "T09:15", " 09:15:00.000+0100", " 9:15 AM", "Z".
// Only checked for plausibility: the date is what counts.
bool PlausibleTimeTail(std::string_view s) {
  if (s.empty()) return true;
  if (s[0] != 'T' && s[0] != ' ') return false;
  s.remove_prefix(1);
  if (s.size() < 4 || !std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == ':' || c == '.' || c == '+' ||
           c == '-' || c == ' ';
  });
}

// One item being assembled, with where it came from.
struct Row {
  std::string id, type, created, started, done;
  std::int64_t line = 0;
};

// Shared by CSV and JSON: dates, filters, repeated ids, skips.
class Builder {
 public:
  Builder(std::string source, const std::vector<std::string>& types) {
    history_.source = std::move(source);
    for (const auto& t : types) types_.insert(Lower(Trim(t)));
  }

  // `where` prefixes errors: "history.csv:17" or "history.json: item 17".
  Result<void> Add(const Row& row, const std::string& where, const Columns& c) {
    ++history_.rows;
    WorkItem item;
    item.id = std::string(Trim(row.id));
    item.type = std::string(Trim(row.type));
    item.line = row.line;
    struct Field {
      const std::string& text;
      const std::string& column;
      std::optional<Day>* out;
    } fields[] = {{row.created, c.created, &item.created},
                  {row.started, c.started, &item.started},
                  {row.done, c.done, &item.done}};
    for (const Field& f : fields) {
      std::string_view t = Trim(f.text);
      if (t.empty()) continue;
      *f.out = ParseDay(t);
      if (!*f.out) {
        return Fail(Error::Invalid(
            fmt::format("{}: {}: expected {}, got \"{}\"", where, f.column, kDayFormats, t)));
      }
    }
    if (item.id.empty()) return Skip(where, "no id");
    if (!types_.empty() && !types_.count(Lower(item.type))) {
      ++history_.other_types;
      return {};
    }
    if (item.done && item.created && *item.done < *item.created) {
      return Skip(where, fmt::format("{}: done before created", item.id));
    }
    if (item.done && item.started && *item.done < *item.started) {
      return Skip(where, fmt::format("{}: done before started", item.id));
    }
    if (!item.done && !item.started) {
      ++history_.backlog;
      return {};
    }
    auto [it, fresh] = index_.emplace(item.id, history_.items.size());
    if (fresh) {
      history_.items.push_back(std::move(item));
      return {};
    }
    // Reopened and exported again: the open row wins, else the latest done.
    ++history_.repeated;
    WorkItem& kept = history_.items[it->second];
    bool replace = kept.done && (!item.done || *item.done > *kept.done);
    if (replace) kept = std::move(item);
    return {};
  }

  History Take() { return std::move(history_); }
  History& history() { return history_; }

 private:
  Result<void> Skip(const std::string& where, std::string why) {
    history_.skipped.push_back(fmt::format("{}: {}", where, why));
    return {};
  }
  History history_;
  std::set<std::string> types_;
  std::map<std::string, size_t> index_;
};

bool Required(const Columns& c, std::string_view attribute) {
  return attribute == "id" || attribute == "done" || c.explicit_.count(std::string(attribute));
}

}  // namespace

std::int64_t History::Finished() const {
  return std::count_if(items.begin(), items.end(), [](const WorkItem& i) { return i.done.has_value(); });
}

std::int64_t History::InProgress() const {
  return static_cast<std::int64_t>(items.size()) - Finished();
}

std::optional<Day> ParseDay(std::string_view text) {
  std::string_view s = Trim(text);
  // ISO 8601 and its relatives: 2026-11-27, 2026/11/27, with any time after.
  if (s.size() >= 10 && AllDigits(s.substr(0, 4)) && (s[4] == '-' || s[4] == '/') &&
      s[7] == s[4] && AllDigits(s.substr(5, 2)) && AllDigits(s.substr(8, 2))) {
    if (!PlausibleTimeTail(s.substr(10))) return std::nullopt;
    return Ymd(std::stoi(std::string(s.substr(0, 4))), std::stoul(std::string(s.substr(5, 2))),
               std::stoul(std::string(s.substr(8, 2))));
  }
  // 27.11.2026 (day first, as written wherever dots are used).
  if (s.size() >= 10 && AllDigits(s.substr(0, 2)) && s[2] == '.' && AllDigits(s.substr(3, 2)) &&
      s[5] == '.' && AllDigits(s.substr(6, 4))) {
    if (!PlausibleTimeTail(s.substr(10))) return std::nullopt;
    return Ymd(std::stoi(std::string(s.substr(6, 4))), std::stoul(std::string(s.substr(3, 2))),
               std::stoul(std::string(s.substr(0, 2))));
  }
  // Jira: 27/Nov/26 9:15 AM, 27/Nov/2026 09:15, 27-Nov-2026.
  size_t end = s.find(' ');
  std::string head(s.substr(0, end));
  std::string_view tail = end == std::string_view::npos ? std::string_view() : s.substr(end);
  size_t last_sep = head.find_last_of("/-");
  if (last_sep != std::string::npos && head.size() >= 7 &&
      std::any_of(head.begin(), head.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); })) {
    // date::parse reads "26" with %Y as the year 26, so pick by the digits.
    const bool two_digit_year = head.size() - last_sep - 1 == 2;
    const char* formats[] = {two_digit_year ? "%d/%b/%y" : "%d/%b/%Y", two_digit_year ? "%d-%b-%y" : "%d-%b-%Y"};
    for (const char* f : formats) {
      std::istringstream in(head);
      date::year_month_day ymd;
      // GCC 12 sees date::parse's unused seconds field as maybe uninitialized
      // once inlined here (a false positive inside the library).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
      in >> date::parse(f, ymd);
#pragma GCC diagnostic pop
      if (in.fail() || in.peek() != std::char_traits<char>::eof() || !ymd.ok()) continue;
      if (!PlausibleTimeTail(tail)) return std::nullopt;
      return Day(date::sys_days(ymd).time_since_epoch());
    }
  }
  return std::nullopt;
}

Result<History> ParseHistoryCsv(std::string_view text, const std::string& source,
                                const Columns& columns, const std::vector<std::string>& types) {
  if (!IsValidUtf8(text)) {
    return Fail(Error::Invalid(fmt::format("{}: not valid UTF-8; export the file as UTF-8", source)));
  }
  auto table = ParseCsv(text, source);
  if (!table) return Fail(table.error());
  if (table->header.empty()) return Fail(Error::Invalid(fmt::format("{}: empty file, expected a header row", source)));

  struct Mapped {
    const char* attribute;
    const std::string& name;
    std::optional<size_t> index;
  } mapped[] = {{"id", columns.id, {}},
                {"type", columns.type, {}},
                {"created", columns.created, {}},
                {"started", columns.started, {}},
                {"done", columns.done, {}}};
  std::string header_list;
  for (const auto& h : table->header) header_list += (header_list.empty() ? "" : ", ") + std::string(Trim(h));
  for (Mapped& m : mapped) {
    m.index = table->Column(m.name);
    if (!m.index && Required(columns, m.attribute)) {
      return Fail(Error::Invalid(fmt::format(
          "{}:1: no column \"{}\" (the {} column); the header has: {}. Map it with "
          "deadlines.columns.{} in the config",
          source, m.name, m.attribute, header_list, m.attribute)));
    }
  }
  if (!types.empty() && !mapped[1].index) {
    return Fail(Error::Invalid(fmt::format(
        "{}:1: no column \"{}\" to filter types by; the header has: {}", source, columns.type, header_list)));
  }
  Builder builder(source, types);
  builder.history().has_started = mapped[3].index.has_value();
  const size_t width = table->header.size();
  for (const CsvRow& r : table->rows) {
    if (r.fields.size() == 1 && Trim(r.fields[0]).empty()) continue;
    std::string where = fmt::format("{}:{}", source, r.line);
    if (r.fields.size() < width) {
      // Trailing empty columns are often dropped by hand-edited exports; a
      // row missing a mapped column is not usable.
      for (const Mapped& m : mapped) {
        if (m.index && *m.index >= r.fields.size()) {
          return Fail(Error::Invalid(fmt::format("{}: {} fields, expected {} as in the header (no \"{}\")",
                                                 where, r.fields.size(), width, m.name)));
        }
      }
    }
    auto get = [&](const Mapped& m) -> std::string {
      return m.index && *m.index < r.fields.size() ? r.fields[*m.index] : std::string();
    };
    Row row{get(mapped[0]), get(mapped[1]), get(mapped[2]), get(mapped[3]), get(mapped[4]), r.line};
    if (auto a = builder.Add(row, where, columns); !a) return Fail(a.error());
  }
  return builder.Take();
}

Result<History> ParseHistoryJson(std::string_view text, const std::string& source,
                                 const Columns& columns, const std::vector<std::string>& types) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded()) {
    // Parse again for the message: where it broke.
    try {
      auto reparsed = nlohmann::json::parse(text);
      (void)reparsed;
    } catch (const nlohmann::json::parse_error& e) {
      return Fail(Error::Invalid(fmt::format("{}: not valid JSON: byte {}: {}", source, e.byte,
                                             std::string(e.what()).substr(std::string(e.what()).find(':') + 2))));
    }
    return Fail(Error::Invalid(fmt::format("{}: not valid JSON", source)));
  }
  const nlohmann::json* list = &doc;
  if (doc.is_object()) {
    list = nullptr;
    for (const char* key : {"items", "issues", "nodes"}) {
      if (doc.contains(key) && doc[key].is_array()) list = &doc[key];
    }
  }
  if (!list || !list->is_array()) {
    return Fail(Error::Invalid(fmt::format(
        "{}: expected an array of items, or an object with an \"items\" array", source)));
  }
  Builder builder(source, types);
  std::int64_t n = 0;
  for (const auto& item : *list) {
    ++n;
    std::string where = fmt::format("{}: item {}", source, n);
    if (!item.is_object()) return Fail(Error::Invalid(fmt::format("{}: expected an object", where)));
    if (item.contains(columns.started)) builder.history().has_started = true;
    auto get = [&](const std::string& name, const char* attribute) -> Result<std::string> {
      auto it = item.find(name);
      if (it == item.end() || it->is_null()) {
        if (Required(columns, attribute) && std::string_view(attribute) != "done") {
          return Fail(Error::Invalid(fmt::format("{}: missing \"{}\" (the {} field)", where, name, attribute)));
        }
        return std::string();
      }
      if (it->is_string()) return it->get<std::string>();
      if (it->is_number_integer()) return std::to_string(it->get<std::int64_t>());
      return Fail(Error::Invalid(fmt::format("{}: \"{}\": expected a string, got {}", where, name, it->type_name())));
    };
    Row row;
    row.line = n;
    for (auto [out, name, attribute] :
         {std::tuple{&row.id, &columns.id, "id"}, std::tuple{&row.type, &columns.type, "type"},
          std::tuple{&row.created, &columns.created, "created"},
          std::tuple{&row.started, &columns.started, "started"},
          std::tuple{&row.done, &columns.done, "done"}}) {
      auto v = get(*name, attribute);
      if (!v) return Fail(v.error());
      *out = std::move(*v);
    }
    if (auto a = builder.Add(row, where, columns); !a) return Fail(a.error());
  }
  return builder.Take();
}

Result<History> LoadHistory(const std::filesystem::path& path, const Columns& columns,
                            const std::vector<std::string>& types) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(Error::Io(fmt::format("{}: cannot read the work-item history", path.string())));
  std::ostringstream text;
  text << in.rdbuf();
  if (path.extension() == ".json") return ParseHistoryJson(text.str(), path.string(), columns, types);
  return ParseHistoryCsv(text.str(), path.string(), columns, types);
}

std::vector<int> DailyThroughput(const History& h, const WorkCalendar& cal, Day from, Day to) {
  std::vector<Day> working;
  for (Day d = from; d < to; d += std::chrono::days(1)) {
    if (cal.IsWorking(d)) working.push_back(d);
  }
  std::vector<int> daily(working.size(), 0);
  for (const WorkItem& i : h.items) {
    if (!i.done || *i.done < from || *i.done >= to) continue;
    // The last working day on or before the done date.
    auto it = std::upper_bound(working.begin(), working.end(), *i.done);
    if (it == working.begin()) continue;  // a day off before the first working day
    ++daily[static_cast<size_t>(it - working.begin() - 1)];
  }
  return daily;
}

std::vector<int> CycleTimes(const History& h, Day from, Day to) {
  std::vector<int> out;
  for (const WorkItem& i : h.items) {
    if (!i.done || !i.started || *i.done < from || *i.done >= to) continue;
    out.push_back(std::max(1, static_cast<int>((*i.done - *i.started).count())));
  }
  std::sort(out.begin(), out.end());
  return out;
}

int Percentile(const std::vector<int>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size()) - 1e-9));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

}  // namespace ctodesk::deadlines
