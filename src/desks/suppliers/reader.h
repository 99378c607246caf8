// Reading a supplier delivery as a stream of records, whatever its format:
// CSV (dialect detected, BOM, quoted newlines), JSON lines, or one JSON array
// of objects; any of them compressed with gzip or zstd (recognised by their
// magic bytes, not the file name). Nothing is loaded whole: a record at a time
// goes to a RecordSink, so memory stays flat for a 2 GB delivery.
//
// Every record is a row of text values aligned with the current column list;
// an empty value means null (an empty CSV field, a JSON null or a missing
// key). JSON objects add columns as new keys appear, in first-seen order.
// Problems in single records (a row with the wrong number of fields, invalid
// UTF-8) are passed to the sink with their line and reading goes on; a
// problem that stops reading (an unterminated quote, broken JSON, a corrupt
// archive) ends the read with an Error naming file:line.
//
// An uncompressed CSV file is read in blocks with pread() (and mapped only to
// find its header and split points) and, when large and the sink can be
// forked (QualityChecker can), split at record boundaries and read on several
// threads, each into its own fork of the sink; the forks are joined back in
// file order, so the sink ends as if it had read the file in one pass (same
// counts, same sample rows, same line numbers). The split is verified: if a
// guessed boundary turns out to lie inside a quoted field, the parts after it
// are dropped and read again in order. A sink is only ever called from one
// thread at a time; ReadDelivery itself may be called from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/progress.h"

namespace ctodesk::suppliers {

enum class Format { kAuto, kCsv, kJsonLines, kJsonArray };
enum class Compression { kNone, kGzip, kZstd };

std::string_view FormatName(Format f);            // "auto", "csv", "jsonl", "json"
std::optional<Format> ParseFormat(std::string_view name);
std::string_view CompressionName(Compression c);  // "none", "gzip", "zstd"

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // The column list, before the first row and again whenever it grows.
  virtual void Columns(const std::vector<std::string>& columns) = 0;
  // One record starting on `line`; values.size() == the latest columns' size.
  // The views are valid only during the call.
  virtual void Row(std::int64_t line, const std::vector<std::string_view>& values) = 0;
  // A record starting on `line` of `file` that could not be taken as it is;
  // `what` says why, without the place (MalformedMessage() adds it).
  virtual void Malformed(std::int64_t line, std::string_view file, std::string what) = 0;
  // Many rows at once, in file order (the CSV reader hands rows over in
  // batches): row r starts on lines[r] and its values are
  // values[r * width, (r + 1) * width). Valid only during the call. The
  // default passes each row to Row(); a sink may check column by column.
  virtual void Rows(const std::int64_t* lines, const std::string_view* values, size_t rows, size_t width) {
    std::vector<std::string_view> row(width);
    for (size_t r = 0; r < rows; ++r) {
      row.assign(values + r * width, values + (r + 1) * width);
      Row(lines[r], row);
    }
  }

  // A guess of how many rows will follow (from the file size), so tables can
  // be sized once instead of growing; may be called again for a larger guess.
  virtual void ExpectRows(std::int64_t rows) { (void)rows; }

  // For reading one file on several threads: a new, empty sink of the same
  // kind that can later be Join()ed into this one, or null when the sink
  // cannot be split (then the file is read on one thread).
  virtual std::unique_ptr<RecordSink> Fork() const { return nullptr; }
  // Folds in a fork that saw the records right after this sink's ones. The
  // fork was given line numbers counted from its own start (the reader
  // cannot know where a part of the file starts until the parts before it
  // are read): every line it was given is `line_offset` short of the real one.
  virtual void Join(RecordSink& later, std::int64_t line_offset) {
    (void)later;
    (void)line_offset;
  }
};

// "file:line: what", the way a malformed record is reported.
std::string MalformedMessage(std::string_view file, std::int64_t line, std::string_view what);


// How ReadDelivery may read a file.
struct ReadTuning {
  unsigned threads = 0;                           // 0: one per usable core
  std::int64_t min_parallel_bytes = 64ll << 20;   // smaller files are read on one thread
  std::size_t block_bytes = 512 << 10;            // CSV is read and UTF-8-checked in blocks of this
  unsigned parts_per_thread = 4;                  // a file is split into threads × this parts
};

struct ReadStats {
  Format format = Format::kCsv;
  Compression compression = Compression::kNone;
  std::int64_t rows = 0;  // records after the header, malformed ones included
  int parts = 1;          // parts of the file read in parallel (and kept)
};

// Opens `path`, recognises compression and (for kAuto) the format, and feeds
// every record to `sink`. Errors name the file by its base name and the line.
// `progress`, when given, is advanced by the file bytes read.
Result<ReadStats> ReadDelivery(const std::filesystem::path& path, Format format, RecordSink& sink,
                               Progress* progress = nullptr, ReadTuning tuning = {});

// The same over an already-open, uncompressed stream (for tests and for the
// decompressing streams). `extension_hint` is the file name used to guess a
// format when `format` is kAuto.
Result<ReadStats> ReadRecords(std::istream& in, Format format, const std::string& display,
                              std::string_view extension_hint, RecordSink& sink, ReadTuning tuning = {});

// `text` compressed as gzip or zstd (or unchanged for kNone), as a supplier
// would send it; for demos, tests and benchmarks.
std::string Compress(std::string_view text, Compression c);

// An input stream over a file that decompresses gzip or zstd on the fly (or
// passes plain bytes through). Fails when the file cannot be opened.
class DeliveryStream {
 public:
  static Result<std::unique_ptr<DeliveryStream>> Open(const std::filesystem::path& path,
                                                       Progress* progress = nullptr);
  virtual ~DeliveryStream() = default;
  virtual std::istream& stream() = 0;
  virtual Compression compression() const = 0;
  // Set when decompression failed (corrupt or truncated archive).
  virtual std::optional<std::string> error() const = 0;
};

}  // namespace ctodesk::suppliers
