// Checks one backup file the ways the config asks for:
//   archive    libarchive reads every entry of a tar / tar.gz / tar.zst /
//              tar.xz / zip to its end (a truncated or corrupt stream fails
//              at the entry it breaks in)
//   checksums  a sha256sum-, b2sum- or xxhsum-format manifest beside the file
//              ("<file>.sha256", ".sha256sum", ".b2", ".b2sum", ".xxh128",
//              ".xxh3", ".xxh64", or SHA256SUMS / B2SUMS / XXH128SUMS in the
//              folder) must list it with the hash it has now. GNU lines tell
//              the algorithm by length (64 hex SHA-256, 128 BLAKE2b-512, 32
//              XXH128, 16 XXH64), BSD tags by name ("XXH3 (f) = ...")
//   sqlite     opens read-only (immutable), PRAGMA integrity_check, counts rows
//   pg_dump    custom format: `pg_restore --list` succeeds; plain SQL: ends
//              with pg_dump's "-- PostgreSQL database dump complete"
//   command    the user's command, given the file, exits 0
// Every check streams the file (no whole-file reads), reports bytes read to a
// Progress and stops early when the deadline passes.
//
// Thread-safe: no shared state; each call opens its own handles.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/progress.h"

namespace ctodesk::backups {

enum class VerifyMode { kArchive, kChecksums, kSqlite, kPgDump, kCommand };
const char* VerifyModeName(VerifyMode m);
std::optional<VerifyMode> ParseVerifyMode(std::string_view name);

struct VerifyControl {
  std::optional<std::chrono::steady_clock::time_point> deadline;
  Progress* progress = nullptr;  // may be null
  std::string command;           // for VerifyMode::kCommand
  Duration command_timeout = std::chrono::hours(1);
  bool Expired() const { return deadline && std::chrono::steady_clock::now() >= *deadline; }
};

enum class Verdict { kOk, kBad, kInterrupted };

struct CheckResult {
  Verdict verdict = Verdict::kOk;
  std::string error;              // for kBad: what and where, naming the first bad entry
  std::vector<std::string> notes;  // facts worth showing: "1,204 entries", "orders: 5,312 rows"
  std::int64_t entries = 0;        // archive entries, tables, or manifest lines checked
  std::int64_t bytes_read = 0;

  static CheckResult Bad(std::string why) {
    CheckResult r;
    r.verdict = Verdict::kBad;
    r.error = std::move(why);
    return r;
  }
};

CheckResult CheckArchive(const std::filesystem::path& file, VerifyControl& control);
CheckResult CheckChecksums(const std::filesystem::path& file, VerifyControl& control);
CheckResult CheckSqlite(const std::filesystem::path& file, VerifyControl& control);
CheckResult CheckPgDump(const std::filesystem::path& file, VerifyControl& control);
CheckResult CheckCommand(const std::filesystem::path& file, VerifyControl& control);

// Runs `modes` in order and stops at the first failure. A file that cannot be
// opened, or is empty, fails before any mode runs. Errors start with the mode:
// "archive: entry 3 (db/orders.csv): truncated gzip input at byte 81920".
CheckResult VerifyFile(const std::filesystem::path& file, const std::vector<VerifyMode>& modes,
                       VerifyControl& control);

// Hex digest of a whole file: "sha256" or "blake2b512" through OpenSSL EVP
// (SHA extensions where the CPU has them); "xxh128", "xxh3" or "xxh64"
// through libxxhash, in xxhsum's canonical form.
// Returns nullopt (and sets `error`) when the file cannot be read, or when the
// deadline passed (error empty).
std::optional<std::string> HashFile(const std::filesystem::path& file, std::string_view algorithm,
                                    VerifyControl& control, std::string* error);

}  // namespace ctodesk::backups
