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
#include <deque>
#include <unordered_map>

#include <fmt/format.h>
#include <simdjson.h>
#include <zlib.h>
#include <zstd.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>

#include "core/cores.h"
#include "core/csv.h"
#include "desks/suppliers/csv_scan.h"

namespace ctodesk::suppliers {

namespace {

constexpr size_t kBufSize = 1 << 20;
constexpr size_t kSniff = 64 * 1024;

// Reads a file, decompressing gzip or zstd when its magic bytes say so. A
// compressed file is decompressed on a thread of its own, a few chunks ahead
// of the reader, when the process may use more than one core: the checks
// then run while the next chunks are decompressed instead of after.
class DecompressBuf final : public std::streambuf {
 public:
  DecompressBuf(std::FILE* f, Compression c, Progress* progress)
      : f_(f), c_(c), progress_(progress), in_(kBufSize) {
    if (c_ == Compression::kGzip) {
      std::memset(&zs_, 0, sizeof zs_);
      inflateInit2(&zs_, 15 + 32);  // +32: accept gzip and zlib headers
    } else if (c_ == Compression::kZstd) {
      zd_ = ZSTD_createDStream();
      ZSTD_initDStream(zd_);
    }
    current_.resize(kBufSize);
    setg(current_.data(), current_.data(), current_.data());
    if (c_ != Compression::kNone && UsableCores() > 1) {
      for (int i = 0; i < kChunksAhead; ++i) spare_.emplace_back(kBufSize);
      producer_ = std::thread([this] { Produce(); });
    }
  }
  ~DecompressBuf() override {
    StopProducer();
    if (c_ == Compression::kGzip) inflateEnd(&zs_);
    if (zd_) ZSTD_freeDStream(zd_);
    std::fclose(f_);
  }
  // What went wrong reading the file, if anything; stops decompressing ahead.
  std::optional<std::string> error() {
    StopProducer();
    return error_;
  }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    if (!producer_.joinable()) {
      current_.resize(kBufSize);
      size_t n = Fill(current_.data(), current_.size());
      if (n == 0) return traits_type::eof();
      setg(current_.data(), current_.data(), current_.data() + n);
      return traits_type::to_int_type(*gptr());
    }
    std::unique_lock<std::mutex> lock(mutex_);
    spare_.push_back(std::move(current_));
    changed_.notify_all();
    changed_.wait(lock, [&] { return !ready_.empty() || produced_all_; });
    if (ready_.empty()) {
      current_.clear();
      setg(nullptr, nullptr, nullptr);
      return traits_type::eof();
    }
    current_ = std::move(ready_.front());
    ready_.pop_front();
    setg(current_.data(), current_.data(), current_.data() + current_.size());
    return traits_type::to_int_type(*gptr());
  }

 private:
  static constexpr int kChunksAhead = 3;

  // The decompressing thread: fills spare chunks and queues them in order.
  void Produce() {
    for (;;) {
      std::vector<char> chunk;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] { return stop_ || !spare_.empty(); });
        if (stop_) break;
        chunk = std::move(spare_.back());
        spare_.pop_back();
      }
      chunk.resize(kBufSize);
      size_t n = Fill(chunk.data(), chunk.size());
      chunk.resize(n);
      std::lock_guard<std::mutex> lock(mutex_);
      if (n == 0) break;
      ready_.push_back(std::move(chunk));
      changed_.notify_all();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    produced_all_ = true;
    changed_.notify_all();
  }
  void StopProducer() {
    if (!producer_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    producer_.join();
  }

  // Refills the raw input buffer; false at the end of the file.
  bool ReadRaw() {
    in_len_ = std::fread(in_.data(), 1, in_.size(), f_);
    in_pos_ = 0;
    if (progress_) progress_->Add(static_cast<std::int64_t>(in_len_));
    return in_len_ > 0;
  }

  // Up to `cap` decompressed bytes into `out`; 0 at the end or after an error.
  size_t Fill(char* out, size_t cap) {
    if (error_ || done_) return 0;
    switch (c_) {
      case Compression::kNone: {
        size_t n = std::fread(out, 1, cap, f_);
        if (n == 0) done_ = true;
        if (progress_) progress_->Add(static_cast<std::int64_t>(n));
        return n;
      }
      case Compression::kGzip: return FillGzip(out, cap);
      case Compression::kZstd: return FillZstd(out, cap);
    }
    return 0;
  }

  size_t FillGzip(char* out, size_t cap) {
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
      zs_.next_out = reinterpret_cast<Bytef*>(out);
      zs_.avail_out = static_cast<uInt>(cap);
      int rc = inflate(&zs_, Z_NO_FLUSH);
      in_pos_ = in_len_ - zs_.avail_in;
      size_t produced = cap - zs_.avail_out;
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

  size_t FillZstd(char* out_bytes, size_t cap) {
    for (;;) {
      if (in_pos_ == in_len_ && !ReadRaw()) {
        if (zstd_pending_) error_ = "truncated zstd data (the archive ends mid-frame)";
        done_ = true;
        return 0;
      }
      ZSTD_inBuffer in{in_.data(), in_len_, in_pos_};
      ZSTD_outBuffer out{out_bytes, cap, 0};
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
  std::vector<char> in_;
  size_t in_len_ = 0, in_pos_ = 0;
  z_stream zs_{};
  bool member_ended_ = false;
  ZSTD_DStream* zd_ = nullptr;
  bool zstd_pending_ = false;
  bool done_ = false;
  std::optional<std::string> error_;  // written by the producer until it is joined
  std::vector<char> current_;         // the chunk being read

  // Decompressing ahead (only when producer_ runs): chunks to fill, chunks
  // filled in file order, and whether the producer is to stop or has ended.
  std::thread producer_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::vector<char>> spare_;
  std::deque<std::vector<char>> ready_;
  bool stop_ = false, produced_all_ = false;
};

class FileStream final : public DeliveryStream {
 public:
  FileStream(std::FILE* f, Compression c, Progress* progress)
      : buf_(f, c, progress), stream_(&buf_), c_(c) {}
  std::istream& stream() override { return stream_; }
  Compression compression() const override { return c_; }
  std::optional<std::string> error() const override { return buf_.error(); }

 private:
  mutable DecompressBuf buf_;  // error() stops its decompressing ahead
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
      sink_.Malformed(line, display_, std::move(error));
      return;
    }
    views_.assign(values_.begin(), values_.end());
    sink_.Row(line, views_);
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
  std::vector<std::string_view> views_;
  std::int64_t rows_ = 0;
};

// Turns scanned CSV records into sink calls: the header first, then rows
// checked for their field count and (unless already known good) UTF-8,
// handed to the sink in batches of kBatchRows straight from the scanner's
// fields (it must keep them: CsvScanner::set_keep_fields) by Flush(), which
// the reader calls after every Scan, while the scanned bytes are still in
// place, and which runs before any Malformed call so the sink sees records
// in file order.
class CsvRecords {
 public:
  CsvRecords(const std::string& display, RecordSink& sink) : display_(display), sink_(sink) {}
  // A reader of a later part of the file: the header is known.
  CsvRecords(const std::string& display, RecordSink& sink, const std::vector<std::string>& header)
      : display_(display), sink_(sink), header_(header), have_header_(true) {}

  static constexpr size_t kBatchRows = 128;

  // Takes the record the scanner is handing out. False when reading has to
  // stop (a header that is not UTF-8).
  bool Take(CsvScanner& scanner, std::int64_t line, const std::vector<std::string_view>& all, bool utf8_known) {
    const std::string_view* fields = all.data() + scanner.record_first();
    const size_t count = all.size() - scanner.record_first();
    if (!have_header_) {
      for (size_t i = 0; i < count; ++i) {
        if (!simdjson::validate_utf8(fields[i])) {
          fatal_ = Error::Invalid(
              fmt::format("{}:{}: invalid UTF-8 in the header, column {}", display_, line, i + 1));
          return false;
        }
      }
      header_.assign(fields, fields + count);
      have_header_ = true;
      scanner.DropRecord();
      sink_.Columns(header_);
      return true;
    }
    ++rows_;
    if (count != header_.size()) {
      // A lone empty field is a line with only spaces stripped to nothing.
      if (count == 1 && fields[0].find_first_not_of(" \t") == std::string_view::npos) {
        --rows_;
        scanner.DropRecord();
        return true;
      }
      std::string what = fmt::format("expected {} fields as in the header, got {}", header_.size(), count);
      scanner.DropRecord();
      Flush(scanner);
      sink_.Malformed(line, display_, std::move(what));
      return true;
    }
    if (!utf8_known) {
      for (size_t i = 0; i < count; ++i) {
        if (!simdjson::validate_utf8(fields[i])) {
          scanner.DropRecord();
          Flush(scanner);
          sink_.Malformed(line, display_, fmt::format("invalid UTF-8 in column \"{}\"", header_[i]));
          return true;
        }
      }
    }
    lines_[batched_] = line;
    if (++batched_ == kBatchRows) Flush(scanner);
    return true;
  }
  // Hands the rows taken so far to the sink and clears the scanner's fields.
  void Flush(CsvScanner& scanner) {
    if (batched_ > 0) sink_.Rows(lines_.data(), scanner.fields().data(), batched_, header_.size());
    batched_ = 0;
    scanner.ClearFields();
  }
  bool have_header() const { return have_header_; }
  const std::vector<std::string>& header() const { return header_; }
  std::int64_t rows() const { return rows_; }
  const std::optional<Error>& fatal() const { return fatal_; }

 private:
  const std::string& display_;
  RecordSink& sink_;
  std::vector<std::string> header_;
  bool have_header_ = false;
  std::int64_t rows_ = 0;
  std::optional<Error> fatal_;
  std::vector<std::int64_t> lines_ = std::vector<std::int64_t>(kBatchRows);  // the batch's lines
  size_t batched_ = 0;  // rows in the batch (their fields are the scanner's first ones)
};

// The error of a scanner that ended inside quotes; its lines are
// `line_offset` short of the file's.
Error UnterminatedQuote(const std::string& display, const CsvScanner& scanner, std::int64_t line_offset) {
  return Error::Invalid(fmt::format("{}:{}: unterminated quoted field (opened on line {})", display,
                                    scanner.error_line() + line_offset, scanner.error_opened_on() + line_offset));
}

bool StartsWithBom(const char* p, size_t n) { return n >= 3 && std::memcmp(p, "\xEF\xBB\xBF", 3) == 0; }

// CSV from a stream (decompressed data): read in big blocks, each scanned in
// place; a record cut by the end of a block is scanned again with the next.
Result<std::int64_t> ReadCsv(std::istream& in, std::string_view head, const std::string& display,
                             RecordSink& sink, size_t block) {
  CsvScanner scanner(DetectCsvDialect(head));
  scanner.set_keep_fields(true);
  CsvRecords records(display, sink);
  std::vector<char> buf(std::max<size_t>(block, 16));
  size_t start = 0, len = 0;
  bool eof = false, first = true;
  std::streambuf* sb = in.rdbuf();
  for (;;) {
    if (start > 0) {
      std::memmove(buf.data(), buf.data() + start, len - start);
      len -= start;
      start = 0;
    }
    if (len == buf.size()) buf.resize(buf.size() * 2);  // one record longer than a block
    while (!eof && len < buf.size()) {
      std::streamsize n = sb->sgetn(buf.data() + len, static_cast<std::streamsize>(buf.size() - len));
      if (n <= 0) eof = true;
      else len += static_cast<size_t>(n);
    }
    if (first) {
      first = false;
      if (StartsWithBom(buf.data(), len)) start = 3;
    }
    const char* begin = buf.data() + start;
    const char* end = buf.data() + len;
    // One UTF-8 check for all records that end before the last line end.
    const char* checked_to = end;
    if (!eof) {
      const void* lf = memrchr(begin, '\n', static_cast<size_t>(end - begin));
      checked_to = lf ? static_cast<const char*>(lf) + 1 : begin;
    }
    if (!simdjson::validate_utf8(begin, static_cast<size_t>(checked_to - begin))) checked_to = begin;
    const char* pos = begin;
    auto stop = scanner.Scan(pos, end, eof, end,
                             [&](std::int64_t line, const std::vector<std::string_view>& fields,
                                 const char*, const char* record_end) {
                               return records.Take(scanner, line, fields, record_end <= checked_to);
                             });
    records.Flush(scanner);  // before the buffer moves
    if (records.fatal()) return Fail(*records.fatal());
    if (stop == CsvScanner::Stop::kError) return Fail(UnterminatedQuote(display, scanner, 0));
    if (stop == CsvScanner::Stop::kEnd) return records.rows();
    start = static_cast<size_t>(pos - buf.data());
  }
}

// ------------------------------------------------------- memory-mapped CSV

// A read-only mapping of a whole file.
class MappedFile {
 public:
  static std::optional<MappedFile> Map(std::FILE* f, size_t size) {
    if (size == 0) return std::nullopt;
    void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fileno(f), 0);
    if (p == MAP_FAILED) return std::nullopt;
    int fd = fcntl(fileno(f), F_DUPFD_CLOEXEC, 0);
    if (fd < 0) {
      munmap(p, size);
      return std::nullopt;
    }
    madvise(p, size, MADV_SEQUENTIAL);
    // The parts are read with pread() on this descriptor, each from front to
    // back: a larger read-ahead halves the time of a file not yet cached.
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    return MappedFile(static_cast<const char*>(p), size, fd);
  }
  MappedFile(MappedFile&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), size_(o.size_), fd_(std::exchange(o.fd_, -1)) {}
  MappedFile(const MappedFile&) = delete;
  ~MappedFile() {
    if (data_) munmap(const_cast<char*>(data_), size_);
    if (fd_ >= 0) close(fd_);
  }
  const char* data() const { return data_; }
  size_t size() const { return size_; }
  int fd() const { return fd_; }  // open on the mapped file, for pread()

 private:
  MappedFile(const char* d, size_t n, int fd) : data_(d), size_(n), fd_(fd) {}
  const char* data_;
  size_t size_;
  int fd_;
};

struct RangeEnd {
  CsvScanner::Stop stop;
  const char* pos;
};

// Scans records from `pos` until the first record boundary at or past
// `halt_at` (or the end of the file). The bytes are read with pread() into
// `buf` (reused), a buffer at a time UTF-8-checked in one go before its
// records are handed out. Reading rather than going through the mapping
// saves the kernel mapping and unmapping every page: a page is copied once
// into a buffer that stays in cache. A record longer than the buffer is
// scanned in the mapping instead, so memory stays flat even when a wrongly
// guessed part start makes the rest of the file look like one quoted field.
// `pos`, `halt_at` and the position returned point into the mapping.
RangeEnd ScanRange(const MappedFile& file, CsvScanner& scanner, CsvRecords& records, const char* pos,
                   const char* halt_at, Progress* progress, std::vector<char>& buf) {
  const auto size = static_cast<std::int64_t>(file.size());
  const std::int64_t halt = halt_at - file.data();
  std::int64_t at = pos - file.data();  // the file offset of buf[0]
  size_t len = 0;                       // bytes in buf
  for (;;) {
    while (len < buf.size() && at + static_cast<std::int64_t>(len) < size) {
      const std::int64_t from = at + static_cast<std::int64_t>(len);
      const ssize_t n = pread(file.fd(), buf.data() + len,
                              static_cast<size_t>(std::min<std::int64_t>(static_cast<std::int64_t>(buf.size() - len),
                                                                         size - from)),
                              from);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        throw std::runtime_error(n < 0 ? fmt::format("cannot read: {}", std::strerror(errno))
                                       : std::string("the file shrank while it was read"));
      }
      len += static_cast<size_t>(n);
    }
    const bool final = at + static_cast<std::int64_t>(len) >= size;
    const char* begin = buf.data();
    const char* end = begin + len;
    const char* stop_at = halt - at < static_cast<std::int64_t>(len) ? begin + (halt - at) : end;
    // One UTF-8 check for all records that end before the last line end.
    const char* checked_to = end;
    if (!final) {
      const void* lf = memrchr(begin, '\n', len);
      checked_to = lf ? static_cast<const char*>(lf) + 1 : begin;
    }
    if (!simdjson::validate_utf8(begin, static_cast<size_t>(checked_to - begin))) checked_to = begin;
    const char* p = begin;
    auto stop = scanner.Scan(p, end, final, stop_at,
                             [&](std::int64_t line, const std::vector<std::string_view>& fields,
                                 const char*, const char* record_end) {
                               return records.Take(scanner, line, fields, record_end <= checked_to);
                             });
    records.Flush(scanner);  // before the buffer moves
    if (progress) progress->Add(p - begin);
    const char* reached = file.data() + at + (p - begin);
    if (stop != CsvScanner::Stop::kNeedMore) return {stop, reached};
    if (p == begin && len == buf.size()) {
      // The record fills the buffer: that one record from the mapping.
      const char* from = reached;
      stop = scanner.Scan(reached, file.data() + size, true, halt_at,
                          [&](std::int64_t line, const std::vector<std::string_view>& fields, const char*,
                              const char*) {
                            records.Take(scanner, line, fields, false);
                            return false;
                          });
      records.Flush(scanner);
      if (progress) progress->Add(reached - from);
      if (stop != CsvScanner::Stop::kHalt || records.fatal()) return {stop, reached};
      at = reached - file.data();
      len = 0;
      continue;
    }
    std::memmove(buf.data(), p, static_cast<size_t>(end - p));
    len = static_cast<size_t>(end - p);
    at += p - begin;
  }
}

struct Part {
  const char* begin = nullptr;  // a guessed record boundary (just after a '\n')
  const char* end = nullptr;    // the next part's begin, or the end of the file
  // What the part's lines, counted from 1 at `begin` by its scanner, are
  // short of the file's (known once the parts before it are read).
  std::int64_t line_offset = 0;
  std::unique_ptr<RecordSink> fork;  // null for the first part (the caller's sink)
  std::unique_ptr<CsvScanner> scanner;
  std::unique_ptr<CsvRecords> records;
  RangeEnd result{CsvScanner::Stop::kEnd, nullptr};
};

// A plain CSV file, mapped: the header, then the rows on `threads` threads
// when the sink can be forked, else on this one.
//
// Each part after the first is scanned with lines counted from its own
// start, so no pass over the file has to count lines before the parts can
// be read; once the parts are read, each kept part starts on the line the
// part before ended on, and its fork's lines are shifted by that much when
// it is joined. A guessed start follows a '\n' outside quotes only when it
// is a record boundary (a '\n' is never the second half of a lone CR), which
// the part before confirms by ending exactly there.
Result<std::int64_t> ReadMappedCsv(const MappedFile& file, const std::string& display, RecordSink& sink,
                                   Progress* progress, const ReadTuning& tuning, int& kept_parts) {
  const size_t block = std::max<size_t>(tuning.block_bytes, 1);
  kept_parts = 1;
  const char* data = file.data();
  const char* end = data + file.size();
  const char* pos = data;
  CsvScanner scanner(DetectCsvDialect(std::string_view(data, std::min(file.size(), kSniff))));
  scanner.set_keep_fields(true);
  if (StartsWithBom(data, file.size())) pos += 3;
  CsvRecords records(display, sink);
  // The header record alone.
  auto stop = scanner.Scan(pos, end, true, end,
                           [&](std::int64_t line, const std::vector<std::string_view>& fields, const char*,
                               const char*) {
                             records.Take(scanner, line, fields, false);
                             return false;
                           });
  records.Flush(scanner);
  if (records.fatal()) return Fail(*records.fatal());
  if (stop == CsvScanner::Stop::kError) return Fail(UnterminatedQuote(display, scanner, 0));
  if (progress) progress->Add(pos - data);
  if (!records.have_header() || pos == end) return 0;

  // Rows to expect, from the line length of the first MiB.
  const size_t sample = std::min<size_t>(static_cast<size_t>(end - pos), 1 << 20);
  const auto sample_lines = std::count(pos, pos + sample, '\n');
  const double bytes_per_line = static_cast<double>(sample) / static_cast<double>(std::max<std::int64_t>(sample_lines, 1));
  auto expect = [&](const char* b, const char* e) {
    return static_cast<std::int64_t>(static_cast<double>(e - b) / bytes_per_line);
  };
  auto read_alone = [&]() -> Result<std::int64_t> {
    sink.ExpectRows(expect(pos, end));
    std::vector<char> buf(block);
    auto r = ScanRange(file, scanner, records, pos, end, progress, buf);
    if (records.fatal()) return Fail(*records.fatal());
    if (r.stop == CsvScanner::Stop::kError) return Fail(UnterminatedQuote(display, scanner, 0));
    return records.rows();
  };

  unsigned threads = tuning.threads ? tuning.threads : UsableCores();
  std::unique_ptr<RecordSink> probe = threads > 1 ? sink.Fork() : nullptr;
  const auto bytes = static_cast<std::int64_t>(end - pos);
  if (!probe || bytes < tuning.min_parallel_bytes || bytes < static_cast<std::int64_t>(threads)) {
    return read_alone();
  }

  // Guess the boundaries: just after the first '\n' past each equal share.
  std::vector<Part> parts(1);
  parts[0].begin = pos;
  // More parts than threads, taken in turn by whichever thread is free, so a
  // thread slowed down by other work on the machine holds no one up.
  const unsigned wanted = threads * std::max(1u, tuning.parts_per_thread);
  for (unsigned k = 1; k < wanted; ++k) {
    const char* guess = pos + static_cast<std::int64_t>(k) * bytes / wanted;
    if (guess <= parts.back().begin) continue;
    const void* lf = std::memchr(guess - 1, '\n', static_cast<size_t>(end - (guess - 1)));
    if (!lf) break;
    const char* b = static_cast<const char*>(lf) + 1;
    if (b >= end || b <= parts.back().begin) continue;
    parts.emplace_back().begin = b;
  }
  if (parts.size() < 2) return read_alone();
  for (size_t k = 0; k < parts.size(); ++k) parts[k].end = k + 1 < parts.size() ? parts[k + 1].begin : end;

  for (size_t k = 0; k < parts.size(); ++k) {
    Part& p = parts[k];
    if (k == 0) {
      sink.ExpectRows(expect(p.begin, p.end));
      p.scanner = std::make_unique<CsvScanner>(scanner);
      p.records = std::make_unique<CsvRecords>(display, sink, records.header());
    } else {
      p.fork = k == 1 ? std::move(probe) : sink.Fork();
      p.fork->Columns(records.header());
      p.fork->ExpectRows(expect(p.begin, p.end));
      p.scanner = std::make_unique<CsvScanner>(scanner.dialect(), 1);
      p.scanner->set_keep_fields(true);
      p.records = std::make_unique<CsvRecords>(display, *p.fork, records.header());
    }
  }
  std::vector<std::vector<char>> buffers(threads);  // one per thread, made on first use
  ForEachOnThreads(parts.size(), threads, [&](std::size_t k, unsigned worker) {
    std::vector<char>& buf = buffers[worker];
    if (buf.empty()) buf.resize(block);
    Part& p = parts[k];
    p.result = ScanRange(file, *p.scanner, *p.records, p.begin, p.end, progress, buf);
  });

  // Keep the parts whose guessed start proved to be a record boundary: the
  // part before ended exactly there. After the first wrong guess, the part
  // before it reads on to the end and the later parts are dropped. A kept
  // part starts on the line the part before ended on.
  size_t kept = 1;
  for (; kept < parts.size(); ++kept) {
    const Part& before = parts[kept - 1];
    if (before.records->fatal()) break;
    if (before.result.stop != CsvScanner::Stop::kHalt || before.result.pos != parts[kept].begin) break;
    parts[kept].line_offset = before.line_offset + before.scanner->line() - 1;
  }
  Part& last = parts[kept - 1];
  if (kept < parts.size() && last.result.stop == CsvScanner::Stop::kHalt && !last.records->fatal()) {
    std::vector<char> buf(block);
    last.result = ScanRange(file, *last.scanner, *last.records, last.result.pos, end, nullptr, buf);
  }
  kept_parts = static_cast<int>(kept);
  std::int64_t rows = 0;
  for (size_t k = 0; k < kept; ++k) {
    rows += parts[k].records->rows();
    if (k > 0) sink.Join(*parts[k].fork, parts[k].line_offset);
  }
  // Only the header can be fatal (a later part knows it already), so only
  // the first part's records can hold such an error; its lines are the file's.
  if (last.records->fatal()) return Fail(*last.records->fatal());
  if (last.result.stop == CsvScanner::Stop::kError) {
    return Fail(UnterminatedQuote(display, *last.scanner, last.line_offset));
  }
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

std::string MalformedMessage(std::string_view file, std::int64_t line, std::string_view what) {
  return fmt::format("{}:{}: {}", file, line, what);
}

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
                              std::string_view extension_hint, RecordSink& sink, ReadTuning tuning) {
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
      case Format::kCsv: rows = ReadCsv(chained, sniff, display, sink, tuning.block_bytes); break;
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
                               Progress* progress, ReadTuning tuning) {
  const std::string display = path.filename().string();
  {
    // A plain CSV file is mapped and scanned in place, on several threads
    // when it is large; compressed files and JSON go through the stream.
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) {
      return Fail(Error::Io(fmt::format("{}: cannot open: {}", path.string(), std::strerror(errno))));
    }
    std::error_code ec;
    auto size = std::filesystem::file_size(path, ec);
    std::optional<MappedFile> map = ec ? std::nullopt : MappedFile::Map(f, static_cast<size_t>(size));
    std::fclose(f);
    if (map) {
      const auto* b = reinterpret_cast<const unsigned char*>(map->data());
      bool gzip = map->size() >= 2 && b[0] == 0x1f && b[1] == 0x8b;
      bool zstd = map->size() >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd;
      Format f2 = format == Format::kAuto
                      ? Guess(display, std::string_view(map->data(), std::min(map->size(), kSniff)))
                      : format;
      if (!gzip && !zstd && f2 == Format::kCsv) {
        Result<std::int64_t> rows = 0;
        int parts = 1;
        try {
          rows = ReadMappedCsv(*map, display, sink, progress, tuning, parts);
        } catch (const std::exception& e) {
          return Fail(Error::Invalid(fmt::format("{}: {}", display, e.what())));
        }
        if (!rows) return Fail(rows.error());
        ReadStats stats;
        stats.format = Format::kCsv;
        stats.rows = *rows;
        stats.parts = parts;
        return stats;
      }
    }
  }
  auto stream = DeliveryStream::Open(path, progress);
  if (!stream) return Fail(stream.error());
  auto stats = ReadRecords((*stream)->stream(), format, display, display, sink, tuning);
  // A decompression error explains a parse error that follows from it.
  if (auto e = (*stream)->error()) return Fail(Error::Invalid(fmt::format("{}: {}", display, *e)));
  if (!stats) return Fail(stats.error());
  stats->compression = (*stream)->compression();
  return stats;
}

}  // namespace ctodesk::suppliers
