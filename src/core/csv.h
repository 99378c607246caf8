// Reading CSV: a streaming reader for files of any size (one record in memory
// at a time), dialect detection (delimiter , ; tab |), a UTF-8 byte-order mark
// skipped, quoted fields with doubled quotes and newlines inside, and line
// numbers for every record so errors can say where. RFC 4180 plus what real
// exports (Excel, Jira, Zendesk) do. Not thread-safe; one reader per stream.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace ctodesk {

struct CsvDialect {
  char delimiter = ',';
  char quote = '"';
};

// Guesses the delimiter from a sample of the start of a file: the candidate
// that splits the first lines (outside quotes) into the most consistent,
// non-trivial number of fields. Defaults to ','.
CsvDialect DetectCsvDialect(std::string_view sample);

class CsvReader {
 public:
  // `in` must outlive the reader. `source` names the input in errors
  // ("orders.csv"). A UTF-8 BOM at the start is skipped.
  CsvReader(std::istream& in, CsvDialect dialect, std::string source);

  // Reads the next record into `fields` (cleared first). Returns false at the
  // end of input, or on a malformed record — then error() says where and what
  // ("orders.csv:17: unterminated quoted field (opened on line 17)").
  bool Next(std::vector<std::string>& fields);
  // 1-based line on which the last record returned started.
  std::int64_t line() const { return record_line_; }
  const std::optional<Error>& error() const { return error_; }
  // Bytes consumed so far (for progress bars).
  std::uint64_t bytes_read() const { return bytes_read_; }

 private:
  bool FillBuffer();
  std::istream& in_;
  CsvDialect dialect_;
  std::string source_;
  std::string buffer_;
  size_t pos_ = 0;
  bool eof_ = false;
  bool bom_checked_ = false;
  std::int64_t next_line_ = 1;
  std::int64_t record_line_ = 0;
  std::uint64_t bytes_read_ = 0;
  std::optional<Error> error_;
};

struct CsvRow {
  std::int64_t line = 0;
  std::vector<std::string> fields;
};

struct CsvTable {
  std::vector<std::string> header;  // the first record
  std::vector<CsvRow> rows;         // the rest, blank lines skipped
  // Index of a header column, matched case-insensitively and ignoring
  // surrounding spaces; nullopt when absent.
  std::optional<size_t> Column(std::string_view name) const;
};

// Parses a whole small file that starts with a header row. The dialect is
// detected unless given. Errors name `source` and the line.
Result<CsvTable> ParseCsv(std::string_view text, const std::string& source,
                          std::optional<CsvDialect> dialect = std::nullopt);

// True when `s` is well-formed UTF-8.
bool IsValidUtf8(std::string_view s);

}  // namespace ctodesk
