// `ctodesk keys ingest` and the keys desk's access_logs: reads a gateway
// access log into the usage store and runs the same detection rules as the
// guard over it, so audit and automatic stops cover traffic that never passed
// the guard. Malformed lines are counted and reported with their line numbers
// (the first 20), never fatal. A log line that carries a plain key instead of
// a key id is resolved by hash and reported (the plain key is not stored).
//
// Reads the file in chunks and writes events in batches, so memory stays
// flat for any log size. Not thread-safe (uses the store).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "desks/keys/detector.h"
#include "desks/keys/settings.h"
#include "store/store.h"

namespace ctodesk::keys {

enum class LogFormat { kNginxCombined, kJson };

struct IngestOptions {
  LogFormat format = LogFormat::kNginxCombined;
  std::string json_key_field = "key_id";
  std::int64_t start_offset = 0;  // bytes already ingested (the desk resumes)
  bool suspend_on_trip = true;
  std::string actor = "keys ingest";
};

struct LineProblem {
  std::int64_t line = 0;
  std::string message;
};

struct Trip {
  std::string key_id;
  Decision decision;
  std::int64_t at_ms = 0;
};

struct IngestReport {
  std::int64_t lines = 0;
  std::int64_t events = 0;     // stored
  std::int64_t malformed = 0;
  std::int64_t no_key = 0;     // lines without a key field
  std::int64_t unknown_key = 0;
  std::int64_t plain_keys = 0; // lines that logged a plain key (fix the log format)
  std::int64_t end_offset = 0; // bytes consumed (whole lines only)
  std::vector<LineProblem> problems;  // the first 20 malformed lines
  std::vector<Trip> trips;     // keys that tripped a rule (first trip each)
};

// Ingests `path` from options.start_offset. Fails only when the file cannot
// be read or the store refuses; bad lines are in the report.
Result<IngestReport> IngestLog(Store& store, const Settings& settings,
                               const std::filesystem::path& path, const IngestOptions& options,
                               TimePoint now);

}  // namespace ctodesk::keys
