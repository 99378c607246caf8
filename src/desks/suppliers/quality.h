// Quality rules for one supplier delivery, checked in a single streaming pass:
// the checker is a RecordSink (see reader.h) that keeps counters and a few
// sample row numbers per rule, never the rows themselves. Rules:
//
//   format          every record well-formed (field count, UTF-8, JSON)
//   required-column a configured column is present
//   type            values parse as the column's type
//   null-rate       share of empty values at most the limit
//   unique          a column (or a composite key) has no duplicates
//   allowed-values  values come from a fixed list
//   freshness       the newest date in a column is recent enough
//   row-count       rows within [min, max]
//   row-change      rows moved by at most X% against the previous delivery
//   schema-drift    same columns, in the same order, as the previous delivery
//
// Every configured rule yields a RuleResult, passing or not, so the store
// keeps each rule's result. Not thread-safe; for reading a file on several
// threads ReadDelivery gives each thread a Fork() and Join()s them in order.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "desks/suppliers/reader.h"

namespace ctodesk::suppliers {

enum class ColumnType { kString, kInt, kNumber, kBool, kDate, kDateTime };
std::string_view ColumnTypeName(ColumnType t);  // "string", "int", "number", "bool", "date", "datetime"
std::optional<ColumnType> ParseColumnType(std::string_view name);
// True when a non-empty `value` is a valid `type`.
bool ValueHasType(std::string_view value, ColumnType type);

struct ColumnRule {
  std::string name;
  std::optional<ColumnType> type;
  bool required = true;
  std::optional<double> max_null_rate;  // fraction, 0..1
  std::vector<std::string> allowed;     // empty: anything
  bool unique = false;
  std::optional<Duration> max_age;      // freshness of the newest value
};

struct Rules {
  std::vector<ColumnRule> columns;
  std::optional<std::int64_t> min_rows, max_rows;
  std::optional<double> max_row_change;  // fraction, 0.5 = 50%
  std::vector<std::string> unique_key;   // a composite key, when given
  bool schema_drift = true;
};

struct RuleResult {
  std::string rule;    // "null-rate"
  std::string column;  // empty for file-level rules
  bool ok = true;
  std::string message;            // what was measured against what limit
  std::vector<std::int64_t> rows;  // sample line numbers of offending rows
};

// What the previous delivery of the feed looked like.
struct PreviousDelivery {
  std::vector<std::string> columns;
  std::int64_t rows = 0;
};

class QualityChecker final : public RecordSink {
 public:
  // `arrival` anchors freshness. `rules` must outlive the checker.
  QualityChecker(const Rules& rules, TimePoint arrival, std::optional<PreviousDelivery> previous);
  ~QualityChecker() override;

  void Columns(const std::vector<std::string>& columns) override;
  void Row(std::int64_t line, const std::vector<std::string_view>& values) override;
  void Rows(const std::int64_t* lines, const std::string_view* values, size_t rows, size_t width) override;
  void Malformed(std::int64_t line, std::string_view file, std::string what) override;
  void ExpectRows(std::int64_t rows) override;
  std::unique_ptr<RecordSink> Fork() const override;
  void Join(RecordSink& later, std::int64_t line_offset) override;

  // The results, after the read ended; `fatal` is the error that stopped it.
  std::vector<RuleResult> Finish(std::int64_t rows, const std::optional<Error>& fatal);
  const std::vector<std::string>& columns() const { return columns_; }
  // Records seen so far, malformed ones included.
  std::int64_t records_seen() const { return rows_seen_ + malformed_; }
  // JSON keys have no order: then schema drift compares column sets only.
  void SetColumnsOrdered(bool ordered) { ordered_ = ordered; }

  static constexpr size_t kSampleRows = 5;

 private:
  struct ColumnState;
  struct KeySet;
  struct IntKeys;
  const Rules& rules_;
  TimePoint arrival_;
  std::optional<PreviousDelivery> previous_;
  std::vector<std::string> columns_;
  std::vector<ColumnState> states_;  // one per rules_.columns
  std::vector<int> key_index_;       // unique_key columns, -1 when absent
  std::unique_ptr<KeySet> key_seen_;
  std::int64_t rows_seen_ = 0;  // rows passed to Row()
  std::int64_t malformed_ = 0;
  std::string first_malformed_file_, first_malformed_what_;  // formatted by Finish()
  std::int64_t first_malformed_line_ = 0;
  std::vector<std::int64_t> malformed_rows_;
  std::string key_buffer_;
  bool ordered_ = true;
};

// "1, 2, 3" from sample rows, with "..." when there were more.
std::string SampleRows(const std::vector<std::int64_t>& rows, std::int64_t total);

}  // namespace ctodesk::suppliers
