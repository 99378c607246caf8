// File checks. Archives are read entry by entry through libarchive's
// streaming reader: every data block of every entry is pulled, which makes the
// decompressor check its framing and CRCs (gzip, xz, zip; zstd when the
// archive carries checksums) and exposes truncation at the entry where the
// bytes run out. Tar itself has no data checksums, which is why the
// `checksums` mode exists.
//
// Hashes go through OpenSSL EVP, which uses the CPU's SHA extensions where
// there are any.
#include "desks/backups/verify.h"
#include "core/hex.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <xxhash.h>
#include <sqlite3.h>

#include "core/size.h"
#include "desks/backups/command.h"

namespace ctodesk::backups {

namespace {

constexpr size_t kBlock = 1 << 20;
constexpr const char* kPgComplete = "-- PostgreSQL database dump complete";

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveDeleter>;

std::string ArchiveError(archive* a) {
  const char* e = archive_error_string(a);
  return e ? e : "unknown libarchive error";
}

// Entry names come from the archive: keep them printable and short.
std::string Printable(std::string_view name) {
  std::string out;
  for (unsigned char c : name) {
    if (out.size() >= 200) {
      out += "…";
      break;
    }
    if (c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", c);
    else out += static_cast<char>(c);
  }
  return out;
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Opens a regular file for reading; O_NONBLOCK so that a FIFO that slipped in
// cannot block us.
int OpenForRead(const std::filesystem::path& file, std::string* error) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) *error = fmt::format("cannot be read: {}", std::strerror(errno));
  return fd;
}

bool HasPrefix(const std::filesystem::path& file, std::string_view magic, size_t offset = 0) {
  std::ifstream in(file, std::ios::binary);
  std::string buf(offset + magic.size(), '\0');
  if (!in.read(buf.data(), static_cast<std::streamsize>(buf.size()))) return false;
  return std::string_view(buf).substr(offset) == magic;
}

bool IsCompressed(const std::filesystem::path& file) {
  return HasPrefix(file, "\x1f\x8b") || HasPrefix(file, "\x28\xb5\x2f\xfd") ||
         HasPrefix(file, "\xfd" "7zXZ") || HasPrefix(file, "BZh");
}

std::optional<std::filesystem::path> FindOnPath(std::string_view program) {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "/usr/bin:/bin";
  while (!dirs.empty()) {
    size_t colon = dirs.find(':');
    std::filesystem::path candidate = std::filesystem::path(dirs.substr(0, colon)) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  return std::nullopt;
}

std::string Count(std::int64_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool IsHex(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c); });
}

struct ManifestLine {
  int line = 0;
  std::string hash;  // lower-case hex
  std::string name;
  std::string algorithm;  // HashFile's name: "sha256", "blake2b512", "xxh128", "xxh3", "xxh64"
};

std::string_view DisplayName(std::string_view algorithm) {
  if (algorithm == "sha256") return "SHA-256";
  if (algorithm == "blake2b512") return "BLAKE2b";
  if (algorithm == "xxh128") return "XXH128";
  if (algorithm == "xxh3") return "XXH3";
  return "XXH64";
}

// The algorithm of a BSD tag ("SHA256 (name) = ..."), or of a bare hash by its
// length: 64 hex SHA-256 (sha256sum), 128 BLAKE2b-512 (b2sum), 32 XXH128
// (xxh128sum), 16 XXH64 (xxhsum's default; XXH3 is always tagged).
std::string AlgorithmOf(std::string_view tag, size_t hex_length) {
  std::string t = Lower(std::string(tag));
  if (t == "sha256") return hex_length == 64 ? "sha256" : "";
  if (t == "blake2b" || t == "blake2b-512") return hex_length == 128 ? "blake2b512" : "";
  if (t == "xxh128") return hex_length == 32 ? "xxh128" : "";
  if (t == "xxh3") return hex_length == 16 ? "xxh3" : "";
  if (t == "xxh64") return hex_length == 16 ? "xxh64" : "";
  if (!t.empty()) return "";
  switch (hex_length) {
    case 64: return "sha256";
    case 128: return "blake2b512";
    case 32: return "xxh128";
    case 16: return "xxh64";
  }
  return "";
}

// sha256sum / b2sum lines ("HASH  name", "HASH *name") and BSD tags
// ("SHA256 (name) = HASH"). Returns an error naming the first bad line.
std::string ParseManifest(const std::string& text, std::vector<ManifestLine>& out) {
  int number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    ManifestLine m;
    m.line = number;
    std::string tag;
    if (auto paren = line.find(" ("); paren != std::string::npos && line.rfind(") = ") != std::string::npos) {
      size_t close = line.rfind(") = ");
      tag = line.substr(0, paren);
      m.name = line.substr(paren + 2, close - paren - 2);
      m.hash = line.substr(close + 4);
      if (tag.empty()) tag = "?";
    } else {
      size_t space = line.find(' ');
      if (space == std::string::npos || space + 1 >= line.size()) {
        return fmt::format("line {}: expected \"HASH  name\", got \"{}\"", number, Printable(line));
      }
      m.hash = line.substr(0, space);
      m.name = line.substr(space + 1);
      if (!m.name.empty() && (m.name[0] == ' ' || m.name[0] == '*')) m.name.erase(0, 1);
    }
    m.algorithm = IsHex(m.hash) ? AlgorithmOf(tag, m.hash.size()) : "";
    if (m.algorithm.empty()) {
      return fmt::format("line {}: \"{}\" is not a SHA-256, BLAKE2b-512, XXH128, XXH3 or XXH64 hash{}", number,
                         Printable(m.hash.substr(0, 140)),
                         tag.empty() ? "" : fmt::format(" tagged \"{}\"", Printable(tag.substr(0, 40))));
    }
    m.hash = Lower(m.hash);
    out.push_back(std::move(m));
  }
  return "";
}

}  // namespace

const char* VerifyModeName(VerifyMode m) {
  switch (m) {
    case VerifyMode::kArchive: return "archive";
    case VerifyMode::kChecksums: return "checksums";
    case VerifyMode::kSqlite: return "sqlite";
    case VerifyMode::kPgDump: return "pg_dump";
    case VerifyMode::kCommand: return "command";
  }
  return "?";
}

std::optional<VerifyMode> ParseVerifyMode(std::string_view name) {
  for (VerifyMode m : {VerifyMode::kArchive, VerifyMode::kChecksums, VerifyMode::kSqlite,
                       VerifyMode::kPgDump, VerifyMode::kCommand}) {
    if (name == VerifyModeName(m)) return m;
  }
  return std::nullopt;
}

CheckResult CheckArchive(const std::filesystem::path& file, VerifyControl& control) {
  ArchivePtr a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_all(a.get());
  if (archive_read_open_filename(a.get(), file.c_str(), 1 << 16) != ARCHIVE_OK) {
    // libarchive sniffs the format while opening, so junk and early truncation show up here.
    std::string why = ArchiveError(a.get());
    if (why.find("Unrecognized archive format") != std::string::npos) {
      return CheckResult::Bad(fmt::format("not an archive libarchive can read: {}", why));
    }
    return CheckResult::Bad(fmt::format("at its start: {}", why));
  }
  CheckResult r;
  std::int64_t raw_reported = 0;
  auto report = [&] {
    std::int64_t raw = archive_filter_bytes(a.get(), -1);
    if (control.progress && raw > raw_reported) control.progress->Add(raw - raw_reported);
    raw_reported = std::max(raw_reported, raw);
  };
  std::string previous;
  std::int64_t uncompressed = 0;
  while (true) {
    archive_entry* entry = nullptr;
    int rc = archive_read_next_header(a.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) {
      std::string where = r.entries == 0
                              ? "at its start"
                              : fmt::format("after entry {} ({})", r.entries, Printable(previous));
      if (r.entries == 0 && archive_format(a.get()) == 0) {
        return CheckResult::Bad(fmt::format("not an archive libarchive can read: {}", ArchiveError(a.get())));
      }
      return CheckResult::Bad(fmt::format("{}: {} (at byte {} of the file)", where,
                                          ArchiveError(a.get()), archive_filter_bytes(a.get(), -1)));
    }
    ++r.entries;
    const char* name = archive_entry_pathname(entry);
    previous = name ? name : "(no name)";
    const void* buf = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    // ARCHIVE_WARN while reading data is how libarchive reports a zip CRC
    // mismatch: for a verifier that is a failure, not a warning.
    while ((rc = archive_read_data_block(a.get(), &buf, &size, &offset)) == ARCHIVE_OK) {
      uncompressed += static_cast<std::int64_t>(size);
      report();
      if (control.Expired()) {
        r.verdict = Verdict::kInterrupted;
        return r;
      }
    }
    if (rc != ARCHIVE_EOF) {
      return CheckResult::Bad(fmt::format("entry {} ({}): {} (at byte {} of the file)", r.entries,
                                          Printable(previous), ArchiveError(a.get()),
                                          archive_filter_bytes(a.get(), -1)));
    }
  }
  report();
  r.bytes_read = raw_reported;
  if (r.entries == 0) return CheckResult::Bad("the archive has no entries");
  const char* format = archive_format_name(a.get());
  r.notes.push_back(fmt::format("{}, {} unpacked ({})", Count(r.entries, "entry", "entries"),
                                HumanSize(uncompressed), format ? format : "archive"));
  return r;
}

namespace {

// One streaming hash: OpenSSL EVP for the cryptographic ones, libxxhash for XXH*.
class Hasher {
 public:
  static std::unique_ptr<Hasher> Make(std::string_view algorithm, std::string* error);
  virtual ~Hasher() = default;
  virtual void Update(const void* data, size_t size) = 0;
  virtual std::string HexDigest() = 0;
};

class EvpHasher final : public Hasher {
 public:
  explicit EvpHasher(const EVP_MD* md) : ctx_(EVP_MD_CTX_new(), &EVP_MD_CTX_free) {
    EVP_DigestInit_ex(ctx_.get(), md, nullptr);
  }
  void Update(const void* data, size_t size) override { EVP_DigestUpdate(ctx_.get(), data, size); }
  std::string HexDigest() override {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_.get(), digest, &len);
    return Hex(digest, len);
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

// XXH3 (64 or 128 bits) and XXH64, written in xxhsum's canonical (big-endian) form.
class XxHasher final : public Hasher {
 public:
  explicit XxHasher(std::string_view algorithm) : bits_(algorithm == "xxh128" ? 128 : 64), legacy_(algorithm == "xxh64") {
    if (legacy_) {
      state64_ = XXH64_createState();
      XXH64_reset(state64_, 0);
    } else {
      state3_ = XXH3_createState();
      bits_ == 128 ? XXH3_128bits_reset(state3_) : XXH3_64bits_reset(state3_);
    }
  }
  ~XxHasher() override {
    if (state64_) XXH64_freeState(state64_);
    if (state3_) XXH3_freeState(state3_);
  }
  void Update(const void* data, size_t size) override {
    if (legacy_) XXH64_update(state64_, data, size);
    else if (bits_ == 128) XXH3_128bits_update(state3_, data, size);
    else XXH3_64bits_update(state3_, data, size);
  }
  std::string HexDigest() override {
    if (bits_ == 128) {
      XXH128_canonical_t c;
      XXH128_canonicalFromHash(&c, XXH3_128bits_digest(state3_));
      return Hex(c.digest, sizeof(c.digest));
    }
    XXH64_canonical_t c;
    XXH64_canonicalFromHash(&c, legacy_ ? XXH64_digest(state64_) : XXH3_64bits_digest(state3_));
    return Hex(c.digest, sizeof(c.digest));
  }

 private:
  int bits_;
  bool legacy_;
  XXH64_state_t* state64_ = nullptr;
  XXH3_state_t* state3_ = nullptr;
};

std::unique_ptr<Hasher> Hasher::Make(std::string_view algorithm, std::string* error) {
  if (algorithm == "xxh128" || algorithm == "xxh3" || algorithm == "xxh64") {
    return std::make_unique<XxHasher>(algorithm);
  }
  const EVP_MD* md = EVP_get_digestbyname(std::string(algorithm).c_str());
  if (!md) {
    *error = fmt::format("OpenSSL has no {} digest", algorithm);
    return nullptr;
  }
  return std::make_unique<EvpHasher>(md);
}

}  // namespace

std::optional<std::string> HashFile(const std::filesystem::path& file, std::string_view algorithm,
                                    VerifyControl& control, std::string* error) {
  FileDescriptor fd(OpenForRead(file, error));
  if (fd.get() < 0) return std::nullopt;
  ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  auto hasher = Hasher::Make(algorithm, error);
  if (!hasher) return std::nullopt;
  std::vector<unsigned char> buf(kBlock);
  while (true) {
    ssize_t got = ::read(fd.get(), buf.data(), buf.size());
    if (got < 0) {
      if (errno == EINTR) continue;
      *error = fmt::format("read failed: {}", std::strerror(errno));
      return std::nullopt;
    }
    if (got == 0) break;
    hasher->Update(buf.data(), static_cast<size_t>(got));
    if (control.progress) control.progress->Add(got);
    if (control.Expired()) {
      error->clear();
      return std::nullopt;
    }
  }
  return hasher->HexDigest();
}

CheckResult CheckChecksums(const std::filesystem::path& file, VerifyControl& control) {
  namespace fs = std::filesystem;
  const fs::path dir = file.parent_path();
  const std::string base = file.filename().string();
  fs::path manifest;
  bool per_file = false;
  std::error_code ec;
  for (const char* ext : {".sha256", ".sha256sum", ".b2", ".b2sum", ".xxh128", ".xxh3", ".xxh64", ".xxh"}) {
    fs::path p = dir / (base + ext);
    if (fs::is_regular_file(p, ec)) {
      manifest = p;
      per_file = true;
      break;
    }
  }
  if (manifest.empty()) {
    for (const char* name : {"SHA256SUMS", "SHA256SUMS.txt", "sha256sums.txt", "B2SUMS", "b2sums.txt",
                             "XXH128SUMS", "xxh128sums.txt", "XXHSUMS", "xxhsums.txt"}) {
      if (fs::is_regular_file(dir / name, ec)) {
        manifest = dir / name;
        break;
      }
    }
  }
  if (manifest.empty()) {
    return CheckResult::Bad(fmt::format("no checksum manifest beside it (looked for {}.sha256, "
                                        "{}.b2, .xxh128 and SHA256SUMS/B2SUMS/XXH128SUMS in {})",
                                        base, base, dir.string()));
  }
  const std::string mname = manifest.filename().string();
  auto msize = fs::file_size(manifest, ec);
  if (ec || msize > (64u << 20)) {
    return CheckResult::Bad(fmt::format("manifest {}: {}", mname,
                                        ec ? ec.message() : "larger than 64 MB; not a manifest"));
  }
  std::ifstream in(manifest, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) return CheckResult::Bad(fmt::format("manifest {} cannot be read", mname));
  std::vector<ManifestLine> lines;
  if (std::string err = ParseManifest(text, lines); !err.empty()) {
    return CheckResult::Bad(fmt::format("manifest {} {}", mname, err));
  }
  if (lines.empty()) return CheckResult::Bad(fmt::format("manifest {} lists no files", mname));
  const ManifestLine* mine = nullptr;
  for (const ManifestLine& m : lines) {
    fs::path named = dir / m.name;
    bool is_mine = fs::path(m.name).filename() == base &&
                   (named.lexically_normal() == file.lexically_normal() || m.name == base);
    if (is_mine && !mine) {
      mine = &m;
    } else if (per_file && !fs::exists(named, ec)) {
      return CheckResult::Bad(fmt::format("manifest {} line {} names {}, which does not exist", mname,
                                          m.line, Printable(m.name)));
    }
  }
  if (!mine) return CheckResult::Bad(fmt::format("{} is not listed in manifest {}", base, mname));
  const std::string& algorithm = mine->algorithm;
  std::string error;
  auto actual = HashFile(file, algorithm, control, &error);
  CheckResult r;
  if (!actual) {
    if (error.empty()) {
      r.verdict = Verdict::kInterrupted;
      return r;
    }
    return CheckResult::Bad(error);
  }
  r.entries = 1;
  r.bytes_read = static_cast<std::int64_t>(fs::file_size(file, ec));
  if (*actual != mine->hash) {
    return CheckResult::Bad(fmt::format("{} mismatch against {} line {}: expected {}…, got {}…",
                                        DisplayName(algorithm),
                                        mname, mine->line, mine->hash.substr(0, 16), actual->substr(0, 16)));
  }
  r.notes.push_back(fmt::format("{} matches {}", DisplayName(algorithm), mname));
  return r;
}

CheckResult CheckSqlite(const std::filesystem::path& file, VerifyControl& control) {
  // immutable=1: a backup does not change under us, so SQLite takes no locks
  // and writes no -shm or -journal file beside it.
  std::string uri = "file:";
  for (char c : file.string()) {
    if (c == '%' || c == '?' || c == '#') uri += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    else uri += c;
  }
  uri += "?mode=ro&immutable=1";
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(uri.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr);
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
  if (rc != SQLITE_OK) {
    return CheckResult::Bad(fmt::format("cannot be opened: {}", raw ? sqlite3_errmsg(raw) : "out of memory"));
  }
  sqlite3_progress_handler(db.get(), 10000, [](void* c) -> int {
    return static_cast<VerifyControl*>(c)->Expired() ? 1 : 0;
  }, &control);
  auto query = [&](const std::string& sql, std::vector<std::string>& rows, std::string* error) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      *error = sqlite3_errmsg(db.get());
      sqlite3_finalize(stmt);
      return false;
    }
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
      const unsigned char* t = sqlite3_column_text(stmt, 0);
      rows.emplace_back(t ? reinterpret_cast<const char*>(t) : "");
    }
    bool ok = step == SQLITE_DONE;
    if (!ok) *error = sqlite3_errmsg(db.get());
    sqlite3_finalize(stmt);
    return ok;
  };
  CheckResult r;
  std::vector<std::string> rows;
  std::string error;
  if (!query("PRAGMA integrity_check(20)", rows, &error)) {
    if (control.Expired()) {
      r.verdict = Verdict::kInterrupted;
      return r;
    }
    return CheckResult::Bad(fmt::format("not a readable SQLite database: {}", error));
  }
  if (rows.empty() || rows[0] != "ok") {
    return CheckResult::Bad(fmt::format("integrity_check failed ({} problems), first: {}", rows.size(),
                                        rows.empty() ? "(no answer)" : Printable(rows[0])));
  }
  std::vector<std::string> tables;
  if (!query("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
             tables, &error)) {
    return CheckResult::Bad(fmt::format("cannot list tables: {}", error));
  }
  if (tables.empty()) return CheckResult::Bad("the database has no tables");
  std::int64_t total = 0;
  std::vector<std::string> counts;
  for (const std::string& t : tables) {
    std::string quoted = "\"";
    for (char c : t) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    quoted += "\"";
    std::vector<std::string> n;
    if (!query("SELECT count(*) FROM " + quoted, n, &error)) {
      if (control.Expired()) {
        r.verdict = Verdict::kInterrupted;
        return r;
      }
      return CheckResult::Bad(fmt::format("table {}: {}", Printable(t), error));
    }
    std::int64_t rows_in = n.empty() ? 0 : std::stoll(n[0]);
    total += rows_in;
    if (counts.size() < 8) counts.push_back(fmt::format("{} {}", Printable(t), rows_in));
  }
  r.entries = static_cast<std::int64_t>(tables.size());
  std::error_code ec;
  r.bytes_read = static_cast<std::int64_t>(std::filesystem::file_size(file, ec));
  if (control.progress) control.progress->Add(r.bytes_read);
  r.notes.push_back(fmt::format("{}, {} ({}{})", Count(static_cast<std::int64_t>(tables.size()), "table", "tables"),
                                Count(total, "row", "rows"),
                                fmt::join(counts, ", "), tables.size() > counts.size() ? ", …" : ""));
  return r;
}

CheckResult CheckPgDump(const std::filesystem::path& file, VerifyControl& control) {
  std::error_code ec;
  const auto size = static_cast<std::int64_t>(std::filesystem::file_size(file, ec));
  CheckResult r;
  r.bytes_read = size;
  const bool custom = HasPrefix(file, "PGDMP");
  const bool tar = HasPrefix(file, "ustar", 257);
  if (custom || tar) {
    auto pg_restore = FindOnPath("pg_restore");
    if (!pg_restore) {
      r.notes.push_back("pg_restore is not installed (Debian: postgresql-client); the custom-format "
                        "dump was not checked");
      return r;
    }
    CommandSpec spec{pg_restore->string() + " --list {file} >/dev/null", file, "", control.command_timeout};
    if (control.deadline) {
      auto left = std::chrono::duration_cast<Duration>(*control.deadline - std::chrono::steady_clock::now());
      spec.timeout = std::max(Duration(1), std::min(spec.timeout, left));
    }
    CommandResult c = RunCommand(spec);
    if (c.timed_out && control.Expired()) {
      r.verdict = Verdict::kInterrupted;
      return r;
    }
    if (!c.ok) return CheckResult::Bad(fmt::format("pg_restore --list failed: {}", c.error));
    if (control.progress) control.progress->Add(size);
    r.notes.push_back(fmt::format("pg_restore --list reads the {} dump", custom ? "custom-format" : "tar-format"));
    return r;
  }
  // A plain SQL dump: its last line says it is complete. Compressed ones are
  // streamed through libarchive's raw reader to reach the end.
  std::string tail;
  if (IsCompressed(file)) {
    ArchivePtr a(archive_read_new());
    archive_read_support_filter_all(a.get());
    archive_read_support_format_raw(a.get());
    archive_entry* entry = nullptr;
    if (archive_read_open_filename(a.get(), file.c_str(), 1 << 16) != ARCHIVE_OK ||
        archive_read_next_header(a.get(), &entry) != ARCHIVE_OK) {
      return CheckResult::Bad(fmt::format("cannot be decompressed: {}", ArchiveError(a.get())));
    }
    std::int64_t reported = 0;
    std::vector<char> buf(kBlock);
    while (true) {
      la_ssize_t got = archive_read_data(a.get(), buf.data(), buf.size());
      if (got < 0) {
        return CheckResult::Bad(fmt::format("cannot be decompressed: {} (at byte {} of the file)",
                                            ArchiveError(a.get()), archive_filter_bytes(a.get(), -1)));
      }
      if (got == 0) break;
      tail.append(buf.data(), static_cast<size_t>(got));
      if (tail.size() > 8192) tail.erase(0, tail.size() - 4096);
      std::int64_t raw = archive_filter_bytes(a.get(), -1);
      if (control.progress && raw > reported) control.progress->Add(raw - reported);
      reported = std::max(reported, raw);
      if (control.Expired()) {
        r.verdict = Verdict::kInterrupted;
        return r;
      }
    }
  } else {
    std::ifstream in(file, std::ios::binary);
    std::int64_t from = std::max<std::int64_t>(0, size - 4096);
    in.seekg(from);
    tail.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (control.progress) control.progress->Add(size);
  }
  // pg_dump ends with "--\n-- PostgreSQL database dump complete\n--\n\n".
  size_t marker = tail.rfind(kPgComplete);
  bool complete = marker != std::string::npos &&
                  tail.find_first_not_of("-\r\n \t", marker + std::strlen(kPgComplete)) == std::string::npos;
  if (!complete) {
    if (tail.find("PostgreSQL database dump") == std::string::npos &&
        tail.find("CREATE") == std::string::npos && size < 4096) {
      return CheckResult::Bad("not a pg_dump file (no PGDMP header, no SQL dump marker)");
    }
    return CheckResult::Bad(fmt::format("plain SQL dump is incomplete: it does not end with \"{}\"", kPgComplete));
  }
  r.notes.push_back("plain SQL dump ends with pg_dump's completion marker");
  return r;
}

CheckResult CheckCommand(const std::filesystem::path& file, VerifyControl& control) {
  if (control.command.empty()) return CheckResult::Bad("no command configured");
  CommandSpec spec{control.command, file, "", control.command_timeout};
  CommandResult c = RunCommand(spec);
  if (!c.ok) return CheckResult::Bad(c.error);
  CheckResult r;
  r.notes.push_back(fmt::format("command exited 0 in {}", FormatDuration(c.took)));
  return r;
}

CheckResult VerifyFile(const std::filesystem::path& file, const std::vector<VerifyMode>& modes,
                       VerifyControl& control) {
  struct stat st{};
  if (::stat(file.c_str(), &st) != 0) {
    return CheckResult::Bad(fmt::format("cannot be read: {}", std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) return CheckResult::Bad("is not a regular file");
  if (st.st_size == 0) return CheckResult::Bad("is empty (0 bytes)");
  {
    std::string error;
    FileDescriptor fd(OpenForRead(file, &error));
    if (fd.get() < 0) return CheckResult::Bad(error);
  }
  CheckResult all;
  for (VerifyMode mode : modes) {
    CheckResult r;
    switch (mode) {
      case VerifyMode::kArchive: r = CheckArchive(file, control); break;
      case VerifyMode::kChecksums: r = CheckChecksums(file, control); break;
      case VerifyMode::kSqlite: r = CheckSqlite(file, control); break;
      case VerifyMode::kPgDump: r = CheckPgDump(file, control); break;
      case VerifyMode::kCommand: r = CheckCommand(file, control); break;
    }
    if (r.verdict == Verdict::kBad) r.error = fmt::format("{}: {}", VerifyModeName(mode), r.error);
    if (r.verdict != Verdict::kOk) return r;
    all.entries += r.entries;
    all.bytes_read += r.bytes_read;
    for (std::string& n : r.notes) all.notes.push_back(std::move(n));
  }
  return all;
}

}  // namespace ctodesk::backups
