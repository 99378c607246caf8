// The backups desk: are the backups there, fresh, the right size, and
// restorable? For each [[backups.systems]] entry it lists the files matching
// the glob in the folder (the "series", oldest first), records each new
// file's size in the store's check history, verifies files it has not
// verified before (see verify.h; each result is kept in the store under path,
// size and mtime), and reports:
//   no backup at all                                   act-now
//   newest older than the cadence plus grace           act-now
//   a file failed verification (first bad entry)      act-now
//   the folder cannot be read                          act-now
//   newest smaller than min_size                       today
//   newest shrank by more than half (median of last 7) today
//   newest grew more than 3x                           fyi
//   fewer files kept than the retention               this-week
//   never restored in a drill, or not for 30 days      this-week
//   the last drill failed                              today
//
// Verify() and Drill() are what `ctodesk backups verify` and `drill` call.
// Not thread-safe (it uses one Store).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/progress.h"
#include "desks/backups/cadence.h"
#include "desks/backups/verify.h"
#include "desks/desk.h"

namespace ctodesk::backups {

struct System {
  std::string name;
  std::filesystem::path path;  // the folder
  std::string glob = "*";      // matched against file names in the folder (fnmatch)
  Cadence cadence = Cadence::Every(std::chrono::hours(24), "24h");  // and its time_zone (default UTC)
  Duration grace = std::chrono::hours(6);
  std::int64_t min_size = 0;
  int retention = 0;  // 0: not checked
  std::vector<VerifyMode> verify;
  std::string command;      // for verify = "command"
  std::string drill_check;  // run in the restored folder after a drill
  // For pg_dump series: a PostgreSQL server (libpq keyword=value, no dbname)
  // where a drill restores into a scratch database it creates and drops
  // (pg_drill.h); drill_check then runs with PGDATABASE set to it.
  std::string drill_postgres;
  Duration timeout = std::chrono::hours(1);  // for command and drill_check
};

struct Settings {
  std::vector<System> systems;
  Duration verify_budget = std::chrono::minutes(15);  // per morning run
  Duration drill_every = std::chrono::days(30);
};

// Reads [backups]; records config errors on the table. Exposed for tests.
Settings ReadSettings(ConfigTable& section);

struct BackupFile {
  std::filesystem::path path;
  std::int64_t size = 0;
  TimePoint mtime{};
  std::string error;  // set when the entry could not be examined (symlink loop, ...)
  std::string Key() const;  // "path|size|mtime": the store key of its verification
};

struct Series {
  std::vector<BackupFile> files;  // readable regular files, oldest first
  std::vector<BackupFile> broken;  // matched the glob but could not be examined
  std::string location_error;      // the folder itself could not be read
};

// Lists `system`'s files as they were at `now`: files modified more than an
// hour after `now` did not exist yet and are left out.
Series ScanSeries(const System& system, TimePoint now);

// A stored verification result.
struct FileVerification {
  bool ok = false;
  TimePoint at{};
  std::string error;
  std::string notes;
  std::string modes;  // the modes it was verified with: "archive,checksums"
};

struct VerifyOptions {
  std::string only;  // a system name; empty: all
  bool deep = false;  // verify again what was verified before
  std::optional<Duration> max_duration;
  bool progress = true;  // a progress bar when stderr is a terminal
  int jobs = 0;          // files verified at once; 0: one per CPU core
};

struct VerifiedFile {
  const System* system = nullptr;
  BackupFile file;
  CheckResult result;
  bool skipped = false;  // already verified (not --deep): result is the stored one
};

struct VerifyReport {
  std::vector<VerifiedFile> files;  // in the order they were verified
  std::int64_t bytes = 0;
  Duration took{};
  std::int64_t left = 0;  // files not reached before max_duration
  bool all_ok() const;
};

struct DrillOptions {
  std::filesystem::path into;  // empty: a fresh temporary folder, removed afterwards
  bool keep = false;           // keep the temporary folder
  bool progress = true;
};

struct DrillRecord {
  bool ok = false;
  TimePoint at{};
  std::string file;  // the backup restored
  std::string dir;   // where it was restored
  std::int64_t entries = 0, bytes = 0;
  double restore_seconds = 0, check_seconds = 0;
  std::string error;
  std::string check_output;  // last line of the drill check's output
};

struct SystemStatus {
  const System* system = nullptr;
  Series series;
  std::vector<double> recent_sizes;  // last sizes from the store, oldest first
  std::optional<TimePoint> last_verified;
  std::int64_t unverified = 0, bad = 0;
  std::optional<DrillRecord> last_drill;
};

class BackupsDesk final : public Desk {
 public:
  explicit BackupsDesk(Settings settings) : settings_(std::move(settings)) {}

  // Records new sizes, verifies new files within verify_budget, assesses.
  Result<DeskReport> Run(DeskContext& ctx) override;

  // Verifies files: never-verified first (newest first among them), then the
  // least recently verified; with max_duration, stops when the time is up.
  // Files are verified in parallel (options.jobs); the store is written from
  // the calling thread only.
  Result<VerifyReport> Verify(DeskContext& ctx, const VerifyOptions& options);
  // Restores the newest backup of `name`, runs its drill_check, records it.
  Result<DrillRecord> Drill(DeskContext& ctx, const std::string& name, const DrillOptions& options);
  Result<std::vector<SystemStatus>> Status(DeskContext& ctx);
  // Findings from the folders and what the store knows.
  Result<std::vector<Finding>> Assess(DeskContext& ctx);

  const Settings& settings() const { return settings_; }
  const System* FindSystem(const std::string& name) const;

 private:
  Result<void> RecordSizes(DeskContext& ctx, const System& system, const Series& series);

  Settings settings_;
};

std::unique_ptr<Desk> Configure(ConfigTable& section);

// Store namespaces, for tests and the CLI.
inline constexpr const char* kVerifyState = "backups.verify";
inline constexpr const char* kSizeState = "backups.sizes";
inline constexpr const char* kDrillState = "backups.drill";

}  // namespace ctodesk::backups
