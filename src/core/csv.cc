// The CSV reader scans its buffer directly: outside quotes it looks for the
// next delimiter, quote or line end and appends the run in one go; inside
// quotes it looks only for the next quote, counting newlines so every record
// knows the line it started on. Data arrives in 256 KiB chunks, so memory
// stays flat however large the file.
#include "core/csv.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <sstream>

#include <fmt/format.h>

namespace ctodesk {

namespace {

constexpr size_t kChunk = 256 * 1024;

// Field counts per line for one delimiter, ignoring delimiters inside quotes.
std::vector<int> FieldCounts(std::string_view sample, char delim, char quote) {
  std::vector<int> counts;
  int fields = 1;
  bool quoted = false;
  bool any = false;
  for (char c : sample) {
    if (c == quote) quoted = !quoted;
    if (quoted) continue;
    if (c == delim) ++fields;
    if (c == '\n') {
      if (any) counts.push_back(fields);
      fields = 1;
      any = false;
      if (counts.size() >= 20) break;
    } else if (c != '\r') {
      any = true;
    }
  }
  if (any && counts.size() < 20) counts.push_back(fields);
  return counts;
}

}  // namespace

CsvDialect DetectCsvDialect(std::string_view sample) {
  if (sample.substr(0, 3) == "\xEF\xBB\xBF") sample.remove_prefix(3);
  CsvDialect best;
  int best_score = -1;
  for (char delim : {',', ';', '\t', '|'}) {
    auto counts = FieldCounts(sample, delim, '"');
    if (counts.empty() || counts[0] < 2) continue;
    // Prefer delimiters that give every line the header's field count, then
    // the one that splits into more fields.
    int consistent = static_cast<int>(std::count(counts.begin(), counts.end(), counts[0]));
    int score = consistent * 1000 + counts[0];
    if (score > best_score) {
      best_score = score;
      best.delimiter = delim;
    }
  }
  return best;
}

CsvReader::CsvReader(std::istream& in, CsvDialect dialect, std::string source)
    : in_(in), dialect_(dialect), source_(std::move(source)) {}

bool CsvReader::FillBuffer() {
  if (eof_) return false;
  if (pos_ > 0) {
    buffer_.erase(0, pos_);
    pos_ = 0;
  }
  size_t old = buffer_.size();
  buffer_.resize(old + kChunk);
  in_.read(buffer_.data() + old, static_cast<std::streamsize>(kChunk));
  size_t got = static_cast<size_t>(in_.gcount());
  buffer_.resize(old + got);
  bytes_read_ += got;
  if (got == 0) {
    eof_ = true;
    return false;
  }
  if (!bom_checked_ && buffer_.size() >= 3) {
    bom_checked_ = true;
    if (buffer_.compare(0, 3, "\xEF\xBB\xBF") == 0) pos_ = 3;
  }
  return true;
}

bool CsvReader::Next(std::vector<std::string>& fields) {
  fields.clear();
  if (error_) return false;
  const char delim = dialect_.delimiter;
  const char quote = dialect_.quote;

  // Skip blank lines between records.
  for (;;) {
    if (pos_ >= buffer_.size() && !FillBuffer()) return false;
    char c = buffer_[pos_];
    if (c == '\n') {
      ++pos_;
      ++next_line_;
    } else if (c == '\r') {
      ++pos_;
      if (pos_ >= buffer_.size()) FillBuffer();
      if (pos_ < buffer_.size() && buffer_[pos_] == '\n') ++pos_;
      ++next_line_;
    } else {
      break;
    }
  }
  record_line_ = next_line_;
  std::string field;
  bool quoted = false;
  bool was_quoted = false;  // this field opened with a quote
  std::int64_t opened_on = 0;

  for (;;) {
    if (pos_ >= buffer_.size() && !FillBuffer()) {
      if (quoted) {
        error_ = Error::Invalid(fmt::format("{}:{}: unterminated quoted field (opened on line {})",
                                            source_, next_line_, opened_on));
        return false;
      }
      fields.push_back(std::move(field));
      return true;
    }
    const char* p = buffer_.data() + pos_;
    const char* end = buffer_.data() + buffer_.size();
    if (quoted) {
      const char* q = p;
      while (q < end && *q != quote) {
        if (*q == '\n') ++next_line_;
        ++q;
      }
      field.append(p, q);
      pos_ += static_cast<size_t>(q - p);
      if (q == end) continue;
      ++pos_;  // the quote
      if (pos_ >= buffer_.size()) FillBuffer();
      if (pos_ < buffer_.size() && buffer_[pos_] == quote) {
        field.push_back(quote);  // "" inside quotes
        ++pos_;
        continue;
      }
      quoted = false;  // closing quote; anything after it joins the field
      continue;
    }
    const char* q = p;
    while (q < end && *q != delim && *q != '\n' && *q != '\r' && *q != quote) ++q;
    field.append(p, q);
    pos_ += static_cast<size_t>(q - p);
    if (q == end) continue;
    char c = *q;
    if (c == delim) {
      fields.push_back(std::move(field));
      field.clear();
      was_quoted = false;
      ++pos_;
    } else if (c == quote) {
      ++pos_;
      if (field.empty() && !was_quoted) {
        quoted = true;
        was_quoted = true;
        opened_on = next_line_;
      } else {
        field.push_back(c);  // a stray quote inside an unquoted field: keep it
      }
    } else {  // end of line
      ++pos_;
      if (c == '\r') {
        if (pos_ >= buffer_.size()) FillBuffer();
        if (pos_ < buffer_.size() && buffer_[pos_] == '\n') ++pos_;
      }
      ++next_line_;
      fields.push_back(std::move(field));
      return true;
    }
  }
}

std::optional<size_t> CsvTable::Column(std::string_view name) const {
  auto norm = [](std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  std::string want = norm(name);
  for (size_t i = 0; i < header.size(); ++i) {
    if (norm(header[i]) == want) return i;
  }
  return std::nullopt;
}

Result<CsvTable> ParseCsv(std::string_view text, const std::string& source,
                          std::optional<CsvDialect> dialect) {
  CsvDialect d = dialect ? *dialect : DetectCsvDialect(text.substr(0, 64 * 1024));
  std::istringstream in{std::string(text)};
  CsvReader reader(in, d, source);
  CsvTable table;
  std::vector<std::string> fields;
  if (!reader.Next(fields)) {
    if (reader.error()) return Fail(*reader.error());
    return Fail(Error::Invalid(fmt::format("{}: empty file, expected a header row", source)));
  }
  table.header = fields;
  while (reader.Next(fields)) table.rows.push_back({reader.line(), fields});
  if (reader.error()) return Fail(*reader.error());
  return table;
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    std::uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

}  // namespace ctodesk
