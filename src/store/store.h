// The store: everything ctodesk remembers between runs — findings (so a
// problem keeps its first_seen), check history (probe results, backup sizes,
// deliveries), desk runs, and small per-desk state (alert deliveries, the last
// scanned commit). Desks talk to this interface only, never to SQL.
//
// Two implementations: SQLite (WAL mode, versioned migrations; the default, a
// file beside the config) and an in-memory twin for tests. Neither is
// thread-safe: use one Store from one thread at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/finding.h"

namespace ctodesk {

// One result of one check: a probe, a backup seen, a delivery.
struct CheckRecord {
  std::string desk;
  std::string subject;
  TimePoint at{};
  bool ok = false;
  double value = 0;    // what was measured: latency in ms, size in bytes, rows...
  std::string detail;  // desk-specific JSON text
};

struct CheckSummary {
  std::int64_t total = 0;
  std::int64_t ok = 0;
  std::optional<double> Ratio() const {
    if (total == 0) return std::nullopt;
    return static_cast<double>(ok) / static_cast<double>(total);
  }
};

// One run of one desk.
struct DeskRun {
  std::string desk;
  TimePoint started_at{};
  bool ok = false;
  std::int64_t duration_ms = 0;
  std::int64_t checked = 0;
  std::string error;  // empty when ok
};

class Store {
 public:
  virtual ~Store() = default;

  // --- findings ---
  // Open (unresolved) findings of one desk, or of all desks when `desk` is empty.
  virtual Result<std::vector<Finding>> OpenFindings(std::string_view desk) = 0;
  // In one transaction: inserts or updates each of `open` by its id (keeping
  // the caller's first_seen), and marks each of `resolved_ids` resolved at `now`.
  virtual Result<void> SaveFindings(const std::vector<Finding>& open,
                                    const std::vector<std::string>& resolved_ids,
                                    TimePoint now) = 0;
  // Findings resolved at or after `since`, most recent first.
  virtual Result<std::vector<Finding>> ResolvedSince(TimePoint since) = 0;

  // --- check history ---
  // Appends all records in one transaction.
  virtual Result<void> AppendChecks(const std::vector<CheckRecord>& records) = 0;
  // Records of one subject with at >= since, oldest first, at most `limit` of
  // the most recent ones.
  virtual Result<std::vector<CheckRecord>> Checks(std::string_view desk, std::string_view subject,
                                                  TimePoint since, std::int64_t limit = 100000) = 0;
  virtual Result<CheckSummary> Summarize(std::string_view desk, std::string_view subject,
                                         TimePoint since) = 0;
  // Distinct subjects with history for a desk, sorted.
  virtual Result<std::vector<std::string>> CheckSubjects(std::string_view desk) = 0;

  // --- desk runs ---
  virtual Result<void> RecordRun(const DeskRun& run) = 0;
  // The latest run of each desk that has run, sorted by desk.
  virtual Result<std::vector<DeskRun>> LatestRuns() = 0;

  // --- small state per namespace ---
  virtual Result<std::optional<std::string>> GetState(std::string_view ns, std::string_view key) = 0;
  virtual Result<void> PutState(std::string_view ns, std::string_view key, std::string_view value) = 0;
};

// Opens (creating if needed, parent folders included) the SQLite store at
// `path`, in WAL mode, and brings its schema up to date. Fails with an Error
// naming the file when it cannot be opened, is not a ctodesk store, or was
// written by a newer ctodesk.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::filesystem::path& path);

// A store that lives in memory only, for tests.
std::unique_ptr<Store> NewMemoryStore();

// The schema version this build writes.
int StoreSchemaVersion();

}  // namespace ctodesk
