// Work-item history: the finished (and unfinished) items a team exported from
// Jira, GitHub Issues or Linear, as CSV or JSON, with the columns named in the
// config. Parsing is separate from reading: ParseHistoryCsv/Json take text and
// return items with the line they came from; LoadHistory reads a file.
//
// What real exports contain, and what happens to it:
//   a byte-order mark, ; or tab delimiters, quoted newlines   handled (core/csv.h)
//   dates as 2026-11-27, ISO 8601 with time/offset, Jira's
//     27/Nov/26 9:15 AM, 27.11.2026 — mixed within a file       accepted (the date part)
//   an ambiguous or unreadable date (11/27/2026, "soon")        Error naming file:line:column
//   a missing mapped column, a short row, invalid UTF-8          Error naming file:line
//   an empty id, done before created/started                    skipped and counted
//   the same id twice (reopened and exported again)             one item: the open row, else
//                                                               the latest done; counted
//   no started and no done date                                  backlog, counted
// Thread-compatible value types; the functions are thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "desks/deadlines/forecast.h"

namespace ctodesk::deadlines {

// Header names (CSV) or field names (JSON) of each attribute. id and done are
// required; the others are used when present, and required when `explicit_`
// says the config named them.
struct Columns {
  std::string id = "id";
  std::string type = "type";
  std::string created = "created";
  std::string started = "started";
  std::string done = "done";
  std::set<std::string> explicit_;  // attributes named in the config: "type", "started"...
};

struct WorkItem {
  std::string id;
  std::string type;
  std::optional<Day> created, started, done;
  std::int64_t line = 0;  // CSV line or JSON item number (1-based)
};

struct History {
  std::string source;
  std::vector<WorkItem> items;  // started or done, of the wanted types, one per id
  std::int64_t rows = 0;        // records read
  std::int64_t other_types = 0;
  std::int64_t backlog = 0;     // neither started nor done
  std::int64_t repeated = 0;    // ids seen more than once
  std::vector<std::string> skipped;  // "history.csv:17: done before created"
  bool has_started = false;     // the export has a started column/field

  std::int64_t Finished() const;
  std::int64_t InProgress() const;
};

// `types`: keep only items whose type is one of these (case-insensitive);
// empty keeps all.
Result<History> ParseHistoryCsv(std::string_view text, const std::string& source,
                                const Columns& columns, const std::vector<std::string>& types);
// An array of objects, or an object holding one under "items", "issues" or "nodes".
Result<History> ParseHistoryJson(std::string_view text, const std::string& source,
                                 const Columns& columns, const std::vector<std::string>& types);
// Reads `path` (JSON when it ends in .json, else CSV). Errors name `path`.
Result<History> LoadHistory(const std::filesystem::path& path, const Columns& columns,
                            const std::vector<std::string>& types);

// The date part of an exported timestamp, or nullopt (see the table above).
std::optional<Day> ParseDay(std::string_view text);
// What ParseDay accepts, for messages.
inline constexpr const char* kDayFormats =
    "a date such as 2026-11-27, 2026-11-27T09:15:00Z, 27/Nov/26 9:15 AM or 27.11.2026";

// Items finished on each working day of [from, to), in order. An item
// finished on a day off counts on the working day before it (weekend work
// shows up as Friday's).
std::vector<int> DailyThroughput(const History& h, const WorkCalendar& cal, Day from, Day to);

// Cycle times in calendar days (done - started, at least 1) of items finished
// in [from, to), sorted ascending.
std::vector<int> CycleTimes(const History& h, Day from, Day to);
// The p-quantile of sorted values (nearest rank); 0 when empty.
int Percentile(const std::vector<int>& sorted, double p);

}  // namespace ctodesk::deadlines
