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
//   include_test_guesses = false                 # report generic guesses in test/spec/fixture paths
//
// The leak loop: when [keys] is configured too, its prefix is added to
// own_key_prefixes and its on_leak applies (LinkKeys). A secret that is one
// of OUR API keys (checksum, then its hash in the registry) is handed to the
// keys desk: per on_leak the key is revoked ("revoke") or suspended
// ("suspend") at once, or ("report") the finding says "revoke key_... now".
// The finding names the key id, never the plain key, and carries the
// exposure window (commit date to revocation) and whether the key was used
// in it. Each leaked key is also remembered in state "leaks"/"leaked-keys"
// (LeakedKeyRecord by key id) for the incidents desk.
//
// Not thread-safe; scans use every core internally.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>
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
  bool include_test_guesses = false;
  std::vector<std::string> own_key_prefixes;
  std::string on_leak = "report";  // "report" | "revoke" | "suspend", from [keys]
  bool keys_linked = false;        // [keys] is configured: look our keys up in the registry
};

// What the leaks desk remembers about one of our keys found leaked (a JSON
// object by key id in state ns "leaks", key "leaked-keys"). Never the plain key.
struct LeakedKeyRecord {
  std::string key_id;
  std::string repo;
  std::string fingerprint;
  std::string finding_id;   // the leaks finding that reports it
  std::string commit;       // the commit that introduced it (empty outside git)
  std::string author;
  std::string where;        // "deploy/ci.env:2"
  std::int64_t exposed_since = 0;  // unix seconds: the commit's time (or when found)
  std::int64_t found_at = 0;       // unix seconds: the first run that found it
  std::string action;       // "revoked", "suspended", "reported" (what the desk did)
};
// Every leaked key the desk has recorded, from the store, by key id order.
Result<std::vector<LeakedKeyRecord>> LeakedKeys(Store& store);
// The record of one key, nullopt when the leaks desk never found it.
Result<std::optional<LeakedKeyRecord>> FindLeakedKey(Store& store, std::string_view key_id);
// Adds or replaces the record of r.key_id (keeps the first found_at).
Result<void> SaveLeakedKey(Store& store, const LeakedKeyRecord& r);

// Reads [leaks]; records config errors on the table. Exposed for tests.
Settings ReadSettings(ConfigTable& section);

class LeaksDesk final : public Desk {
 public:
  explicit LeaksDesk(Settings settings) : settings_(std::move(settings)) {}
  Result<DeskReport> Run(DeskContext& ctx) override;
  const Settings& settings() const { return settings_; }
  ScanOptions Options() const;
  // The leak loop: our key prefix and what to do on a leak, from [keys].
  void LinkKeys(const std::string& prefix, const std::string& on_leak);

 private:
  Settings settings_;
};

std::unique_ptr<Desk> Configure(ConfigTable& section);

}  // namespace ctodesk::leaks
