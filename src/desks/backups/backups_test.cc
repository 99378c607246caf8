// Tests for the backups desk: each verify mode against real archives, dumps
// and databases written here with libarchive and SQLite; safe extraction
// against hostile archives; cron cadences; the [backups] config reader; and
// the desk's findings, incremental verification and drills with a memory
// store and a fixed clock. Every file lives in a fresh temporary folder.
#include "desks/backups/backups.h"
#include "desks/backups/command.h"
#include "desks/backups/pg_drill.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "core/config.h"
#include "core/size.h"
#include "desks/backups/cadence.h"
#include "desks/backups/command.h"
#include "desks/backups/drill.h"
#include "desks/backups/verify.h"
#include "store/store.h"

namespace ctodesk::backups {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const TimePoint kNow = *ParseTime("2026-11-27T08:00:00Z");

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "ctodesk_backups_test_XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

std::string Random(size_t n, unsigned seed = 1) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

void WriteText(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
}

std::string ReadText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void SetMtime(const fs::path& p, TimePoint t) {
  timespec times[2] = {{ToUnix(t), 0}, {ToUnix(t), 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, p.c_str(), times, AT_SYMLINK_NOFOLLOW), 0) << p;
}

struct Entry {
  std::string name;
  std::string data;
  mode_t type = AE_IFREG;
  std::string link;  // symlink target, or hard link target when hard
  bool hard = false;
};

enum class Format { kTar, kTarGz, kTarZst, kTarXz, kZip };

// Writes an archive with libarchive; any entry name is allowed (that is the point).
void WriteArchive(const fs::path& p, Format format, const std::vector<Entry>& entries) {
  fs::create_directories(p.parent_path());
  archive* a = archive_write_new();
  if (format == Format::kZip) {
    archive_write_set_format_zip(a);
  } else {
    archive_write_set_format_pax_restricted(a);
    if (format == Format::kTarGz) archive_write_add_filter_gzip(a);
    if (format == Format::kTarZst) archive_write_add_filter_zstd(a);
    if (format == Format::kTarXz) archive_write_add_filter_xz(a);
  }
  ASSERT_EQ(archive_write_open_filename(a, p.c_str()), ARCHIVE_OK) << archive_error_string(a);
  for (const Entry& e : entries) {
    archive_entry* ae = archive_entry_new();
    archive_entry_set_pathname(ae, e.name.c_str());
    archive_entry_set_filetype(ae, e.type);
    archive_entry_set_perm(ae, e.type == AE_IFDIR ? 0755 : 0644);
    if (e.hard) {
      archive_entry_set_hardlink(ae, e.link.c_str());
      archive_entry_set_size(ae, 0);
    } else if (e.type == AE_IFLNK) {
      archive_entry_set_symlink(ae, e.link.c_str());
      archive_entry_set_size(ae, 0);
    } else {
      archive_entry_set_size(ae, static_cast<la_int64_t>(e.data.size()));
    }
    archive_write_header(a, ae);
    if (!e.data.empty()) archive_write_data(a, e.data.data(), e.data.size());
    archive_entry_free(ae);
  }
  archive_write_close(a);
  archive_write_free(a);
}

void WriteSqlite(const fs::path& p, const std::string& sql) {
  fs::create_directories(p.parent_path());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(p.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
}

std::string Sha256Line(const fs::path& file, const std::string& name) {
  VerifyControl c;
  std::string error;
  auto h = HashFile(file, "sha256", c, &error);
  EXPECT_TRUE(h) << error;
  return (h ? *h : "") + "  " + name + "\n";
}

// Digests of "hi\n" as the reference tools print them (sha256sum, xxhsum
// 0.8.1 -H1, -H2 and --tag -H3), so our canonical forms match theirs.
TEST(HashFileTest, MatchesTheReferenceTools) {
  fs::path dir = fs::temp_directory_path() / fmt::format("ctodesk-hash-{}", ::getpid());
  fs::create_directories(dir);
  WriteText(dir / "hi.txt", "hi\n");
  VerifyControl c;
  std::string e;
  EXPECT_EQ(*HashFile(dir / "hi.txt", "sha256", c, &e),
            "98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4");
  EXPECT_EQ(*HashFile(dir / "hi.txt", "xxh64", c, &e), "d50463dd92503d34");
  EXPECT_EQ(*HashFile(dir / "hi.txt", "xxh128", c, &e), "f4d0497cf9394caab34d1a3ab2bece70");
  EXPECT_EQ(*HashFile(dir / "hi.txt", "xxh3", c, &e), "b34d1a3ab2bece70");
  EXPECT_FALSE(HashFile(dir / "hi.txt", "md4-of-doom", c, &e));
  EXPECT_NE(e.find("no md4-of-doom digest"), std::string::npos) << e;
  fs::remove_all(dir);
}

// ---------------------------------------------------------------- sizes

TEST(SizeTest, ParseAndPrint) {
  const std::vector<std::pair<std::string, std::optional<std::int64_t>>> parse = {
      {"10MB", 10000000},    {"10 MB", 10000000}, {"1.5GiB", 1610612736}, {"512k", 512000},
      {"42", 42},            {"42B", 42},         {"1kib", 1024},         {"", std::nullopt},
      {"MB", std::nullopt},  {"-1MB", std::nullopt}, {"10XB", std::nullopt}, {"1.2.3MB", std::nullopt},
  };
  for (const auto& [text, want] : parse) EXPECT_EQ(ParseSize(text), want) << "ParseSize(\"" << text << "\")";
  const std::vector<std::pair<std::int64_t, std::string>> human = {
      {0, "0 B"},           {999, "999 B"},       {1000, "1.0 kB"},
      {120000000, "120 MB"}, {4100000000, "4.1 GB"}, {12345, "12 kB"},
  };
  for (const auto& [bytes, want] : human) EXPECT_EQ(HumanSize(bytes), want) << bytes;
}

// ---------------------------------------------------------------- progress

TEST(ProgressTest, LineShowsRateAndEta) {
  Progress p("verifying x", 1000, false);
  EXPECT_FALSE(p.enabled());
  p.Add(250);
  EXPECT_EQ(p.done(), 250);
  std::string line = p.Line(std::chrono::steady_clock::now() + 1s);
  EXPECT_NE(line.find("verifying x"), std::string::npos) << line;
  EXPECT_NE(line.find(" 25%"), std::string::npos) << line;
  EXPECT_NE(line.find("/s"), std::string::npos) << line;
  EXPECT_NE(line.find("ETA"), std::string::npos) << line;
  Progress unknown("x", 0, false);
  unknown.Add(5);
  std::string l2 = unknown.Line(std::chrono::steady_clock::now() + 1s);
  EXPECT_EQ(l2.find('%'), std::string::npos) << l2;
  EXPECT_EQ(l2.find("ETA"), std::string::npos) << l2;
}

// ---------------------------------------------------------------- cadence

TEST(CadenceTest, DueBy) {
  struct Case {
    std::string cadence;
    std::string zone;
    std::string now;
    Duration grace;
    std::string want;  // the oldest acceptable newest backup; "error" when it does not parse
  };
  // 2026-11-27 is a Friday.
  const std::vector<Case> cases = {
      {"24h", "UTC", "2026-11-27T08:00:00Z", 2h, "2026-11-26T06:00:00Z"},
      {"7d", "UTC", "2026-11-27T08:00:00Z", 0h, "2026-11-20T08:00:00Z"},
      {"0 2 * * *", "UTC", "2026-11-27T08:00:00Z", 2h, "2026-11-27T02:00:00Z"},
      {"0 2 * * *", "UTC", "2026-11-27T08:00:00Z", 7h, "2026-11-26T02:00:00Z"},
      {"@daily", "UTC", "2026-11-27T08:00:00Z", 1h, "2026-11-27T00:00:00Z"},
      {"0 3 * * MON", "UTC", "2026-11-27T08:00:00Z", 0h, "2026-11-23T03:00:00Z"},
      {"0 2 * * *", "Europe/Berlin", "2026-11-27T08:00:00Z", 0h, "2026-11-27T01:00:00Z"},
      {"daily", "UTC", "", 0h, "error"},
      {"0 25 * * *", "UTC", "", 0h, "error"},
      {"0s", "UTC", "", 0h, "error"},
      {"0 2 * * *", "Mars/Olympus", "", 0h, "error"},
  };
  for (const Case& c : cases) {
    auto cadence = Cadence::Parse(c.cadence, c.zone);
    if (c.want == "error") {
      EXPECT_FALSE(cadence) << c.cadence << " in " << c.zone;
      continue;
    }
    ASSERT_TRUE(cadence) << c.cadence << ": " << cadence.error().message;
    EXPECT_EQ(cadence->is_cron(), c.cadence.find(' ') != std::string::npos || c.cadence[0] == '@') << c.cadence;
    EXPECT_EQ(FormatTime(cadence->DueBy(*ParseTime(c.now), c.grace)), c.want) << c.cadence << " " << c.zone;
  }
}

// ---------------------------------------------------------------- archive

TEST(VerifyTest, Archives) {
  TempDir tmp;
  const std::vector<Entry> entries = {{"data/a.bin", Random(200000, 1)}, {"data/b.txt", "hello\n"}};
  struct Case {
    std::string name;
    std::function<void(const fs::path&)> make;
    bool ok;
    std::string error;  // substring
  };
  auto archive_of = [&](Format f) { return [&, f](const fs::path& p) { WriteArchive(p, f, entries); }; };
  auto truncated = [&](Format f, double keep) {
    return [&, f, keep](const fs::path& p) {
      WriteArchive(p, f, entries);
      fs::resize_file(p, static_cast<uintmax_t>(static_cast<double>(fs::file_size(p)) * keep));
    };
  };
  const std::vector<Case> cases = {
      {"tar", archive_of(Format::kTar), true, ""},
      {"tar.gz", archive_of(Format::kTarGz), true, ""},
      {"tar.zst", archive_of(Format::kTarZst), true, ""},
      {"tar.xz", archive_of(Format::kTarXz), true, ""},
      {"zip", archive_of(Format::kZip), true, ""},
      {"truncated.tar.gz", truncated(Format::kTarGz, 0.5), false, "entry 1 (data/a.bin)"},
      {"truncated.tar.zst", truncated(Format::kTarZst, 0.5), false, "Truncated zstd input"},
      {"truncated.tar.xz", truncated(Format::kTarXz, 0.5), false, "entry 1 (data/a.bin)"},
      {"truncated.tar", truncated(Format::kTar, 0.5), false, "entry 1 (data/a.bin)"},
      {"garbage.tar.gz", [](const fs::path& p) { WriteText(p, Random(5000, 9)); }, false,
       "not an archive libarchive can read"},
      {"text.tar", [](const fs::path& p) { WriteText(p, "just some text\n"); }, false,
       "not an archive libarchive can read"},
      {"empty-archive.tar", [](const fs::path& p) { WriteArchive(p, Format::kTar, {}); }, false,
       "the archive has no entries"},
      {"flipped.zip",
       [&](const fs::path& p) {
         WriteArchive(p, Format::kZip, entries);
         std::string s = ReadText(p);
         s[s.size() / 3] = static_cast<char>(s[s.size() / 3] ^ 0x55);
         WriteText(p, s);
       },
       false, "entry 1 (data/a.bin)"},
  };
  for (const Case& c : cases) {
    fs::path p = tmp / c.name;
    c.make(p);
    VerifyControl control;
    CheckResult r = VerifyFile(p, {VerifyMode::kArchive}, control);
    EXPECT_EQ(r.verdict == Verdict::kOk, c.ok) << c.name << ": " << r.error;
    if (c.ok) {
      EXPECT_EQ(r.entries, 2) << c.name;
      ASSERT_FALSE(r.notes.empty()) << c.name;
      EXPECT_NE(r.notes[0].find("2 entries"), std::string::npos) << c.name << ": " << r.notes[0];
    } else {
      EXPECT_EQ(r.error.rfind("archive: ", 0), 0u) << c.name << ": " << r.error;
      EXPECT_NE(r.error.find(c.error), std::string::npos) << c.name << ": " << r.error;
    }
  }
}

TEST(VerifyTest, ArchiveStopsAtDeadlineAndReportsProgress) {
  TempDir tmp;
  WriteArchive(tmp / "big.tar.gz", Format::kTarGz, {{"a", Random(3 << 20, 3)}});
  Progress progress("x", 0, false);
  VerifyControl control;
  control.progress = &progress;
  CheckResult ok = CheckArchive(tmp / "big.tar.gz", control);
  EXPECT_EQ(ok.verdict, Verdict::kOk) << ok.error;
  EXPECT_EQ(progress.done(), static_cast<std::int64_t>(fs::file_size(tmp / "big.tar.gz")));
  control.deadline = std::chrono::steady_clock::now() - 1s;
  EXPECT_EQ(CheckArchive(tmp / "big.tar.gz", control).verdict, Verdict::kInterrupted);
}

// ---------------------------------------------------------------- files that are not files

TEST(VerifyTest, BadFiles) {
  TempDir tmp;
  WriteText(tmp / "zero.tar.gz", "");
  fs::create_directory(tmp / "dir.tar.gz");
  fs::create_symlink("loop-b", tmp / "loop-a");
  fs::create_symlink("loop-a", tmp / "loop-b");
  fs::create_symlink("nowhere", tmp / "dangling");
  ASSERT_EQ(::mkfifo((tmp / "fifo").c_str(), 0644), 0);
  const std::string long_name(250, 'n');
  WriteArchive(tmp / long_name, Format::kTarGz, {{std::string(3000, 'x'), "long name inside"}});
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"zero.tar.gz", "is empty (0 bytes)"},
      {"dir.tar.gz", "is not a regular file"},
      {"loop-a", "cannot be read: Too many levels of symbolic links"},
      {"dangling", "cannot be read: No such file or directory"},
      {"fifo", "is not a regular file"},
      {"missing", "cannot be read: No such file or directory"},
  };
  for (const auto& [name, want] : cases) {
    VerifyControl control;
    CheckResult r = VerifyFile(tmp / name, {VerifyMode::kArchive, VerifyMode::kChecksums}, control);
    EXPECT_EQ(r.verdict, Verdict::kBad) << name;
    EXPECT_EQ(r.error, want) << name;
  }
  VerifyControl control;
  CheckResult r = VerifyFile(tmp / long_name, {VerifyMode::kArchive}, control);
  EXPECT_EQ(r.verdict, Verdict::kOk) << r.error;
}

TEST(VerifyTest, UnreadableFile) {
  if (::geteuid() == 0) GTEST_SKIP() << "running as root: chmod 000 does not stop root from reading";
  TempDir tmp;
  WriteText(tmp / "secret.tar", "x");
  fs::permissions(tmp / "secret.tar", fs::perms::none);
  VerifyControl control;
  CheckResult r = VerifyFile(tmp / "secret.tar", {VerifyMode::kArchive}, control);
  EXPECT_EQ(r.error, "cannot be read: Permission denied");
}

// ---------------------------------------------------------------- checksums

TEST(VerifyTest, Checksums) {
  struct Case {
    std::string name;
    std::function<void(const fs::path& dir, const fs::path& file)> setup;
    bool ok;
    std::string error;  // substring
  };
  const std::vector<Case> cases = {
      {"sha256 beside", [](const fs::path& d, const fs::path& f) { WriteText(d / "b.tar.sha256", Sha256Line(f, "b.tar")); },
       true, ""},
      {"sha256sum binary mark",
       [](const fs::path& d, const fs::path& f) {
         std::string line = Sha256Line(f, "b.tar");
         line.replace(64, 2, " *");
         WriteText(d / "b.tar.sha256sum", line);
       },
       true, ""},
      {"b2sum beside",
       [](const fs::path& d, const fs::path& f) {
         VerifyControl c;
         std::string e;
         WriteText(d / "b.tar.b2", *HashFile(f, "blake2b512", c, &e) + "  b.tar\n");
       },
       true, ""},
      {"SHA256SUMS in folder",
       [](const fs::path& d, const fs::path& f) {
         WriteText(d / "SHA256SUMS", std::string(64, 'a') + "  other.tar\n" + Sha256Line(f, "./b.tar"));
       },
       true, ""},
      {"BSD tag format",
       [](const fs::path& d, const fs::path& f) {
         std::string line = Sha256Line(f, "b.tar");
         WriteText(d / "b.tar.sha256", "SHA256 (b.tar) = " + line.substr(0, 64) + "\n");
       },
       true, ""},
      {"xxh128sum beside",
       [](const fs::path& d, const fs::path& f) {
         VerifyControl c;
         std::string e;
         WriteText(d / "b.tar.xxh128", *HashFile(f, "xxh128", c, &e) + "  b.tar\n");
       },
       true, ""},
      {"XXH3 tag in XXHSUMS",
       [](const fs::path& d, const fs::path& f) {
         VerifyControl c;
         std::string e;
         WriteText(d / "XXHSUMS", "XXH3 (b.tar) = " + *HashFile(f, "xxh3", c, &e) + "\n");
       },
       true, ""},
      {"xxh128 mismatch", [](const fs::path& d, const fs::path&) { WriteText(d / "XXH128SUMS", std::string(32, 'e') + "  b.tar\n"); },
       false, "checksums: XXH128 mismatch against XXH128SUMS line 1"},
      {"tag and length disagree", [](const fs::path& d, const fs::path&) { WriteText(d / "b.tar.xxh3", "XXH3 (b.tar) = " + std::string(32, 'e') + "\n"); },
       false, "checksums: manifest b.tar.xxh3 line 1: \"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\" is not a SHA-256, BLAKE2b-512, XXH128, XXH3 or XXH64 hash tagged \"XXH3\""},
      {"mismatch", [](const fs::path& d, const fs::path&) { WriteText(d / "b.tar.sha256", std::string(64, 'a') + "  b.tar\n"); },
       false, "checksums: SHA-256 mismatch against b.tar.sha256 line 1: expected aaaaaaaaaaaaaaaa…"},
      {"b2 mismatch", [](const fs::path& d, const fs::path&) { WriteText(d / "b.tar.b2", std::string(128, 'b') + "  b.tar\n"); },
       false, "checksums: BLAKE2b mismatch against b.tar.b2 line 1"},
      {"no manifest", [](const fs::path&, const fs::path&) {}, false, "checksums: no checksum manifest beside it"},
      {"names a missing file",
       [](const fs::path& d, const fs::path& f) {
         WriteText(d / "b.tar.sha256", Sha256Line(f, "b.tar") + std::string(64, 'c') + "  b.tar.part2\n");
       },
       false, "checksums: manifest b.tar.sha256 line 2 names b.tar.part2, which does not exist"},
      {"not listed", [](const fs::path& d, const fs::path&) { WriteText(d / "SHA256SUMS", std::string(64, 'a') + "  other.tar\n"); },
       false, "checksums: b.tar is not listed in manifest SHA256SUMS"},
      {"malformed line", [](const fs::path& d, const fs::path&) { WriteText(d / "b.tar.sha256", "not a hash line\n"); },
       false, "checksums: manifest b.tar.sha256 line 1: \"not\" is not a SHA-256, BLAKE2b-512, XXH128, XXH3 or XXH64 hash"},
      {"empty manifest", [](const fs::path& d, const fs::path&) { WriteText(d / "b.tar.sha256", "\n# nothing\n"); },
       false, "checksums: manifest b.tar.sha256 lists no files"},
      {"binary junk manifest", [](const fs::path& d, const fs::path&) { WriteText(d / "b.tar.sha256", Random(3000, 4)); },
       false, "checksums: manifest b.tar.sha256 line 1"},
  };
  for (const Case& c : cases) {
    TempDir tmp;
    WriteArchive(tmp / "b.tar", Format::kTar, {{"x", Random(5000, 2)}});
    c.setup(tmp.path(), tmp / "b.tar");
    VerifyControl control;
    CheckResult r = VerifyFile(tmp / "b.tar", {VerifyMode::kChecksums}, control);
    EXPECT_EQ(r.verdict == Verdict::kOk, c.ok) << c.name << ": " << r.error;
    if (!c.ok) { EXPECT_NE(r.error.find(c.error), std::string::npos) << c.name << ": " << r.error; }
  }
}

// ---------------------------------------------------------------- sqlite

TEST(VerifyTest, Sqlite) {
  TempDir tmp;
  WriteSqlite(tmp / "good.db", "CREATE TABLE a(x); CREATE TABLE \"we\"\"ird\"(y);"
                               "INSERT INTO a VALUES (1),(2),(3); INSERT INTO \"we\"\"ird\" VALUES (1);");
  WriteSqlite(tmp / "empty.db", "PRAGMA user_version = 3;");
  WriteText(tmp / "garbage.db", Random(8192, 5));
  // A database whose table pages are overwritten in the middle.
  std::string fill = "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); CREATE INDEX tv ON t(v); BEGIN;";
  for (int i = 0; i < 3000; ++i) fill += "INSERT INTO t(v) VALUES ('value number " + std::to_string(i) + "');";
  WriteSqlite(tmp / "corrupt.db", fill + "COMMIT;");
  {
    std::string s = ReadText(tmp / "corrupt.db");
    for (size_t i = 4096 * 3; i < 4096 * 5 && i < s.size(); ++i) s[i] = static_cast<char>(i * 7);
    WriteText(tmp / "corrupt.db", s);
  }
  WriteSqlite(tmp / "odd?name#%.db", "CREATE TABLE a(x); INSERT INTO a VALUES (1);");
  struct Case {
    std::string file;
    bool ok;
    std::string want;  // error prefix, or a note substring when ok
  };
  const std::vector<Case> cases = {
      {"good.db", true, "2 tables, 4 rows (a 3, we\"ird 1)"},
      {"odd?name#%.db", true, "1 table, 1 row"},
      {"empty.db", false, "sqlite: the database has no tables"},
      {"garbage.db", false, "sqlite: not a readable SQLite database: file is not a database"},
      {"corrupt.db", false, "sqlite: "},
  };
  for (const Case& c : cases) {
    VerifyControl control;
    CheckResult r = VerifyFile(tmp / c.file, {VerifyMode::kSqlite}, control);
    EXPECT_EQ(r.verdict == Verdict::kOk, c.ok) << c.file << ": " << r.error;
    if (c.ok) {
      ASSERT_FALSE(r.notes.empty()) << c.file;
      EXPECT_NE(r.notes[0].find(c.want), std::string::npos) << c.file << ": " << r.notes[0];
    } else {
      EXPECT_EQ(r.error.rfind(c.want, 0), 0u) << c.file << ": " << r.error;
    }
  }
  // Read-only and immutable: nothing is written beside the backup.
  EXPECT_FALSE(fs::exists(tmp / "good.db-journal"));
  EXPECT_FALSE(fs::exists(tmp / "good.db-wal"));
  EXPECT_FALSE(fs::exists(tmp / "good.db-shm"));
}

// ---------------------------------------------------------------- pg_dump

TEST(VerifyTest, PgDump) {
  TempDir tmp;
  const std::string body = "--\n-- PostgreSQL database dump\n--\nCREATE TABLE t (id int);\n";
  const std::string complete = body + "\n--\n-- PostgreSQL database dump complete\n--\n\n";
  WriteText(tmp / "complete.sql", complete);
  WriteText(tmp / "cut.sql", body + std::string(10000, '-'));
  WriteText(tmp / "junk.sql", "hello\n");
  WriteArchive(tmp / "raw.tar", Format::kTar, {{"x", "y"}});  // tar format: goes to pg_restore
  WriteText(tmp / "custom.dump", "PGDMP" + Random(2000, 6));
  {
    // Gzip-compressed plain dumps are read through to the end.
    archive* a = archive_write_new();
    archive_write_set_format_raw(a);
    archive_write_add_filter_gzip(a);
    archive_write_open_filename(a, (tmp / "complete.sql.gz").c_str());
    archive_entry* e = archive_entry_new();
    archive_entry_set_filetype(e, AE_IFREG);
    archive_write_header(a, e);
    archive_write_data(a, complete.data(), complete.size());
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);
    std::string gz = ReadText(tmp / "complete.sql.gz");
    WriteText(tmp / "cut.sql.gz", gz.substr(0, gz.size() / 2));
  }
  const bool have_pg_restore = ::access("/usr/bin/pg_restore", X_OK) == 0;
  struct Case {
    std::string file;
    bool ok;
    std::string want;
  };
  std::vector<Case> cases = {
      {"complete.sql", true, "completion marker"},
      {"complete.sql.gz", true, "completion marker"},
      {"cut.sql", false, "pg_dump: plain SQL dump is incomplete"},
      {"cut.sql.gz", false, "pg_dump: "},
      {"junk.sql", false, "pg_dump: not a pg_dump file"},
  };
  if (have_pg_restore) {
    cases.push_back({"custom.dump", false, "pg_dump: pg_restore --list failed: exited 1: pg_restore: error:"});
  } else {
    cases.push_back({"custom.dump", true, "pg_restore is not installed"});
  }
  for (const Case& c : cases) {
    VerifyControl control;
    CheckResult r = VerifyFile(tmp / c.file, {VerifyMode::kPgDump}, control);
    EXPECT_EQ(r.verdict == Verdict::kOk, c.ok) << c.file << ": " << r.error;
    if (c.ok) {
      ASSERT_FALSE(r.notes.empty()) << c.file;
      EXPECT_NE(r.notes[0].find(c.want), std::string::npos) << c.file << ": " << r.notes[0];
    } else {
      EXPECT_EQ(r.error.rfind(c.want, 0), 0u) << c.file << ": " << r.error;
    }
  }
}

// ---------------------------------------------------------------- commands

TEST(CommandTest, Cases) {
  TempDir tmp;
  WriteText(tmp / "it's here.bak", "content\n");
  struct Case {
    std::string name;
    std::string command;
    Duration timeout;
    bool ok;
    std::string error;
    std::string last_line;
  };
  const std::vector<Case> cases = {
      {"exit 0", "true", 5s, true, "", ""},
      {"exit 3 with output", "echo first; echo 'it broke' >&2; exit 3", 5s, false, "exited 3: it broke", "it broke"},
      {"file substituted and quoted", "cat {file}", 5s, true, "", "content"},
      {"file in environment", "test \"$CTODESK_BACKUP_FILE\" = " + ShellQuote((tmp / "it's here.bak").string()), 5s,
       true, "", ""},
      {"not found", "definitely-not-a-command-xyz", 5s, false, "command not found (exit 127)", ""},
      {"timeout", "sleep 30", 300ms, false, "timed out after 300ms", ""},
      {"killed", "kill -9 $$", 5s, false, "killed by signal 9", ""},
  };
  for (const Case& c : cases) {
    auto started = std::chrono::steady_clock::now();
    CommandResult r = RunCommand({c.command, tmp / "it's here.bak", "", c.timeout});
    EXPECT_EQ(r.ok, c.ok) << c.name << ": " << r.error;
    if (!c.ok) { EXPECT_EQ(r.error.rfind(c.error, 0), 0u) << c.name << ": " << r.error; }
    if (!c.last_line.empty()) { EXPECT_EQ(r.last_line, c.last_line) << c.name; }
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s) << c.name;
  }
  RunCommand({"pwd > where.txt", "", tmp.path(), 5s});
  EXPECT_EQ(ReadText(tmp / "where.txt"), fs::canonical(tmp.path()).string() + "\n");
}

// ---------------------------------------------------------------- safe extraction

TEST(ExtractTest, RefusesToWriteOutside) {
  struct Case {
    std::string name;
    std::vector<Entry> entries;
    std::string error;  // substring; empty: extraction succeeds
  };
  const std::vector<Case> cases = {
      {"plain", {{"a/", "", AE_IFDIR}, {"a/b.txt", "b"}, {"a/link", "", AE_IFLNK, "b.txt"}}, ""},
      {"dot dot", {{"ok.txt", "x"}, {"../evil.txt", "x"}}, "entry 2 (../evil.txt) climbs out of the restore folder"},
      {"dot dot inside", {{"a/../../evil.txt", "x"}}, "entry 1 (a/../../evil.txt) climbs out"},
      {"absolute", {{"/tmp/ctodesk-evil.txt", "x"}}, "entry 1 (/tmp/ctodesk-evil.txt) has an absolute path"},
      {"symlink absolute", {{"etc", "", AE_IFLNK, "/etc"}}, "entry 1 (etc) links to an absolute path (/etc)"},
      {"symlink escapes", {{"a/up", "", AE_IFLNK, "../../.."}}, "entry 1 (a/up) links outside the restore folder"},
      {"write through symlink",
       {{"d", "", AE_IFLNK, "."}, {"d/x.txt", "x"}},
       "entry 2 (d/x.txt) cannot be written"},
      {"hard link out", {{"h", "", AE_IFREG, "../../etc/passwd", true}}, "entry 1 (h) is a hard link that climbs out"},
      {"device", {{"dev", "", AE_IFCHR}}, "entry 1 (dev) is a device, FIFO or socket"},
      {"long name", {{std::string(5000, 'l'), "x"}}, "entry 1 (lll"},
      {"control chars", {{"bad\x1b[31mname/../../x", "x"}}, "entry 1 (bad\\x1b[31mname/../../x) climbs out"},
  };
  for (const Case& c : cases) {
    TempDir tmp;
    fs::create_directory(tmp / "scratch");
    WriteArchive(tmp / "in.tar", Format::kTar, c.entries);
    VerifyControl control;
    auto r = ExtractArchive(tmp / "in.tar", tmp / "scratch", control);
    if (c.error.empty()) {
      ASSERT_TRUE(r) << c.name << ": " << r.error().message;
      EXPECT_EQ(r->entries, static_cast<std::int64_t>(c.entries.size())) << c.name;
      EXPECT_EQ(ReadText(tmp / "scratch" / "a" / "link"), "b") << c.name;
    } else {
      ASSERT_FALSE(r) << c.name;
      EXPECT_NE(r.error().message.find(c.error), std::string::npos) << c.name << ": " << r.error().message;
    }
    // Nothing but the archive and the scratch folder beside it.
    std::vector<std::string> beside;
    for (const auto& e : fs::directory_iterator(tmp.path())) beside.push_back(e.path().filename().string());
    std::sort(beside.begin(), beside.end());
    EXPECT_EQ(beside, (std::vector<std::string>{"in.tar", "scratch"})) << c.name;
    EXPECT_FALSE(fs::exists("/tmp/ctodesk-evil.txt")) << c.name;
  }
}

// ---------------------------------------------------------------- config

Result<Settings> Read(const std::string& toml, std::vector<std::string>* issues) {
  auto reader = ConfigReader::FromString(toml, "ctodesk.toml", "/base");
  if (!reader) return Fail(reader.error());
  auto root = (*reader)->Root();
  auto section = root.Table("backups");
  Settings s = ReadSettings(*section);
  (*reader)->Finish();
  for (const auto& i : (*reader)->issues()) issues->push_back(i.ToString());
  return s;
}

TEST(ConfigTest, Good) {
  std::vector<std::string> issues;
  auto s = Read(R"([backups]
verify_budget = "5m"
drill_every = "14d"
[[backups.systems]]
name = "db"
path = "backups/db"
glob = "*.tar.zst"
cadence = "0 2 * * *"
grace = "3h"
min_size = "10MB"
retention = 7
verify = ["archive", "checksums", "archive"]
drill_check = "test -f data.csv"
[[backups.systems]]
name = "files"
path = "/srv/files"
min_size = 2048
verify = "command"
command = "restic check"
timeout = "10m"
)",
                &issues);
  ASSERT_TRUE(s);
  EXPECT_TRUE(issues.empty()) << issues.front();
  ASSERT_EQ(s->systems.size(), 2u);
  const System& db = s->systems[0];
  EXPECT_EQ(db.path, fs::path("/base/backups/db"));
  EXPECT_EQ(db.glob, "*.tar.zst");
  EXPECT_TRUE(db.cadence.is_cron());
  EXPECT_EQ(db.grace, 3h);
  EXPECT_EQ(db.min_size, 10000000);
  EXPECT_EQ(db.retention, 7);
  EXPECT_EQ(db.verify, (std::vector<VerifyMode>{VerifyMode::kArchive, VerifyMode::kChecksums}));
  EXPECT_EQ(db.drill_check, "test -f data.csv");
  const System& files = s->systems[1];
  EXPECT_EQ(files.glob, "*");
  EXPECT_FALSE(files.cadence.is_cron());
  EXPECT_EQ(files.min_size, 2048);
  EXPECT_EQ(files.verify, std::vector<VerifyMode>{VerifyMode::kCommand});
  EXPECT_EQ(files.timeout, 10min);
  EXPECT_EQ(s->verify_budget, 5min);
  EXPECT_EQ(s->drill_every, std::chrono::days(14));
}

TEST(ConfigTest, Errors) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[backups]\n", "ctodesk.toml:1:1: backups.systems: expected at least one [[backups.systems]] table"},
      {"[[backups.systems]]\npath = \"x\"\n", "ctodesk.toml:1:1: backups.systems[0]: missing required key \"name\""},
      {"[[backups.systems]]\nname = \"a\"\n", "ctodesk.toml:1:1: backups.systems[0]: missing required key \"path\""},
      {"[[backups.systems]]\nname = \"a\"\npath = \"x\"\ncadence = \"daily\"\n",
       "ctodesk.toml:4:11: backups.systems[0].cadence: expected a duration such as \"24h\" or a cron "
       "expression such as \"0 2 * * *\", got \"daily\""},
      {"[[backups.systems]]\nname = \"a\"\npath = \"x\"\ncadence = \"0 26 * * *\"\n",
       "ctodesk.toml:4:11: backups.systems[0].cadence: cron expression \"0 26 * * *\": hour field \"26\": "
       "expected 0-23"},
      {"[[backups.systems]]\nname = \"a\"\npath = \"x\"\ncadence = \"0 2 * * *\"\ntime_zone = \"Mars\"\n",
       "ctodesk.toml:5:13: backups.systems[0].time_zone: unknown time zone \"Mars\"; expected an IANA name such "
       "as \"UTC\" or \"Europe/London\""},
      {"[[backups.systems]]\nname = \"a\"\npath = \"x\"\nmin_size = \"ten\"\n",
       "ctodesk.toml:4:12: backups.systems[0].min_size: expected a size such as \"10MB\", \"1.5GiB\" or a number "
       "of bytes, got a string \"ten\""},
      {"[[backups.systems]]\nname = \"a\"\npath = \"x\"\nverify = [\"zip\"]\n",
       "ctodesk.toml:4:10: backups.systems[0].verify: expected modes among \"archive\", \"checksums\", "
       "\"sqlite\", \"pg_dump\", \"command\", got \"zip\""},
      {"[[backups.systems]]\nname = \"a\"\npath = \"x\"\nverify = \"command\"\n",
       "ctodesk.toml:4:10: backups.systems[0].verify: verify mode \"command\" needs \"command\", the command to "
       "run on each file"},
      {"[[backups.systems]]\nname = \"a\"\npath = \"x\"\nretention = 0\n",
       "ctodesk.toml:4:13: backups.systems[0].retention: expected an integer from 1 to 100000, got 0"},
      {"[[backups.systems]]\nname = \"a\"\npath = \"x\"\nglob = \"sub/*.tar\"\n",
       "ctodesk.toml:4:8: backups.systems[0].glob: expected a file-name pattern such as \"*.tar.zst\" (no "
       "folders; put those in \"path\"), got \"sub/*.tar\""},
      {"[[backups.systems]]\nname = \"a\"\npath = \"x\"\n[[backups.systems]]\nname = \"a\"\npath = \"y\"\n",
       "ctodesk.toml:5:8: backups.systems[1].name: another backup system is already named \"a\""},
      {"[[backups.systems]]\nname = \"a\"\npath = \"x\"\ncadense = \"24h\"\n",
       "ctodesk.toml:4:1: backups.systems[0].cadense: unknown key; did you mean \"cadence\"?"},
  };
  for (const auto& [body, want] : cases) {
    std::vector<std::string> issues;
    std::string toml = body.rfind("[backups]", 0) == 0 ? body : "[backups]\n" + body;
    auto s = Read(toml, &issues);
    ASSERT_TRUE(s) << body;
    ASSERT_FALSE(issues.empty()) << body;
    // Line numbers in `want` count from the body; the [backups] line shifts them by one.
    std::string expected = want;
    if (body.rfind("[backups]", 0) != 0) {
      size_t colon = expected.find(':');
      size_t colon2 = expected.find(':', colon + 1);
      int line = std::stoi(expected.substr(colon + 1, colon2 - colon - 1)) + 1;
      expected = expected.substr(0, colon + 1) + std::to_string(line) + expected.substr(colon2);
    }
    EXPECT_EQ(issues.front(), expected) << body;
  }
}

// ---------------------------------------------------------------- the desk

class DeskTest : public ::testing::Test {
 protected:
  DeskTest() : store_(NewMemoryStore()), clock_(kNow), ctx_{*store_, clock_, tmp_.path()} {}

  System Make(const std::string& name, std::vector<VerifyMode> verify = {VerifyMode::kArchive}) {
    System s;
    s.name = name;
    s.path = tmp_ / name;
    s.glob = "*.tar.gz";
    s.grace = 2h;
    s.verify = std::move(verify);
    fs::create_directories(s.path);
    return s;
  }
  // A daily series: one archive per size, the last one `newest_age` old.
  void Series(const System& s, const std::vector<size_t>& sizes, Duration newest_age = 3h) {
    for (size_t i = 0; i < sizes.size(); ++i) {
      TimePoint t = kNow - std::chrono::duration_cast<std::chrono::seconds>(newest_age) -
                    std::chrono::days(sizes.size() - 1 - i);
      fs::path p = s.path / (s.name + "-" + FormatTime(t).substr(0, 10) + ".tar.gz");
      WriteArchive(p, Format::kTarGz, {{"data.bin", Random(sizes[i], static_cast<unsigned>(i + 1))}});
      SetMtime(p, t);
    }
  }
  std::map<std::string, Finding> Findings(BackupsDesk& desk) {
    auto r = desk.Run(ctx_);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    std::map<std::string, Finding> out;
    if (!r) return out;
    for (Finding& f : r->findings) out[f.subject + "/" + f.kind] = std::move(f);
    return out;
  }

  TempDir tmp_;
  std::unique_ptr<Store> store_;
  FixedClock clock_;
  DeskContext ctx_;
};

TEST_F(DeskTest, FindingsPerSituation) {
  Settings settings;
  System healthy = Make("healthy");
  healthy.retention = 3;
  Series(healthy, {40000, 41000, 42000});
  System stale = Make("stale");
  Series(stale, {40000, 40000}, 74h);
  System shrank = Make("shrank");
  Series(shrank, {300000, 310000, 305000, 300000, 20000});
  System grew = Make("grew");
  Series(grew, {20000, 21000, 20000, 90000});
  System small = Make("small");
  small.min_size = 1000000;
  Series(small, {30000});
  System few = Make("few");
  few.retention = 7;
  Series(few, {30000, 30000});
  System empty = Make("empty");
  System gone = Make("gone");
  gone.path = tmp_ / "not-there";
  System corrupt = Make("corrupt");
  Series(corrupt, {30000, 30000, 30000});
  {
    auto files = ScanSeries(corrupt, kNow).files;
    fs::resize_file(files.back().path, 5000);
    SetMtime(files.back().path, files.back().mtime);
  }
  System cron = Make("cron");
  cron.cadence = *Cadence::Parse("0 2 * * *");  // UTC
  Series(cron, {30000}, 31h);  // 2026-11-26T01:00: before yesterday's 02:00 run
  for (const System* s : {&healthy, &stale, &shrank, &grew, &small, &few, &empty, &gone, &corrupt, &cron}) {
    settings.systems.push_back(*s);
  }
  BackupsDesk desk(settings);
  auto f = Findings(desk);

  struct Want {
    std::string key;
    Severity severity;
    std::string title;
  };
  const std::vector<Want> wants = {
      {"healthy/drill", Severity::kThisWeek, "healthy backup has never been restored in a drill"},
      {"stale/stale", Severity::kActNow, "stale backup is 3 days old (expected every 24h)"},
      {"shrank/shrank", Severity::kToday, "shrank backup shrank from 303 kB to 20 kB"},
      {"grew/grew", Severity::kFyi, "grew backup grew from 20 kB to 90 kB"},
      {"small/too-small", Severity::kToday, "small backup is only 30 kB (minimum 1.0 MB)"},
      {"few/retention", Severity::kThisWeek, "few keeps 2 backups, retention is 7"},
      {"empty/missing", Severity::kActNow, "No backup of empty at all"},
      {"gone/location-unreadable", Severity::kActNow, "gone backup folder cannot be read: No such file or directory"},
      {"cron/stale", Severity::kActNow, "cron backup is 31 hours old (scheduled \"0 2 * * *\")"},
  };
  for (const Want& w : wants) {
    ASSERT_TRUE(f.count(w.key)) << w.key;
    EXPECT_EQ(f[w.key].severity, w.severity) << w.key;
    EXPECT_EQ(f[w.key].title, w.title) << w.key;
  }
  ASSERT_TRUE(f.count("corrupt/corrupt"));
  EXPECT_EQ(f["corrupt/corrupt"].severity, Severity::kActNow);
  EXPECT_NE(f["corrupt/corrupt"].title.find("is unusable: archive: at its start: truncated gzip input"), std::string::npos)
      << f["corrupt/corrupt"].title;
  EXPECT_NE(f["corrupt/corrupt"].detail.find("including the newest"), std::string::npos);
  EXPECT_NE(f["stale/stale"].detail.find("written at 2026-11-24T06:00:00Z"), std::string::npos) << f["stale/stale"].detail;

  // Nothing else for the healthy series; nothing about drills where there is no backup.
  for (const auto& [key, finding] : f) {
    if (key.rfind("healthy/", 0) == 0) {
      EXPECT_EQ(key, "healthy/drill");
    }
    EXPECT_NE(key, "gone/drill");
  }
  // Sizes are recorded once per file, however often the desk runs.
  Findings(desk);
  auto history = store_->Checks("backups", "shrank", TimePoint{});
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 5u);
  EXPECT_EQ(history->back().value, static_cast<double>(ScanSeries(shrank, kNow).files.back().size));
}

TEST_F(DeskTest, SymlinkLoopInFolderIsABadFile) {
  System s = Make("loopy");
  Series(s, {30000});
  fs::create_symlink("x-loop-b.tar.gz", s.path / "x-loop-a.tar.gz");
  fs::create_symlink("x-loop-a.tar.gz", s.path / "x-loop-b.tar.gz");
  BackupsDesk desk(Settings{{s}});
  auto f = Findings(desk);
  ASSERT_TRUE(f.count("loopy/corrupt"));
  EXPECT_NE(f["loopy/corrupt"].title.find("Too many levels of symbolic links"), std::string::npos)
      << f["loopy/corrupt"].title;
  EXPECT_FALSE(f.count("loopy/missing"));
}

TEST_F(DeskTest, FutureFilesDidNotExistYet) {
  System s = Make("future");
  Series(s, {30000, 30000}, -5h);  // the newest is five hours "ahead" of the clock
  auto series = ScanSeries(s, kNow);
  EXPECT_EQ(series.files.size(), 1u);
  clock_.Set(kNow + 6h);
  EXPECT_EQ(ScanSeries(s, clock_.Now()).files.size(), 2u);
}

TEST_F(DeskTest, VerifiesOnlyWhatIsNew) {
  System s = Make("inc");
  Series(s, {30000, 30000, 30000});
  BackupsDesk desk(Settings{{s}});
  auto first = desk.Verify(ctx_, {});
  ASSERT_TRUE(first);
  EXPECT_EQ(std::count_if(first->files.begin(), first->files.end(), [](auto& v) { return !v.skipped; }), 3);
  // Newest first among the never verified.
  EXPECT_GT(first->files[0].file.mtime, first->files[2].file.mtime);

  auto second = desk.Verify(ctx_, {});
  ASSERT_TRUE(second);
  EXPECT_EQ(std::count_if(second->files.begin(), second->files.end(), [](auto& v) { return !v.skipped; }), 0);

  // A file that changed (new mtime) is new again.
  auto files = ScanSeries(s, kNow).files;
  SetMtime(files.front().path, kNow - 1h);
  clock_.Set(kNow + 1min);
  auto third = desk.Verify(ctx_, {});
  ASSERT_TRUE(third);
  ASSERT_EQ(std::count_if(third->files.begin(), third->files.end(), [](auto& v) { return !v.skipped; }), 1);

  // --deep verifies everything, least recently verified first.
  clock_.Set(kNow + 2min);
  auto deep = desk.Verify(ctx_, {"", true});
  ASSERT_TRUE(deep);
  ASSERT_EQ(deep->files.size(), 3u);
  EXPECT_FALSE(deep->files[0].skipped);
  EXPECT_EQ(deep->files[2].file.path, files.front().path) << "the file verified a minute ago goes last";
  EXPECT_EQ(deep->files[2].file.mtime, kNow - 1h);

  // A budget that is already spent verifies nothing and says how much is left.
  auto none = desk.Verify(ctx_, {"", true, Duration(0)});
  ASSERT_TRUE(none);
  EXPECT_EQ(none->left, 3);
  EXPECT_TRUE(none->files.empty());

  // Changing the modes makes every file new.
  System changed = s;
  changed.verify = {VerifyMode::kArchive, VerifyMode::kChecksums};
  BackupsDesk desk2(Settings{{changed}});
  auto again = desk2.Verify(ctx_, {});
  ASSERT_TRUE(again);
  EXPECT_EQ(std::count_if(again->files.begin(), again->files.end(), [](auto& v) { return !v.skipped; }), 3);
  EXPECT_FALSE(again->all_ok());
}

TEST_F(DeskTest, Drills) {
  System files = Make("files");
  files.drill_check = "test -f data.bin && echo restored fine";
  Series(files, {30000, 30000});
  System failing = Make("failing");
  failing.drill_check = "echo 'rows missing' >&2; exit 4";
  Series(failing, {30000});
  System db = Make("db", {VerifyMode::kSqlite});
  db.glob = "*.sqlite";
  WriteSqlite(db.path / "crm.sqlite", "CREATE TABLE c(x); INSERT INTO c VALUES (1);");
  SetMtime(db.path / "crm.sqlite", kNow - 1h);
  System hostile = Make("hostile");
  WriteArchive(hostile.path / "h.tar.gz", Format::kTarGz, {{"fine.txt", "x"}, {"../../escape.txt", "x"}});
  SetMtime(hostile.path / "h.tar.gz", kNow - 1h);
  Settings settings{{files, failing, db, hostile}};
  BackupsDesk desk(settings);

  auto d = desk.Drill(ctx_, "files", {});
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_TRUE(d->ok) << d->error;
  EXPECT_EQ(d->check_output, "restored fine");
  EXPECT_EQ(d->entries, 1);
  EXPECT_EQ(d->bytes, 30000);
  EXPECT_TRUE(d->dir.empty()) << "the temporary folder is removed";

  auto into = desk.Drill(ctx_, "db", {tmp_ / "restore-here"});
  ASSERT_TRUE(into) << into.error().message;
  EXPECT_TRUE(into->ok) << into->error;
  EXPECT_TRUE(fs::exists(tmp_ / "restore-here" / "crm.sqlite"));
  EXPECT_NE(into->check_output.find("1 table, 1 row"), std::string::npos) << into->check_output;
  auto refused = desk.Drill(ctx_, "db", {tmp_ / "restore-here"});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("exists and is not an empty folder"), std::string::npos);

  auto bad = desk.Drill(ctx_, "failing", {});
  ASSERT_TRUE(bad);
  EXPECT_FALSE(bad->ok);
  EXPECT_EQ(bad->error, "drill_check exited 4: rows missing");

  auto evil = desk.Drill(ctx_, "hostile", {tmp_ / "evil-scratch"});
  ASSERT_TRUE(evil);
  EXPECT_FALSE(evil->ok);
  EXPECT_NE(evil->error.find("entry 2 (../../escape.txt) climbs out"), std::string::npos) << evil->error;
  EXPECT_FALSE(fs::exists(tmp_ / "escape.txt"));
  EXPECT_FALSE(fs::exists(tmp_.path().parent_path() / "escape.txt"));

  auto unknown = desk.Drill(ctx_, "nope", {});
  ASSERT_FALSE(unknown);

  // Findings: passed drills say nothing; failed ones say so; 31 days later they are due.
  auto f = Findings(desk);
  EXPECT_FALSE(f.count("files/drill"));
  EXPECT_FALSE(f.count("db/drill"));
  ASSERT_TRUE(f.count("failing/drill"));
  EXPECT_EQ(f["failing/drill"].severity, Severity::kToday);
  EXPECT_EQ(f["failing/drill"].title, "failing backup failed its last restore drill");
  clock_.Set(kNow + std::chrono::days(31));
  f = Findings(desk);
  ASSERT_TRUE(f.count("files/drill"));
  EXPECT_EQ(f["files/drill"].severity, Severity::kThisWeek);
  EXPECT_EQ(f["files/drill"].title, "files backup not restored in a drill for 31 days");
}

}  // namespace

TEST(PgDrillTest, ConninfoIsCheckedBeforeAnythingRuns) {
  EXPECT_EQ(PgConninfoProblem("host=127.0.0.1 port=5432 user=drill passfile=/etc/pgpass"), "");
  EXPECT_NE(PgConninfoProblem("postgresql://drill@127.0.0.1/shop").find("not a URI"), std::string::npos);
  EXPECT_NE(PgConninfoProblem("host=h dbname=shop").find("leave out dbname"), std::string::npos);
  EXPECT_NE(PgConninfoProblem("host=h colour=blue").find("unknown keyword \"colour\""), std::string::npos);
  EXPECT_NE(PgConninfoProblem("host=h password='a b'").find("quotes"), std::string::npos);
  EXPECT_NE(PgConninfoProblem("host=").find("\"host\" has no value"), std::string::npos);
  EXPECT_NE(PgConninfoProblem("  ").find("expected keyword=value"), std::string::npos);
}

TEST(PgDrillTest, ConninfoBecomesEnvironmentNotArguments) {
  auto env = PgEnvironment("host=db.internal port=6432 user=drill password=s3cret", "ctodesk_drill_1_2");
  std::vector<std::string> want = {"PGHOST=db.internal", "PGPORT=6432", "PGUSER=drill", "PGPASSWORD=s3cret",
                                   "PGDATABASE=ctodesk_drill_1_2"};
  EXPECT_EQ(env, want);
  EXPECT_TRUE(ScratchDatabaseName(TimePoint{std::chrono::seconds(1700000000)}).starts_with("ctodesk_drill_1700000000_"));
}

TEST(PgDrillTest, CommandEnvironmentReplacesInherited) {
  ::setenv("PGDATABASE", "production", 1);
  CommandSpec spec{"echo \"$PGDATABASE $PGHOST\"", "", "", std::chrono::seconds(10)};
  spec.env = {"PGDATABASE=scratch", "PGHOST=127.0.0.1"};
  CommandResult r = RunCommand(spec);
  ::unsetenv("PGDATABASE");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.last_line, "scratch 127.0.0.1");
}

}  // namespace ctodesk::backups
