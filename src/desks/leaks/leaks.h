// The leaks desk: did a secret get into code or into git history?
//
// Each morning it scans the configured repositories — the whole history the
// first time, then only commits that are new since the last run (the store
// remembers every ref's tip per repository) — and reports every secret it
// knows of, redacted:
//   a secret present at HEAD                  act-now
//   a secret only in history                  today (rotate it: rewriting history does not un-leak it)
//   a secret new since the last run           act-now
// Low-confidence (generic password=...) secrets rank one step lower. A secret
// removed from HEAD resolves its at-head finding and becomes a history one.
//
// Config:
//   [leaks]
//   repositories = ["repos/api", "repos/web"]   # and/or [[leaks.repos]] name/path
//   max_blob_size = "5MiB"
//   allow_paths = ["docs/**"]                    # globs
//   allow_fingerprints = ["0123456789abcdef"]
//   own_key_prefixes = ["acme"]                  # our keys (keys/key_format.h)
//   threads = 0                                  # 0: one per core
//
// Not thread-safe; scans use every core internally.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "desks/desk.h"
#include "desks/leaks/scanner.h"

namespace ctodesk::leaks {

struct Repo {
  std::string name;             // for titles: "payments-api"
  std::filesystem::path path;   // relative paths resolve against the config's folder
};

struct Settings {
  std::vector<Repo> repos;
  std::uint64_t max_blob_size = 5 * 1024 * 1024;
  int threads = 0;
  std::vector<std::string> allow_paths;
  std::set<std::string> allow_fingerprints;
  std::vector<std::string> own_key_prefixes;
};

// Reads [leaks]; records config errors on the table. Exposed for tests.
Settings ReadSettings(ConfigTable& section);

class LeaksDesk final : public Desk {
 public:
  explicit LeaksDesk(Settings settings) : settings_(std::move(settings)) {}
  Result<DeskReport> Run(DeskContext& ctx) override;
  const Settings& settings() const { return settings_; }
  ScanOptions Options() const;

 private:
  Settings settings_;
};

std::unique_ptr<Desk> Configure(ConfigTable& section);

}  // namespace ctodesk::leaks
