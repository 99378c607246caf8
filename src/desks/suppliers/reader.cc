// Decompression is a std::streambuf over the raw file, so every format reader
// (CsvReader included) sees one plain istream whatever the file holds. The
// first 64 KiB are read ahead once, to recognise the format and the CSV
// dialect, and then served again before the rest of the stream (ChainBuf).
// JSON arrays are split into their top-level elements by a small scanner that
// tracks strings and nesting; each element is then parsed alone by simdjson,
// so an array of any size needs memory for one element only.
#include "desks/suppliers/reader.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include <fmt/format.h>
#include <simdjson.h>
#include <zlib.h>
#include <zstd.h>

#include "core/csv.h"

namespace ctodesk::suppliers {

namespace {

constexpr size_t kBufSize = 1 << 20;
constexpr size_t kSniff = 64 * 1024;

// Reads a file, decompressing gzip or zstd when its magic bytes say so.
class DecompressBuf final : public std::streambuf {
 public:
  DecompressBuf(std::FILE* f, Compression c, Progress* progress)
      : f_(f), c_(c), progress_(progress), in_(kBufSize), out_(kBufSize) {
    if (c_ == Compression::kGzip) {
      std::memset(&zs_, 0, sizeof zs_);
      inflateInit2(&zs_, 15 + 32);  // +32: accept gzip and zlib headers
    } else if (c_ == Compression::kZstd) {
      zd_ = ZSTD_createDStream();
      ZSTD_initDStream(zd_);
    }
    setg(out_.data(), out_.data(), out_.data());
  }
  ~DecompressBuf() override {
    if (c_ == Compression::kGzip) inflateEnd(&zs_);
    if (zd_) ZSTD_freeDStream(zd_);
    std::fclose(f_);
  }
  const std::optional<std::string>& error() const { return error_; }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    size_t n = Fill();
    if (n == 0) return traits_type::eof();
    setg(out_.data(), out_.data(), out_.data() + n);
    return traits_type::to_int_type(*gptr());
  }

 private:
  // Refills the raw input buffer; false at the end of the file.
  bool ReadRaw() {
    in_len_ = std::fread(in_.data(), 1, in_.size(), f_);
    in_pos_ = 0;
    if (progress_) progress_->Add(static_cast<std::int64_t>(in_len_));
    return in_len_ > 0;
  }

  size_t Fill() {
    if (error_ || done_) return 0;
    switch (c_) {
      case Compression::kNone: {
        size_t n = std::fread(out_.data(), 1, out_.size(), f_);
        if (n == 0) done_ = true;
        if (progress_) progress_->Add(static_cast<std::int64_t>(n));
        return n;
      }
      case Compression::kGzip: return FillGzip();
      case Compression::kZstd: return FillZstd();
    }
    return 0;
  }

  size_t FillGzip() {
    for (;;) {
      if (in_pos_ == in_len_ && !ReadRaw()) {
        if (!member_ended_) error_ = "truncated gzip data (the archive ends mid-stream)";
        done_ = true;
        return 0;
      }
      if (member_ended_) {
        // Another gzip member follows (concatenated .gz files are valid).
        inflateReset(&zs_);
        member_ended_ = false;
      }
      zs_.next_in = reinterpret_cast<Bytef*>(in_.data() + in_pos_);
      zs_.avail_in = static_cast<uInt>(in_len_ - in_pos_);
      zs_.next_out = reinterpret_cast<Bytef*>(out_.data());
      zs_.avail_out = static_cast<uInt>(out_.size());
      int rc = inflate(&zs_, Z_NO_FLUSH);
      in_pos_ = in_len_ - zs_.avail_in;
      size_t produced = out_.size() - zs_.avail_out;
      if (rc == Z_STREAM_END) {
        member_ended_ = true;
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        error_ = fmt::format("corrupt gzip data: {}", zs_.msg ? zs_.msg : "inflate failed");
        done_ = true;
        return produced;
      }
      if (produced > 0) return produced;
    }
  }

  size_t FillZstd() {
    for (;;) {
      if (in_pos_ == in_len_ && !ReadRaw()) {
        if (zstd_pending_) error_ = "truncated zstd data (the archive ends mid-frame)";
        done_ = true;
        return 0;
      }
      ZSTD_inBuffer in{in_.data(), in_len_, in_pos_};
      ZSTD_outBuffer out{out_.data(), out_.size(), 0};
      size_t rc = ZSTD_decompressStream(zd_, &out, &in);
      in_pos_ = in.pos;
      if (ZSTD_isError(rc)) {
        error_ = fmt::format("corrupt zstd data: {}", ZSTD_getErrorName(rc));
        done_ = true;
        return out.pos;
      }
      zstd_pending_ = rc != 0;
      if (out.pos > 0) return out.pos;
    }
  }

  std::FILE* f_;
  Compression c_;
  Progress* progress_;
  std::vector<char> in_, out_;
  size_t in_len_ = 0, in_pos_ = 0;
  z_stream zs_{};
  bool member_ended_ = false;
  ZSTD_DStream* zd_ = nullptr;
  bool zstd_pending_ = false;
  bool done_ = false;
  std::optional<std::string> error_;
};

class FileStream final : public DeliveryStream {
 public:
  FileStream(std::FILE* f, Compression c, Progress* progress)
      : buf_(f, c, progress), stream_(&buf_), c_(c) {}
  std::istream& stream() override { return stream_; }
  Compression compression() const override { return c_; }
  std::optional<std::string> error() const override { return buf_.error(); }

 private:
  DecompressBuf buf_;
  std::istream stream_;
  Compression c_;
};

// Serves `prefix`, then the rest of `rest`.
class ChainBuf final : public std::streambuf {
 public:
  ChainBuf(std::string prefix, std::streambuf* rest) : prefix_(std::move(prefix)), rest_(rest) {
    setg(prefix_.data(), prefix_.data(), prefix_.data() + prefix_.size());
  }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    if (!rest_) return traits_type::eof();
    buf_.resize(kBufSize);
    std::streamsize n = rest_->sgetn(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    if (n <= 0) {
      rest_ = nullptr;
      return traits_type::eof();
    }
    setg(buf_.data(), buf_.data(), buf_.data() + n);
    return traits_type::to_int_type(*gptr());
  }

 private:
  std::string prefix_;
  std::streambuf* rest_;
  std::string buf_;
};

std::string_view StripCompressionSuffix(std::string_view name) {
  for (std::string_view s : {".gz", ".gzip", ".zst", ".zstd"}) {
    if (name.size() > s.size() && name.substr(name.size() - s.size()) == s) {
      return name.substr(0, name.size() - s.size());
    }
  }
  return name;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

Format Guess(std::string_view name, std::string_view head) {
  name = StripCompressionSuffix(name);
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  if (EndsWith(lower, ".jsonl") || EndsWith(lower, ".ndjson")) return Format::kJsonLines;
  bool json_ext = EndsWith(lower, ".json");
  bool csv_ext = EndsWith(lower, ".csv") || EndsWith(lower, ".tsv") || EndsWith(lower, ".txt") ||
                 EndsWith(lower, ".psv");
  if (csv_ext) return Format::kCsv;
  if (head.substr(0, 3) == "\xEF\xBB\xBF") head.remove_prefix(3);
  size_t i = head.find_first_not_of(" \t\r\n");
  char first = i == std::string_view::npos ? '\0' : head[i];
  if (first == '[') return Format::kJsonArray;
  if (first == '{' || json_ext) return Format::kJsonLines;
  return Format::kCsv;
}

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Turns JSON objects into rows over a growing column list.
class JsonRows {
 public:
  JsonRows(const std::string& display, RecordSink& sink) : display_(display), sink_(sink) {}

  // Parses one object from `text` (which must have SIMDJSON_PADDING spare
  // bytes of capacity after its end).
  void Take(std::string& text, std::int64_t line) {
    ++rows_;
    if (text.capacity() < text.size() + simdjson::SIMDJSON_PADDING) {
      text.reserve(text.size() + simdjson::SIMDJSON_PADDING);
    }
    simdjson::padded_string_view view(text.data(), text.size(), text.capacity());
    std::fill(values_.begin(), values_.end(), std::string());
    std::string error = Parse(view);
    if (!error.empty()) {
      sink_.Malformed(line, fmt::format("{}:{}: {}", display_, line, error));
      return;
    }
    sink_.Row(line, values_);
  }
  std::int64_t rows() const { return rows_; }

 private:
  std::string Parse(simdjson::padded_string_view view) {
    using namespace simdjson;
    ondemand::document doc;
    if (auto e = parser_.iterate(view).get(doc)) return fmt::format("not valid JSON ({})", error_message(e));
    ondemand::json_type doc_type;
    if (auto e = doc.type().get(doc_type)) return fmt::format("not valid JSON ({})", error_message(e));
    if (doc_type != ondemand::json_type::object) return "expected a JSON object";
    ondemand::object obj;
    if (auto e = doc.get_object().get(obj)) return fmt::format("not valid JSON ({})", error_message(e));
    for (auto field : obj) {
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return fmt::format("not valid JSON ({})", error_message(e));
      size_t index = ColumnOf(key);
      ondemand::value v = field.value();
      ondemand::json_type type;
      if (auto e = v.type().get(type)) return fmt::format("not valid JSON ({})", error_message(e));
      std::string_view text;
      error_code e = SUCCESS;
      switch (type) {
        case ondemand::json_type::string: e = v.get_string().get(text); break;
        case ondemand::json_type::number: text = v.raw_json_token(); break;
        case ondemand::json_type::boolean: {
          bool b = false;
          e = v.get_bool().get(b);
          text = b ? "true" : "false";
          break;
        }
        case ondemand::json_type::null: break;
        case ondemand::json_type::object: {
          ondemand::object o;
          e = v.get_object().get(o);
          if (!e) e = o.raw_json().get(text);
          break;
        }
        case ondemand::json_type::array: {
          ondemand::array a;
          e = v.get_array().get(a);
          if (!e) e = a.raw_json().get(text);
          break;
        }
      }
      if (e) return fmt::format("not valid JSON ({})", error_message(e));
      while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\r' ||
                               text.back() == '\t')) {
        text.remove_suffix(1);
      }
      values_[index].assign(text);
    }
    return "";
  }

  size_t ColumnOf(std::string_view key) {
    auto it = index_.find(key);
    if (it != index_.end()) return it->second;
    size_t i = columns_.size();
    columns_.emplace_back(key);
    index_.emplace(std::string(key), i);
    values_.emplace_back();
    sink_.Columns(columns_);
    return i;
  }

  const std::string& display_;
  RecordSink& sink_;
  simdjson::ondemand::parser parser_;
  std::vector<std::string> columns_;
  std::unordered_map<std::string, size_t, StringHash, std::equal_to<>> index_;
  std::vector<std::string> values_;
  std::int64_t rows_ = 0;
};

Result<std::int64_t> ReadCsv(std::istream& in, std::string_view head, const std::string& display,
                             RecordSink& sink) {
  CsvReader reader(in, DetectCsvDialect(head), display);
  std::vector<std::string> fields;
  if (!reader.Next(fields)) {
    if (reader.error()) return Fail(*reader.error());
    return 0;  // an empty delivery: no columns, no rows
  }
  for (size_t i = 0; i < fields.size(); ++i) {
    if (!IsValidUtf8(fields[i])) {
      return Fail(Error::Invalid(fmt::format("{}:{}: invalid UTF-8 in the header, column {}",
                                             display, reader.line(), i + 1)));
    }
  }
  const std::vector<std::string> header = fields;
  sink.Columns(header);
  std::int64_t rows = 0;
  while (reader.Next(fields)) {
    ++rows;
    if (fields.size() != header.size()) {
      // A lone empty field is a line with only spaces stripped to nothing.
      if (fields.size() == 1 && fields[0].find_first_not_of(" \t") == std::string::npos) {
        --rows;
        continue;
      }
      sink.Malformed(reader.line(),
                     fmt::format("{}:{}: expected {} fields as in the header, got {}", display,
                                 reader.line(), header.size(), fields.size()));
      continue;
    }
    bool bad = false;
    for (size_t i = 0; i < fields.size() && !bad; ++i) {
      if (!IsValidUtf8(fields[i])) {
        sink.Malformed(reader.line(), fmt::format("{}:{}: invalid UTF-8 in column \"{}\"", display,
                                                  reader.line(), header[i]));
        bad = true;
      }
    }
    if (!bad) sink.Row(reader.line(), fields);
  }
  if (reader.error()) return Fail(*reader.error());
  return rows;
}

Result<std::int64_t> ReadJsonLines(std::istream& in, const std::string& display, RecordSink& sink) {
  JsonRows rows(display, sink);
  std::string line;
  std::int64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (number == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    rows.Take(line, number);
  }
  return rows.rows();
}

// Splits `[ {...}, {...} ]` into elements without parsing them.
Result<std::int64_t> ReadJsonArray(std::istream& in, const std::string& display, RecordSink& sink) {
  JsonRows rows(display, sink);
  std::streambuf* buf = in.rdbuf();
  std::int64_t line = 1;
  std::string element;
  std::int64_t element_line = 0;
  int depth = 0;
  bool in_string = false, escaped = false, opened = false, closed = false, bom = true;
  auto fail = [&](std::string what) {
    return Fail(Error::Invalid(fmt::format("{}:{}: {}", display, line, what)));
  };
  for (int ci = buf->sbumpc(); ci != std::char_traits<char>::eof(); ci = buf->sbumpc()) {
    char c = static_cast<char>(ci);
    if (bom) {
      bom = false;
      if (static_cast<unsigned char>(c) == 0xEF) {
        buf->sbumpc();
        buf->sbumpc();
        continue;
      }
    }
    if (c == '\n') ++line;
    if (depth > 0) {
      element.push_back(c);
      if (in_string) {
        if (escaped) escaped = false;
        else if (c == '\\') escaped = true;
        else if (c == '"') in_string = false;
      } else if (c == '"') {
        in_string = true;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) {
          rows.Take(element, element_line);
          element.clear();
        }
      }
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (closed) return fail("unexpected text after the closing ']' of the JSON array");
    if (!opened) {
      if (c != '[') return fail(fmt::format("expected a JSON array starting with '[', got '{}'", c));
      opened = true;
    } else if (c == ',') {
      continue;
    } else if (c == ']') {
      closed = true;
    } else if (c == '{' || c == '[') {
      depth = 1;
      element_line = line;
      element.assign(1, c);
    } else {
      // A scalar element: collect it up to the next ',' or ']' and let the
      // parser say it is not an object.
      element_line = line;
      element.assign(1, c);
      for (int n = buf->sgetc(); n != std::char_traits<char>::eof() && n != ',' && n != ']';
           n = buf->sgetc()) {
        element.push_back(static_cast<char>(buf->sbumpc()));
      }
      rows.Take(element, element_line);
      element.clear();
    }
  }
  if (depth > 0) return fail(fmt::format("unterminated JSON array element (opened on line {})", element_line));
  if (!opened) return 0;
  if (!closed) return fail("unterminated JSON array: missing ']'");
  return rows.rows();
}

}  // namespace

std::string_view FormatName(Format f) {
  switch (f) {
    case Format::kAuto: return "auto";
    case Format::kCsv: return "csv";
    case Format::kJsonLines: return "jsonl";
    case Format::kJsonArray: return "json";
  }
  return "auto";
}

std::optional<Format> ParseFormat(std::string_view name) {
  for (Format f : {Format::kAuto, Format::kCsv, Format::kJsonLines, Format::kJsonArray}) {
    if (FormatName(f) == name) return f;
  }
  return std::nullopt;
}

std::string_view CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone: return "none";
    case Compression::kGzip: return "gzip";
    case Compression::kZstd: return "zstd";
  }
  return "none";
}

std::string Compress(std::string_view text, Compression c) {
  if (c == Compression::kZstd) {
    std::string out(ZSTD_compressBound(text.size()), '\0');
    size_t n = ZSTD_compress(out.data(), out.size(), text.data(), text.size(), 3);
    out.resize(ZSTD_isError(n) ? 0 : n);
    return out;
  }
  if (c == Compression::kGzip) {
    z_stream zs{};
    deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    std::string out(deflateBound(&zs, static_cast<uLong>(text.size())) + 64, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    zs.avail_in = static_cast<uInt>(text.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
  }
  return std::string(text);
}

Result<std::unique_ptr<DeliveryStream>> DeliveryStream::Open(const std::filesystem::path& path,
                                                             Progress* progress) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    return Fail(Error::Io(fmt::format("{}: cannot open: {}", path.string(), std::strerror(errno))));
  }
  std::array<unsigned char, 4> magic{};
  size_t n = std::fread(magic.data(), 1, magic.size(), f);
  std::rewind(f);
  Compression c = Compression::kNone;
  if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) c = Compression::kGzip;
  if (n >= 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd) {
    c = Compression::kZstd;
  }
  return std::unique_ptr<DeliveryStream>(std::make_unique<FileStream>(f, c, progress));
}

Result<ReadStats> ReadRecords(std::istream& in, Format format, const std::string& display,
                              std::string_view extension_hint, RecordSink& sink) {
  std::string head(kSniff, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  if (format == Format::kAuto) format = Guess(extension_hint, head);
  std::string sniff = format == Format::kCsv ? head : std::string();
  ChainBuf chain(std::move(head), in.rdbuf());
  std::istream chained(&chain);
  ReadStats stats;
  stats.format = format;
  Result<std::int64_t> rows = 0;
  try {
    switch (format) {
      case Format::kCsv: rows = ReadCsv(chained, sniff, display, sink); break;
      case Format::kJsonLines: rows = ReadJsonLines(chained, display, sink); break;
      case Format::kJsonArray: rows = ReadJsonArray(chained, display, sink); break;
      case Format::kAuto: break;
    }
  } catch (const std::exception& e) {
    return Fail(Error::Invalid(fmt::format("{}: {}", display, e.what())));
  }
  if (!rows) return Fail(rows.error());
  stats.rows = *rows;
  return stats;
}

Result<ReadStats> ReadDelivery(const std::filesystem::path& path, Format format, RecordSink& sink,
                               Progress* progress) {
  auto stream = DeliveryStream::Open(path, progress);
  if (!stream) return Fail(stream.error());
  const std::string display = path.filename().string();
  auto stats = ReadRecords((*stream)->stream(), format, display, display, sink);
  // A decompression error explains a parse error that follows from it.
  if (auto e = (*stream)->error()) return Fail(Error::Invalid(fmt::format("{}: {}", display, *e)));
  if (!stats) return Fail(stats.error());
  stats->compression = (*stream)->compression();
  return stats;
}

}  // namespace ctodesk::suppliers
