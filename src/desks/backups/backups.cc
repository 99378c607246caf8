#include "desks/backups/backups.h"
#include "core/cores.h"
#include "core/json_text.h"

#include "desks/backups/pg_drill.h"

#include <fnmatch.h>
#include <sys/stat.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/size.h"
#include "desks/backups/command.h"
#include "desks/backups/drill.h"

namespace ctodesk::backups {

namespace {

constexpr const char* kDesk = "backups";
constexpr double kShrinkRatio = 0.5;  // newest below half the median: shrank
constexpr double kGrowRatio = 3.0;    // newest above three times the median: grew
constexpr int kMedianOf = 7;
const Duration kFutureSlack = std::chrono::hours(1);

std::string ModesText(const std::vector<VerifyMode>& modes) {
  std::vector<std::string> names;
  for (VerifyMode m : modes) names.emplace_back(VerifyModeName(m));
  return fmt::format("{}", fmt::join(names, ","));
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::optional<FileVerification> ParseVerification(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  FileVerification v;
  v.ok = j.value("ok", false);
  v.at = FromUnix(j.value("at", std::int64_t{0}));
  v.error = j.value("error", "");
  v.notes = j.value("notes", "");
  v.modes = j.value("modes", "");
  return v;
}

std::optional<DrillRecord> ParseDrill(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  DrillRecord d;
  d.ok = j.value("ok", false);
  d.at = FromUnix(j.value("at", std::int64_t{0}));
  d.file = j.value("file", "");
  d.dir = j.value("dir", "");
  d.entries = j.value("entries", std::int64_t{0});
  d.bytes = j.value("bytes", std::int64_t{0});
  d.restore_seconds = j.value("restore_seconds", 0.0);
  d.check_seconds = j.value("check_seconds", 0.0);
  d.error = j.value("error", "");
  d.check_output = j.value("check_output", "");
  return d;
}

std::string DrillJson(const DrillRecord& d) {
  nlohmann::json j = {{"ok", d.ok},           {"at", ToUnix(d.at)},
                      {"file", d.file},       {"dir", d.dir},
                      {"entries", d.entries}, {"bytes", d.bytes},
                      {"restore_seconds", d.restore_seconds},
                      {"check_seconds", d.check_seconds},
                      {"error", d.error},     {"check_output", d.check_output}};
  return JsonText(j);
}

Result<std::optional<FileVerification>> StoredVerification(Store& store, const BackupFile& f) {
  auto text = store.GetState(kVerifyState, f.Key());
  if (!text) return Fail(text.error());
  if (!*text) return std::optional<FileVerification>();
  return ParseVerification(**text);
}

Result<std::optional<DrillRecord>> StoredDrill(Store& store, const std::string& name) {
  auto text = store.GetState(kDrillState, name);
  if (!text) return Fail(text.error());
  if (!*text) return std::optional<DrillRecord>();
  return ParseDrill(**text);
}

bool IsArchiveName(const std::filesystem::path& p) {
  std::string n = p.filename().string();
  for (const char* ext : {".tar", ".tar.gz", ".tgz", ".tar.zst", ".tzst", ".tar.xz", ".txz",
                          ".tar.bz2", ".zip"}) {
    if (n.size() > std::strlen(ext) && n.ends_with(ext)) return true;
  }
  return false;
}

double Seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

std::string BackupFile::Key() const {
  return fmt::format("{}|{}|{}", path.string(), size, ToUnix(mtime));
}

bool VerifyReport::all_ok() const {
  return std::all_of(files.begin(), files.end(),
                     [](const VerifiedFile& f) { return f.result.verdict != Verdict::kBad; });
}

Settings ReadSettings(ConfigTable& section) {
  Settings s;
  if (auto b = section.DurationValue("verify_budget")) s.verify_budget = *b;
  if (auto d = section.DurationValue("drill_every")) s.drill_every = *d;
  std::set<std::string> names;
  for (ConfigTable& t : section.TableArray("systems")) {
    System sys;
    auto name = t.String("name", true);
    auto path = t.Path("path", true);
    if (path) sys.path = *path;
    if (auto g = t.String("glob")) {
      if (g->empty() || g->find('/') != std::string::npos) {
        t.Error("glob", fmt::format("expected a file-name pattern such as \"*.tar.zst\" (no folders; "
                                    "put those in \"path\"), got \"{}\"", *g));
      } else {
        sys.glob = *g;
      }
    }
    std::string zone = "UTC";
    if (auto z = t.String("time_zone")) zone = *z;
    if (auto text = t.String("cadence")) {
      auto c = Cadence::Parse(*text, zone);
      if (!c) {
        bool looks_like_cron = text->find(' ') != std::string::npos || text->rfind('@', 0) == 0;
        if (looks_like_cron || c.error().message.rfind("unknown time zone", 0) == 0) {
          t.Error(c.error().message.rfind("unknown time zone", 0) == 0 ? "time_zone" : "cadence",
                  c.error().message);
        } else {
          t.Error("cadence", fmt::format("expected a duration such as \"24h\" or a cron expression "
                                         "such as \"0 2 * * *\", got \"{}\"",
                                         *text));
        }
      } else {
        sys.cadence = *c;
      }
    }
    if (auto g = t.DurationValue("grace")) sys.grace = *g;
    if (auto m = t.Size("min_size")) sys.min_size = *m;
    if (auto r = t.Int("retention", 1, 100000)) sys.retention = static_cast<int>(*r);
    for (const std::string& mode : t.StringList("verify")) {
      auto m = ParseVerifyMode(mode);
      if (!m) {
        t.Error("verify", fmt::format("expected modes among \"archive\", \"checksums\", \"sqlite\", "
                                      "\"pg_dump\", \"command\", got \"{}\"", mode));
      } else if (std::find(sys.verify.begin(), sys.verify.end(), *m) == sys.verify.end()) {
        sys.verify.push_back(*m);
      }
    }
    if (auto c = t.String("command")) sys.command = *c;
    if (auto c = t.String("drill_check")) sys.drill_check = *c;
    if (auto c = t.String("drill_postgres")) {
      if (std::string why = PgConninfoProblem(*c); !why.empty()) {
        t.Error("drill_postgres", why);
      } else {
        sys.drill_postgres = *c;
      }
    }
    if (auto d = t.DurationValue("timeout")) sys.timeout = *d;
    bool wants_command = std::find(sys.verify.begin(), sys.verify.end(), VerifyMode::kCommand) != sys.verify.end();
    if (!sys.drill_postgres.empty() &&
        std::find(sys.verify.begin(), sys.verify.end(), VerifyMode::kPgDump) == sys.verify.end()) {
      t.Error("drill_postgres", "a scratch-database drill restores PostgreSQL dumps: add \"pg_dump\" to verify");
    }
    if (wants_command && sys.command.empty()) {
      t.Error("verify", "verify mode \"command\" needs \"command\", the command to run on each file");
    }
    if (name) {
      if (name->empty()) {
        t.Error("name", "expected a name, got an empty string");
      } else if (!names.insert(*name).second) {
        t.Error("name", fmt::format("another backup system is already named \"{}\"", *name));
      }
      sys.name = *name;
      if (path) s.systems.push_back(std::move(sys));
    }
  }
  if (s.systems.empty() && !section.Has("systems")) {
    section.Error("systems", "expected at least one [[backups.systems]] table");
  }
  return s;
}

std::unique_ptr<Desk> Configure(ConfigTable& section) {
  return std::make_unique<BackupsDesk>(ReadSettings(section));
}

Series ScanSeries(const System& system, TimePoint now) {
  namespace fs = std::filesystem;
  Series series;
  std::error_code ec;
  struct stat dir_st{};
  if (::stat(system.path.c_str(), &dir_st) != 0) {
    series.location_error = std::strerror(errno);
    return series;
  }
  if (!S_ISDIR(dir_st.st_mode)) {
    series.location_error = "not a folder";
    return series;
  }
  fs::directory_iterator it(system.path, ec);
  if (ec) {
    series.location_error = ec.message();
    return series;
  }
  for (fs::directory_iterator end; it != end; it.increment(ec)) {
    if (ec) {
      series.location_error = ec.message();
      break;
    }
    const fs::path p = it->path();
    const std::string name = p.filename().string();
    if (::fnmatch(system.glob.c_str(), name.c_str(), FNM_PERIOD) != 0) continue;
    BackupFile f;
    f.path = p;
    struct stat st{};
    // stat follows links: a link to a backup counts; a loop or a dangling
    // link is a file we cannot examine.
    if (::stat(p.c_str(), &st) != 0) {
      f.error = fmt::format("cannot be read: {}", std::strerror(errno));
      series.broken.push_back(std::move(f));
      continue;
    }
    if (S_ISDIR(st.st_mode)) continue;  // a folder that happens to match
    if (!S_ISREG(st.st_mode)) {
      f.error = "is not a regular file";
      series.broken.push_back(std::move(f));
      continue;
    }
    f.size = st.st_size;
    f.mtime = FromUnix(st.st_mtim.tv_sec);
    if (f.mtime > now + std::chrono::duration_cast<std::chrono::seconds>(kFutureSlack)) continue;
    series.files.push_back(std::move(f));
  }
  std::sort(series.files.begin(), series.files.end(), [](const BackupFile& a, const BackupFile& b) {
    return a.mtime != b.mtime ? a.mtime < b.mtime : a.path < b.path;
  });
  std::sort(series.broken.begin(), series.broken.end(),
            [](const BackupFile& a, const BackupFile& b) { return a.path < b.path; });
  return series;
}

const System* BackupsDesk::FindSystem(const std::string& name) const {
  for (const System& s : settings_.systems) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

Result<void> BackupsDesk::RecordSizes(DeskContext& ctx, const System& system, const Series& series) {
  std::vector<CheckRecord> records;
  std::vector<std::string> keys;
  for (const BackupFile& f : series.files) {
    std::string key = system.name + "|" + f.Key();
    auto seen = ctx.store.GetState(kSizeState, key);
    if (!seen) return Fail(seen.error());
    if (*seen) continue;
    nlohmann::json detail = {{"file", f.path.filename().string()}};
    records.push_back({kDesk, system.name, f.mtime, f.size >= system.min_size,
                       static_cast<double>(f.size), JsonText(detail)});
    keys.push_back(std::move(key));
  }
  if (records.empty()) return {};
  if (auto w = ctx.store.AppendChecks(records); !w) return Fail(w.error());
  for (const std::string& key : keys) {
    if (auto w = ctx.store.PutState(kSizeState, key, "1"); !w) return Fail(w.error());
  }
  return {};
}

Result<VerifyReport> BackupsDesk::Verify(DeskContext& ctx, const VerifyOptions& options) {
  const TimePoint now = ctx.clock.Now();
  const auto started = std::chrono::steady_clock::now();
  struct Candidate {
    const System* system;
    BackupFile file;
    std::optional<FileVerification> stored;
  };
  std::vector<Candidate> todo;
  VerifyReport report;
  for (const System& system : settings_.systems) {
    if (!options.only.empty() && system.name != options.only) continue;
    Series series = ScanSeries(system, now);
    for (BackupFile& f : series.files) {
      auto stored = StoredVerification(ctx.store, f);
      if (!stored) return Fail(stored.error());
      bool current = *stored && (*stored)->modes == ModesText(system.verify);
      if (current && !options.deep) {
        VerifiedFile v{&system, f, {}, true};
        v.result.verdict = (*stored)->ok ? Verdict::kOk : Verdict::kBad;
        v.result.error = (*stored)->error;
        if (!(*stored)->notes.empty()) v.result.notes.push_back((*stored)->notes);
        report.files.push_back(std::move(v));
        continue;
      }
      todo.push_back({&system, std::move(f), current ? *stored : std::nullopt});
    }
  }
  // Never verified first, newest first among them; then the least recently verified.
  std::stable_sort(todo.begin(), todo.end(), [](const Candidate& a, const Candidate& b) {
    if (a.stored.has_value() != b.stored.has_value()) return !a.stored.has_value();
    if (!a.stored) return a.file.mtime > b.file.mtime;
    return a.stored->at < b.stored->at;
  });
  std::int64_t total = 0;
  for (const Candidate& c : todo) {
    // archive and checksums each read the whole file once.
    auto passes = std::count_if(c.system->verify.begin(), c.system->verify.end(), [](VerifyMode m) {
      return m == VerifyMode::kArchive || m == VerifyMode::kChecksums;
    });
    total += c.file.size * std::max<std::int64_t>(1, passes);
  }
  Progress progress("verifying", total, options.progress && Progress::StderrIsTty());
  VerifyControl base;
  if (options.max_duration) base.deadline = started + *options.max_duration;
  base.progress = &progress;

  // Files are verified in parallel, one per worker; results are consumed in
  // candidate order on this thread, which alone writes to the store.
  const size_t jobs = std::min<size_t>(
      todo.size(), static_cast<size_t>(std::clamp(options.jobs > 0 ? options.jobs
                                                                   : static_cast<int>(UsableCores()),
                                                  1, 64)));
  std::vector<std::optional<CheckResult>> results(todo.size());
  std::mutex mu;
  std::condition_variable ready;
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  auto worker = [&] {
    for (size_t i = next.fetch_add(1); i < todo.size(); i = next.fetch_add(1)) {
      const Candidate& c = todo[i];
      VerifyControl control = base;
      control.command = c.system->command;
      control.command_timeout = c.system->timeout;
      CheckResult r;
      if (stop.load() || control.Expired()) {
        r.verdict = Verdict::kInterrupted;
      } else {
        progress.SetLabel(fmt::format("{} {}", c.system->name, c.file.path.filename().string()));
        r = VerifyFile(c.file.path, c.system->verify, control);
      }
      {
        std::lock_guard lock(mu);
        results[i] = std::move(r);
      }
      ready.notify_all();
    }
  };
  std::vector<std::thread> threads;
  for (size_t j = 0; j < jobs; ++j) threads.emplace_back(worker);
  std::optional<Error> failed;
  for (size_t i = 0; i < todo.size(); ++i) {
    CheckResult r;
    {
      std::unique_lock lock(mu);
      ready.wait(lock, [&] { return results[i].has_value(); });
      r = std::move(*results[i]);
    }
    const Candidate& c = todo[i];
    if (r.verdict == Verdict::kInterrupted || failed) {
      ++report.left;
      continue;
    }
    nlohmann::json j = {{"ok", r.verdict == Verdict::kOk},
                        {"at", ToUnix(now)},
                        {"error", r.error},
                        {"notes", fmt::format("{}", fmt::join(r.notes, "; "))},
                        {"modes", ModesText(c.system->verify)}};
    if (auto w = ctx.store.PutState(kVerifyState, c.file.Key(), JsonText(j)); !w) {
      failed = w.error();
      stop = true;
      continue;
    }
    report.bytes += c.file.size;
    report.files.push_back({c.system, c.file, std::move(r), false});
  }
  for (std::thread& t : threads) t.join();
  if (failed) return Fail(*failed);
  report.took = std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - started);
  return report;
}

namespace {

// Restores a PostgreSQL dump into a scratch database on the drill server, runs
// drill_check against it (PGDATABASE set), and drops it unless `keep`.
void DrillIntoScratchDatabase(const System& system, const BackupFile& newest, const std::string& db, bool keep,
                              DrillRecord& d) {
  auto restored = RestoreIntoScratchDatabase(newest.path, system.drill_postgres, db, system.timeout);
  if (!restored) {
    d.error = "restore failed: " + restored.error().message;
    return;
  }
  d.restore_seconds = restored->seconds;
  d.entries = 1;
  d.bytes = newest.size;
  d.ok = true;
  d.check_output = fmt::format("restored ({} format) into scratch database {}", restored->format, db);
  if (!system.drill_check.empty()) {
    CommandSpec spec{system.drill_check, newest.path, "", system.timeout};
    spec.env = PgEnvironment(system.drill_postgres, db);
    CommandResult c = RunCommand(spec);
    d.check_seconds = std::chrono::duration<double>(c.took).count();
    if (!c.last_line.empty()) d.check_output = c.last_line;
    if (!c.ok) {
      d.ok = false;
      d.error = "drill_check " + c.error;
    }
  }
  if (keep) {
    d.check_output += fmt::format(" (kept: scratch database {})", db);
  } else if (auto dropped = DropScratchDatabase(system.drill_postgres, db, system.timeout); !dropped) {
    d.ok = false;
    d.error = dropped.error().message;
  }
}

// Extracts an archive (or copies any other file) into `dir`, checks a SQLite
// copy's integrity there, and runs drill_check in it.
void DrillIntoFolder(const System& system, const BackupFile& newest, const std::filesystem::path& dir,
                     bool archive, VerifyControl& control, DrillRecord& d) {
  auto t0 = std::chrono::steady_clock::now();
  auto restored = archive ? ExtractArchive(newest.path, dir, control) : CopyInto(newest.path, dir, control);
  d.restore_seconds = Seconds(std::chrono::steady_clock::now() - t0);
  if (!restored) {
    d.error = "restore failed: " + restored.error().message;
    return;
  }
  d.entries = restored->entries;
  d.bytes = restored->bytes;
  d.ok = true;
  bool is_sqlite =
      std::find(system.verify.begin(), system.verify.end(), VerifyMode::kSqlite) != system.verify.end();
  if (is_sqlite) {
    // The copy must open and pass its integrity check where it was restored.
    CheckResult r = CheckSqlite(dir / newest.path.filename(), control);
    if (r.verdict == Verdict::kBad) {
      d.ok = false;
      d.error = "restored database fails: " + r.error;
      return;
    }
    if (!r.notes.empty()) d.check_output = r.notes.front();
  }
  if (!system.drill_check.empty()) {
    CommandResult c = RunCommand({system.drill_check, newest.path, dir, system.timeout});
    d.check_seconds = std::chrono::duration<double>(c.took).count();
    d.check_output = c.last_line;
    if (!c.ok) {
      d.ok = false;
      d.error = "drill_check " + c.error;
    }
  }
}

}  // namespace

Result<DrillRecord> BackupsDesk::Drill(DeskContext& ctx, const std::string& name,
                                       const DrillOptions& options) {
  namespace fs = std::filesystem;
  const System* system = FindSystem(name);
  if (!system) return Fail(Error::NotFound(fmt::format("no backup system named \"{}\"", name)));
  const TimePoint now = ctx.clock.Now();
  Series series = ScanSeries(*system, now);
  if (!series.location_error.empty()) {
    return Fail(Error::Io(fmt::format("{}: cannot read {}: {}", name, system->path.string(),
                                      series.location_error)));
  }
  if (series.files.empty()) {
    return Fail(Error::NotFound(fmt::format("{}: no backup matching \"{}\" in {}", name, system->glob,
                                            system->path.string())));
  }
  const BackupFile& newest = series.files.back();

  // The scratch folder: a fresh temporary one, or --into, which must be new or empty
  // so that a drill never mixes with (or overwrites) anything already there.
  fs::path dir;
  bool temporary = options.into.empty();
  std::error_code ec;
  if (temporary) {
    std::string pattern = (fs::temp_directory_path(ec) / "ctodesk-drill-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) {
      return Fail(Error::Io(fmt::format("cannot create a scratch folder: {}", std::strerror(errno))));
    }
    dir = pattern;
  } else {
    dir = options.into;
    if (fs::exists(dir, ec) && !(fs::is_directory(dir, ec) && fs::is_empty(dir, ec))) {
      return Fail(Error::Invalid(fmt::format("--into {}: exists and is not an empty folder; a drill "
                                             "restores into a new or empty folder only",
                                             dir.string())));
    }
    fs::create_directories(dir, ec);
    if (ec) return Fail(Error::Io(fmt::format("--into {}: {}", dir.string(), ec.message())));
  }

  DrillRecord d;
  d.at = now;
  d.file = newest.path.string();
  d.dir = dir.string();
  Progress progress(fmt::format("restoring {}", newest.path.filename().string()), newest.size,
                    options.progress && Progress::StderrIsTty());
  VerifyControl control;
  control.progress = &progress;
  const bool archive =
      std::find(system->verify.begin(), system->verify.end(), VerifyMode::kArchive) != system->verify.end() ||
      IsArchiveName(newest.path);
  std::string scratch_db;
  if (!system->drill_postgres.empty() && !archive) {
    scratch_db = ScratchDatabaseName(now);
    DrillIntoScratchDatabase(*system, newest, scratch_db, options.keep, d);
  } else {
    DrillIntoFolder(*system, newest, dir, archive, control, d);
  }
  if (temporary && !options.keep) {
    fs::remove_all(dir, ec);
    d.dir.clear();
  }
  if (!scratch_db.empty()) {
    d.dir = fmt::format("PostgreSQL scratch database {}{}", scratch_db, options.keep ? "" : " (dropped afterwards)");
  }
  if (auto w = ctx.store.PutState(kDrillState, name, DrillJson(d)); !w) return Fail(w.error());
  return d;
}

Result<std::vector<SystemStatus>> BackupsDesk::Status(DeskContext& ctx) {
  const TimePoint now = ctx.clock.Now();
  std::vector<SystemStatus> out;
  for (const System& system : settings_.systems) {
    SystemStatus s;
    s.system = &system;
    s.series = ScanSeries(system, now);
    auto history = ctx.store.Checks(kDesk, system.name, TimePoint{}, 64);
    if (!history) return Fail(history.error());
    for (const CheckRecord& c : *history) {
      if (c.at <= now + std::chrono::duration_cast<std::chrono::seconds>(kFutureSlack)) {
        s.recent_sizes.push_back(c.value);
      }
    }
    if (s.recent_sizes.size() > kMedianOf + 1) {
      s.recent_sizes.erase(s.recent_sizes.begin(), s.recent_sizes.end() - (kMedianOf + 1));
    }
    for (const BackupFile& f : s.series.files) {
      auto v = StoredVerification(ctx.store, f);
      if (!v) return Fail(v.error());
      if (!*v || (*v)->modes != ModesText(system.verify)) {
        ++s.unverified;
        continue;
      }
      if (!(*v)->ok) ++s.bad;
      if (!s.last_verified || (*v)->at > *s.last_verified) s.last_verified = (*v)->at;
    }
    auto drill = StoredDrill(ctx.store, system.name);
    if (!drill) return Fail(drill.error());
    s.last_drill = *drill;
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<Finding>> BackupsDesk::Assess(DeskContext& ctx) {
  const TimePoint now = ctx.clock.Now();
  auto statuses = Status(ctx);
  if (!statuses) return Fail(statuses.error());
  std::vector<Finding> findings;
  for (const SystemStatus& s : *statuses) {
    const System& sys = *s.system;
    auto base = [&](std::string kind, Severity sev) {
      Finding f;
      f.desk = kDesk;
      f.subject = sys.name;
      f.kind = std::move(kind);
      f.severity = sev;
      f.evidence.emplace_back("location", (sys.path / sys.glob).string());
      return f;
    };
    if (!s.series.location_error.empty()) {
      Finding f = base("location-unreadable", Severity::kActNow);
      f.title = fmt::format("{} backup folder cannot be read: {}", sys.name, s.series.location_error);
      f.detail = fmt::format("{} could not be listed ({}), so nobody can tell whether its backups exist.",
                             sys.path.string(), s.series.location_error);
      f.action = "Check that the backup volume is mounted and readable by the user running ctodesk.";
      f.evidence.emplace_back("error", s.series.location_error);
      f.plain.risk = fmt::format("We cannot see the backups of {}, so we cannot tell whether we could recover it after a failure.", sys.name);
      f.plain.doing = "The team is restoring access to the backup storage today.";
      findings.push_back(std::move(f));
      continue;
    }
    const auto& files = s.series.files;
    if (files.empty()) {
      Finding f = base("missing", Severity::kActNow);
      f.title = fmt::format("No backup of {} at all", sys.name);
      f.detail = fmt::format("Nothing in {} matches \"{}\"{}. If this system fails today, there is "
                             "nothing to restore.",
                             sys.path.string(), sys.glob,
                             s.series.broken.empty()
                                 ? ""
                                 : fmt::format(" that can be read ({} matching entries are broken)",
                                               s.series.broken.size()));
      f.action = fmt::format("Find out why the {} backup job writes nothing there, and run it now.", sys.name);
      f.plain.risk = fmt::format("There is no backup of {} at all. If it failed today, its data would be lost.", sys.name);
      f.plain.doing = "The team is finding out why no backup is written and running one now.";
      findings.push_back(std::move(f));
    } else {
      const BackupFile& newest = files.back();
      const TimePoint due = sys.cadence.DueBy(now, sys.grace);
      if (newest.mtime < due) {
        auto age = std::chrono::duration_cast<Duration>(now - newest.mtime);
        Finding f = base("stale", Severity::kActNow);
        f.title = fmt::format("{} backup is {} old ({})", sys.name, HumanDuration(age),
                              sys.cadence.is_cron() ? fmt::format("scheduled \"{}\"", sys.cadence.text())
                                                    : "expected every " + sys.cadence.text());
        f.detail = fmt::format("The newest backup, {}, was written at {}; the series has stopped since "
                               "then. Cadence \"{}\" with {} grace means one was due by {}.",
                               newest.path.filename().string(), FormatTime(newest.mtime),
                               sys.cadence.text(), FormatDuration(sys.grace),
                               FormatTime(due));
        f.action = fmt::format("Check the {} backup job (its scheduler, logs and credentials) and run it "
                               "by hand today.",
                               sys.name);
        f.evidence.emplace_back("newest", newest.path.filename().string());
        f.evidence.emplace_back("last backup at", FormatTime(newest.mtime));
        f.evidence.emplace_back("age", HumanDuration(age));
        f.plain.risk = fmt::format("The backups of {} stopped {} ago. Anything changed since then would be lost if it failed today.", sys.name, HumanDuration(age));
      f.plain.doing = "The team is restarting the backups and taking a fresh one today.";
      findings.push_back(std::move(f));
      }
      if (sys.min_size > 0 && newest.size < sys.min_size) {
        Finding f = base("too-small", Severity::kToday);
        f.title = fmt::format("{} backup is only {} (minimum {})", sys.name, HumanSize(newest.size),
                              HumanSize(sys.min_size));
        f.detail = fmt::format("{} is {} bytes, below the configured minimum of {}.",
                               newest.path.filename().string(), newest.size, HumanSize(sys.min_size));
        f.action = "Open it and see what is missing; a backup job can succeed while dumping nothing.";
        f.evidence.emplace_back("newest", newest.path.filename().string());
        f.evidence.emplace_back("size", HumanSize(newest.size));
        f.plain.risk = fmt::format("The latest backup of {} is much smaller than it should be, so it may be missing data.", sys.name);
      f.plain.doing = "The team is checking what is in it and taking a new one if needed.";
      findings.push_back(std::move(f));
      }
      if (s.recent_sizes.size() >= 3) {
        std::vector<double> before(s.recent_sizes.begin(), s.recent_sizes.end() - 1);
        const double median = Median(before);
        const double last = s.recent_sizes.back();
        if (median > 0 && last < median * kShrinkRatio) {
          Finding f = base("shrank", Severity::kToday);
          f.title = fmt::format("{} backup shrank from {} to {}", sys.name,
                                HumanSize(static_cast<std::int64_t>(median)),
                                HumanSize(static_cast<std::int64_t>(last)));
          f.detail = fmt::format("The newest backup ({}) is {:.0f}% of the median of the {} before it. "
                                 "Data may be missing from it: a table dropped, a volume not mounted, "
                                 "an exclude that matches too much.",
                                 newest.path.filename().string(), 100.0 * last / median, before.size());
          f.action = "Compare its contents with an earlier backup before the older ones rotate away.";
          f.evidence.emplace_back("newest size", HumanSize(static_cast<std::int64_t>(last)));
          f.evidence.emplace_back(fmt::format("median of last {}", before.size()),
                                  HumanSize(static_cast<std::int64_t>(median)));
          f.plain.risk = fmt::format("The latest backup of {} is less than half its usual size, so part of our data may not be protected.", sys.name);
          f.plain.doing = "The team is comparing it with earlier backups before those are deleted.";
      findings.push_back(std::move(f));
        } else if (median > 0 && last > median * kGrowRatio) {
          Finding f = base("grew", Severity::kFyi);
          f.title = fmt::format("{} backup grew from {} to {}", sys.name,
                                HumanSize(static_cast<std::int64_t>(median)),
                                HumanSize(static_cast<std::int64_t>(last)));
          f.detail = fmt::format("The newest backup is {:.1f}x the median of the {} before it.",
                                 last / median, before.size());
          f.action = "Check that the growth is expected (a data import, logs now included) and that "
                     "storage and restore times still fit.";
          f.evidence.emplace_back("newest size", HumanSize(static_cast<std::int64_t>(last)));
          f.evidence.emplace_back(fmt::format("median of last {}", before.size()),
                                  HumanSize(static_cast<std::int64_t>(median)));
          findings.push_back(std::move(f));
        }
      }
      if (sys.retention > 0 && static_cast<int>(files.size()) < sys.retention) {
        Finding f = base("retention", Severity::kThisWeek);
        f.title = fmt::format("{} keeps {} backup{}, retention is {}", sys.name, files.size(),
                              files.size() == 1 ? "" : "s", sys.retention);
        f.detail = fmt::format("Only {} of the {} backups the retention promises are in {}; the oldest "
                               "is from {}.",
                               files.size(), sys.retention, sys.path.string(), FormatTime(files.front().mtime));
        f.action = "Check the rotation: it may delete too early, or backups may have failed for days.";
        f.evidence.emplace_back("kept", std::to_string(files.size()));
        f.evidence.emplace_back("retention", std::to_string(sys.retention));
        f.plain.risk = fmt::format("We keep fewer old copies of {} than we promised, so we can go back less far in time after a mistake.", sys.name);
        f.plain.doing = "The team is checking why old copies are missing.";
      findings.push_back(std::move(f));
      }
    }

    // Verification failures: the newest bad file is the one named.
    std::vector<std::pair<const BackupFile*, std::string>> bad;
    for (const BackupFile& f : s.series.broken) bad.emplace_back(&f, f.error);
    for (const BackupFile& f : files) {
      auto v = StoredVerification(ctx.store, f);
      if (!v) return Fail(v.error());
      if (*v && !(*v)->ok && (*v)->modes == ModesText(sys.verify)) bad.emplace_back(&f, (*v)->error);
    }
    if (!bad.empty()) {
      const auto& [file, error] = bad.back();
      Finding f = base("corrupt", Severity::kActNow);
      f.title = fmt::format("{} backup {} is unusable: {}", sys.name, file->path.filename().string(), error);
      if (f.title.size() > 160) f.title = f.title.substr(0, 157) + "...";
      bool newest_bad = !files.empty() && file == &files.back();
      f.detail = fmt::format("{} of the {} backups of {} failed verification{}. {}: {}.", bad.size(),
                             files.size() + s.series.broken.size(), sys.name,
                             newest_bad ? ", including the newest" : "", file->path.string(), error);
      f.action = newest_bad ? fmt::format("Run the {} backup again now and verify it "
                                          "(`ctodesk backups verify {}`); until then the last good one is "
                                          "older than it looks.",
                                          sys.name, sys.name)
                            : "Delete or re-create the broken backup so nobody restores it by mistake.";
      f.evidence.emplace_back("file", file->path.filename().string());
      f.evidence.emplace_back("error", error);
      f.evidence.emplace_back("bad files", std::to_string(bad.size()));
      f.plain.risk = fmt::format("A backup of {} is damaged and could not be used to recover our data.", sys.name);
      f.plain.doing = newest_bad ? "The team is taking a new, checked backup now." : "The team is removing the damaged copy so nobody relies on it.";
      findings.push_back(std::move(f));
    }

    // Drills: a backup nobody has restored is a hope, not a backup.
    const auto& drill = s.last_drill;
    if (!drill) {
      Finding f = base("drill", Severity::kThisWeek);
      f.title = fmt::format("{} backup has never been restored in a drill", sys.name);
      f.detail = "No restore of this series has ever been tried, so nobody knows whether it restores, "
                 "or how long it takes.";
      f.action = fmt::format("Run `ctodesk backups drill \"{}\"`{}.", sys.name,
                             sys.drill_check.empty() ? " and add a drill_check that queries the restored data" : "");
      f.plain.risk = fmt::format("Nobody has ever tried to recover {} from its backups, so we do not know that they work or how long it would take.", sys.name);
      f.plain.doing = "The team will run a test recovery this week.";
      findings.push_back(std::move(f));
    } else if (!drill->ok) {
      Finding f = base("drill", Severity::kToday);
      f.title = fmt::format("{} backup failed its last restore drill", sys.name);
      f.detail = fmt::format("The drill at {} restoring {} failed: {}.", FormatTime(drill->at),
                             std::filesystem::path(drill->file).filename().string(), drill->error);
      f.action = "Fix what the drill found and run it again; until it passes this series cannot be relied on.";
      f.evidence.emplace_back("last drill", FormatTime(drill->at));
      f.evidence.emplace_back("error", drill->error);
      f.plain.risk = fmt::format("Our last test recovery of {} failed: if we needed its backups today, they might not work.", sys.name);
      f.plain.doing = "The team is fixing the problem and repeating the test.";
      findings.push_back(std::move(f));
    } else if (now - drill->at > std::chrono::duration_cast<std::chrono::seconds>(settings_.drill_every)) {
      Finding f = base("drill", Severity::kThisWeek);
      f.title = fmt::format("{} backup not restored in a drill for {}", sys.name,
                            HumanDuration(std::chrono::duration_cast<Duration>(now - drill->at)));
      f.detail = fmt::format("The last drill, at {}, restored {} in {:.1f} s. Drills are due every {}.",
                             FormatTime(drill->at), std::filesystem::path(drill->file).filename().string(),
                             drill->restore_seconds + drill->check_seconds, FormatDuration(settings_.drill_every));
      f.action = fmt::format("Run `ctodesk backups drill \"{}\"`.", sys.name);
      f.evidence.emplace_back("last drill", FormatTime(drill->at));
      f.plain.risk = fmt::format("We have not tested recovering {} from its backups for a while.", sys.name);
      f.plain.doing = "The team will run a test recovery this week.";
      findings.push_back(std::move(f));
    }
  }
  return findings;
}

Result<DeskReport> BackupsDesk::Run(DeskContext& ctx) {
  const TimePoint now = ctx.clock.Now();
  std::int64_t checked = 0;
  for (const System& system : settings_.systems) {
    Series series = ScanSeries(system, now);
    checked += static_cast<std::int64_t>(series.files.size());
    if (auto r = RecordSizes(ctx, system, series); !r) return Fail(r.error());
  }
  VerifyOptions options;
  options.max_duration = settings_.verify_budget;
  options.progress = false;
  if (auto v = Verify(ctx, options); !v) return Fail(v.error());
  auto findings = Assess(ctx);
  if (!findings) return Fail(findings.error());
  return DeskReport{std::move(*findings), checked};
}

}  // namespace ctodesk::backups
