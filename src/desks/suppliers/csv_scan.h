// CsvScanner: the CSV record splitter behind ReadDelivery, working over a
// block of bytes already in memory (a read buffer or a memory-mapped file)
// and handing out each record's fields as std::string_view into that block.
// A field is copied only when it has to be rewritten: a quoted field with
// doubled quotes ("a ""b"" c"), or text after a closing quote.
//
// It finds the bytes that matter (delimiter, quote, CR, LF) 64 at a time with
// SSE2 bit masks (a plain loop elsewhere) and only looks at those, so the
// cost is per field rather than per byte. The rules are those of
// ctodesk::CsvReader (core/csv.h), which the tests hold it to: blank lines
// are skipped, LF, CRLF and a lone CR end a record outside quotes, every LF
// inside quotes counts as a line, a quote opens a quoted field only as the
// field's first byte, anything after the closing quote joins the field, and a
// stray quote inside an unquoted field is kept.
//
// Scan() is resumable at record starts: with `final` false it stops at the
// start of a record that runs past the end of the block, to be scanned again
// once more bytes follow it. Field views stay valid until the next record is
// handed out — or, with set_keep_fields(true), until ClearFields(): then the
// records' fields pile up in fields() (the current record's from
// record_first() on), so a caller can hand out many records at once without
// copying them. Not thread-safe; one scanner per thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/csv.h"

namespace ctodesk::suppliers {

// Bit i set when block[i] is one of the four bytes (64 bytes from `p`).
inline std::uint64_t CsvSpecialMask(const char* p, char delim, char quote) {
#if defined(__SSE2__)
  const __m128i d = _mm_set1_epi8(delim), q = _mm_set1_epi8(quote), lf = _mm_set1_epi8('\n'),
                cr = _mm_set1_epi8('\r');
  std::uint64_t mask = 0;
  for (int k = 0; k < 4; ++k) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
    __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, d), _mm_cmpeq_epi8(v, q)),
                               _mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr)));
    mask |= static_cast<std::uint64_t>(static_cast<std::uint16_t>(_mm_movemask_epi8(hit))) << (16 * k);
  }
  return mask;
#else
  std::uint64_t mask = 0;
  for (int i = 0; i < 64; ++i) {
    char c = p[i];
    if (c == delim || c == quote || c == '\n' || c == '\r') mask |= std::uint64_t{1} << i;
  }
  return mask;
#endif
}

// Fills out[0, blocks) with CsvSpecialMask of each 64-byte block from `p`.
using CsvMaskFn = void (*)(const char* p, size_t blocks, char delim, char quote, std::uint64_t* out);
// The fastest such function the CPU runs (AVX2 when it has it; csv_scan.cc).
CsvMaskFn CsvMaskFunction();
// The one that works everywhere (SSE2 or plain), for tests to compare with.
CsvMaskFn CsvPortableMaskFunction();

class CsvScanner {
 public:
  enum class Stop {
    kNeedMore,  // the block ends inside a record (only when not final)
    kEnd,       // the block is done (final)
    kHalt,      // reached a record boundary at or past `halt_at`, or the callback said stop
    kError,     // an unterminated quoted field at the end of the input
  };

  // `line` is the line number of the first byte to be scanned.
  explicit CsvScanner(CsvDialect dialect, std::int64_t line = 1)
      : dialect_(dialect), line_(line), masks_fn_(CsvMaskFunction()) {}

  // Scans records from `pos` up to `end`. For each complete record calls
  // `on_record(line, fields, record_begin, record_end)` (record_end excludes
  // the line ending); a false return halts after that record. Stops before a
  // record that starts at or past `halt_at`. Afterwards `pos` is where
  // scanning should resume: the start of the unfinished record (kNeedMore),
  // the record boundary (kHalt) or `end`.
  template <class OnRecord>
  Stop Scan(const char*& pos, const char* end, bool final, const char* halt_at, OnRecord&& on_record);

  CsvDialect dialect() const { return dialect_; }
  // Line number of the next byte to scan (after a stop: of `pos`).
  std::int64_t line() const { return line_; }
  // After kError: the line the input ended on and the line the quote opened on.
  std::int64_t error_line() const { return error_line_; }
  std::int64_t error_opened_on() const { return error_opened_on_; }
  // Keep the fields of the records handed out (see above).
  void set_keep_fields(bool keep) { keep_ = keep; }
  // Inside on_record, with keep_fields: where the record's fields start in
  // the fields passed; DropRecord() removes them, ClearFields() all.
  size_t record_first() const { return first_; }
  const std::vector<std::string_view>& fields() const { return fields_; }
  void DropRecord() { fields_.resize(first_); }
  void ClearFields() {
    fields_.clear();
    first_ = 0;
  }

 private:
  std::string_view Field(const char* b, const char* e, int quotes, size_t index);
  std::string_view Decode(const char* b, const char* e, size_t index);

  CsvDialect dialect_;
  std::int64_t line_;
  CsvMaskFn masks_fn_;
  std::int64_t error_line_ = 0, error_opened_on_ = 0;
  bool keep_ = false;
  size_t first_ = 0;  // the current record's first field in fields_
  std::vector<std::string_view> fields_;
  std::deque<std::string> decoded_;  // deque: growing it moves no string
};

// A field's value from its raw bytes. Quotes have to be interpreted only
// when the field holds some; the common quoted case "text" is a view inside.
inline __attribute__((always_inline)) std::string_view CsvScanner::Field(const char* b, const char* e, int quotes,
                                                                          size_t index) {
  if (quotes == 0) return {b, static_cast<size_t>(e - b)};
  const char quote = dialect_.quote;
  if (quotes == 2 && e - b >= 2 && *b == quote && e[-1] == quote) {
    return {b + 1, static_cast<size_t>(e - b - 2)};
  }
  return Decode(b, e, index);
}

inline std::string_view CsvScanner::Decode(const char* b, const char* e, size_t index) {
  const char quote = dialect_.quote;
  while (decoded_.size() <= index) decoded_.emplace_back();
  std::string& out = decoded_[index];
  out.clear();
  bool quoted = false, was_quoted = false;
  for (const char* p = b; p < e; ++p) {
    char c = *p;
    if (quoted) {
      if (c == quote) {
        if (p + 1 < e && p[1] == quote) {
          out.push_back(quote);
          ++p;
        } else {
          quoted = false;
        }
      } else {
        out.push_back(c);
      }
    } else if (c == quote && out.empty() && !was_quoted) {
      quoted = was_quoted = true;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

template <class OnRecord>
CsvScanner::Stop CsvScanner::Scan(const char*& pos, const char* end, bool final, const char* halt_at,
                                  OnRecord&& on_record) {
  const char delim = dialect_.delimiter;
  const char quote = dialect_.quote;
  const char* rec_start = pos;
  const char* field_start = pos;
  std::int64_t rec_line = line_;
  std::int64_t opened_on = 0;
  int quotes = 0;  // quote bytes in the current field
  bool in_quotes = false;
  const char* skip = pos;  // special bytes before this were consumed already
  if (!keep_) fields_.clear();
  first_ = fields_.size();
  if (rec_start >= halt_at && rec_start < end) {
    return Stop::kHalt;
  }

  // Masks are made kChunk blocks at a time by masks_fn_ (a call through a
  // pointer, chosen for the CPU, is worth it only for many blocks).
  constexpr size_t kChunk = 16;
  std::uint64_t masks[kChunk];
  size_t mask_next = 0, mask_count = 0;
  const size_t length = static_cast<size_t>(end - pos);
  for (size_t offset = 0; offset < length; offset += 64) {
    const char* block = pos + offset;
    std::uint64_t mask;
    if (length - offset >= 64) {
      if (mask_next == mask_count) {
        mask_count = std::min(kChunk, (length - offset) / 64);
        masks_fn_(block, mask_count, delim, quote, masks);
        mask_next = 0;
      }
      mask = masks[mask_next++];
    } else {
      mask = 0;
      for (int i = 0; i < end - block; ++i) {
        char c = block[i];
        if (c == delim || c == quote || c == '\n' || c == '\r') mask |= std::uint64_t{1} << i;
      }
    }
    for (; mask != 0; mask &= mask - 1) {
      const char* q = block + __builtin_ctzll(mask);
      if (q < skip) continue;
      const char c = *q;
      if (in_quotes) {
        if (c == quote) {
          if (q + 1 == end) {
            if (!final) goto need_more;
            in_quotes = false;
            ++quotes;
          } else if (q[1] == quote) {
            quotes += 2;
            skip = q + 2;
          } else {
            in_quotes = false;
            ++quotes;
          }
        } else if (c == '\n') {
          ++line_;
        }
        continue;
      }
      if (c == quote) {
        if (q == field_start) {
          in_quotes = true;
          opened_on = line_;
        }
        ++quotes;
        continue;
      }
      if (c == delim) {
        fields_.push_back(Field(field_start, q, quotes, fields_.size()));
        field_start = q + 1;
        quotes = 0;
        continue;
      }
      // A line ending outside quotes.
      const char* next = q + 1;
      if (c == '\r') {
        if (next == end && !final) goto need_more;
        if (next < end && *next == '\n') {
          ++next;
          skip = next;
        }
      }
      ++line_;
      if (q == rec_start) {  // a blank line
        rec_start = field_start = next;
        rec_line = line_;
        if (rec_start >= halt_at && rec_start < end) {
          pos = rec_start;
          return Stop::kHalt;
        }
        continue;
      }
      fields_.push_back(Field(field_start, q, quotes, fields_.size()));
      bool go_on = on_record(rec_line, static_cast<const std::vector<std::string_view>&>(fields_), rec_start, q);
      if (!keep_) fields_.clear();
      first_ = fields_.size();
      quotes = 0;
      rec_start = field_start = next;
      rec_line = line_;
      if (!go_on || (rec_start >= halt_at && rec_start < end)) {
        pos = rec_start;
        return Stop::kHalt;
      }
    }
  }
  if (!final) goto need_more;
  if (in_quotes) {
    error_line_ = line_;
    error_opened_on_ = opened_on;
    pos = end;
    return Stop::kError;
  }
  if (rec_start < end) {
    fields_.push_back(Field(field_start, end, quotes, fields_.size()));
    on_record(rec_line, static_cast<const std::vector<std::string_view>&>(fields_), rec_start, end);
    if (!keep_) fields_.clear();
    first_ = fields_.size();
  }
  pos = end;
  return Stop::kEnd;

need_more:
  pos = rec_start;
  line_ = rec_line;
  fields_.resize(first_);  // the unfinished record's
  return Stop::kNeedMore;
}

}  // namespace ctodesk::suppliers
