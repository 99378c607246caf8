// Reading ctodesk.toml. `ConfigReader` parses one file with toml++ and hands
// out `ConfigTable` views; every typed getter checks the value and, when it is
// wrong, records an error that names file:line:column, the dotted key and what
// was expected — it never throws. Keys that nobody read are reported by
// `Finish()` as unknown, with a "did you mean" suggestion. All errors are
// collected so the user sees every problem at once. Not thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/error.h"

namespace toml {
inline namespace v3 {
class table;
class node;
}  // namespace v3
}  // namespace toml

namespace ctodesk {

struct ConfigIssue {
  std::string file;
  int line = 0;
  int column = 0;
  std::string field;    // dotted path: "health.probes[2].timeout"
  std::string message;  // "expected a duration such as \"5s\", got \"fast\""
  std::string ToString() const;  // "ctodesk.toml:7:11: health.probes[2].timeout: expected ..."
};

class ConfigReader;

// A view of one TOML table. Cheap to copy; valid while its reader lives.
class ConfigTable {
 public:
  bool Has(std::string_view key) const;
  // The dotted path of a key in this table, for messages: "health.probes[0].url".
  std::string PathOf(std::string_view key) const;
  const std::string& path() const { return path_; }

  // Each getter marks `key` as known. A missing key yields nullopt (and an
  // error when `required`); a wrongly typed one yields nullopt and an error.
  std::optional<std::string> String(std::string_view key, bool required = false);
  std::optional<std::int64_t> Int(std::string_view key, std::int64_t min, std::int64_t max,
                                  bool required = false);
  std::optional<double> Number(std::string_view key, bool required = false);
  std::optional<bool> Bool(std::string_view key);
  std::optional<Duration> DurationValue(std::string_view key, bool required = false);
  // A size: a string such as "10MB" (see core/size.h) or an integer of bytes.
  std::optional<std::int64_t> Size(std::string_view key, bool required = false);
  std::optional<TimePoint> Time(std::string_view key, bool required = false);
  // A path, resolved against the config file's folder when relative.
  std::optional<std::filesystem::path> Path(std::string_view key, bool required = false);
  // One string or an array of strings.
  std::vector<std::string> StringList(std::string_view key);
  // One integer or an array of integers, each within [min, max].
  std::vector<std::int64_t> IntList(std::string_view key, std::int64_t min, std::int64_t max);
  // An inline table of string values, in key order.
  std::vector<std::pair<std::string, std::string>> StringMap(std::string_view key);
  // A string that must be one of `allowed`.
  std::optional<std::string> Choice(std::string_view key, const std::vector<std::string>& allowed,
                                    bool required = false);
  std::optional<ConfigTable> Table(std::string_view key, bool required = false);
  std::vector<ConfigTable> TableArray(std::string_view key);

  // Marks a key known without reading it (for keys handled elsewhere).
  void Accept(std::string_view key);
  // Records an error at the key's value (or at this table when the key is absent).
  void Error(std::string_view key, std::string message);

 private:
  friend class ConfigReader;
  ConfigTable(ConfigReader* reader, const toml::table* table, std::string path, size_t state)
      : reader_(reader), table_(table), path_(std::move(path)), state_(state) {}
  const toml::node* Get(std::string_view key) const;
  void TypeError(std::string_view key, const toml::node& node, std::string_view expected);
  void Missing(std::string_view key);

  ConfigReader* reader_;
  const toml::table* table_;
  std::string path_;
  size_t state_;  // index of this table's read-key set in the reader
};

class ConfigReader {
 public:
  // Parses `path`. A syntax error or an unreadable file is returned as an
  // Error naming the file, line and column.
  static Result<std::unique_ptr<ConfigReader>> Open(const std::filesystem::path& path);
  // Parses text as if it came from `display_name` (for tests).
  static Result<std::unique_ptr<ConfigReader>> FromString(std::string_view text,
                                                          std::string display_name,
                                                          std::filesystem::path base_dir = ".");
  ~ConfigReader();

  ConfigTable Root();
  const std::filesystem::path& base_dir() const { return base_dir_; }
  const std::string& file() const { return file_; }

  // Reports every key of every table handed out that no getter read.
  void Finish();
  const std::vector<ConfigIssue>& issues() const { return issues_; }
  // All issues, one per line, or an empty string.
  std::string IssuesText() const;

 private:
  friend class ConfigTable;
  ConfigReader() = default;
  ConfigTable MakeTable(const toml::table* t, std::string path);
  void AddIssue(const toml::node* where, const toml::table* fallback, std::string field,
                std::string message);

  struct State;
  std::unique_ptr<State> state_;
  std::string file_;
  std::filesystem::path base_dir_;
  std::vector<ConfigIssue> issues_;
};

// The candidate closest to `word` by edit distance, if it is close enough to
// be a plausible typo.
std::optional<std::string> DidYouMean(std::string_view word,
                                      const std::vector<std::string>& candidates);

}  // namespace ctodesk
