#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "core/json_text.h"
#include "core/size.h"
#include "desks/backups/backups.h"

namespace ctodesk::cli {

namespace {

struct BackupsArgs {
  CommonOptions common;
  std::string format = "term";
  std::string name;
  bool deep = false;
  std::string max_duration;
  int jobs = 0;
  std::string into;
  bool keep = false;
};

Result<backups::BackupsDesk*> FindBackups(Session& s) {
  for (auto& d : s.setup.desks) {
    if (d.name == "backups") return static_cast<backups::BackupsDesk*>(d.desk.get());
  }
  return Fail(Error::Invalid(fmt::format(
      "{}: no [backups] section; add [[backups.systems]] tables (see docs/backups.md)",
      s.setup.config_path.string())));
}

Result<void> CheckName(const Session& s, const backups::BackupsDesk& desk, const std::string& name) {
  if (name.empty() || desk.FindSystem(name)) return {};
  std::vector<std::string> names;
  for (const auto& sys : desk.settings().systems) names.push_back(sys.name);
  std::string message =
      fmt::format("no backup system named \"{}\" in {}", name, s.setup.config_path.string());
  if (auto g = DidYouMean(name, names)) message += fmt::format("; did you mean \"{}\"?", *g);
  return Fail(Error::Invalid(message));
}

std::string Age(TimePoint now, TimePoint t) {
  return HumanDuration(std::chrono::duration_cast<Duration>(now - t)) + " ago";
}

int RunVerify(const BackupsArgs& args) {
  std::optional<Duration> max;
  if (!args.max_duration.empty()) {
    max = ParseDuration(args.max_duration);
    if (!max) {
      return PrintError(Error::Invalid(fmt::format(
          "--max-duration: expected a duration such as \"20m\" or \"2h\", got \"{}\"", args.max_duration)));
    }
  }
  auto session = OpenSession(args.common);
  if (!session) return PrintError(session.error());
  auto desk = FindBackups(*session);
  if (!desk) return PrintError(desk.error());
  if (auto c = CheckName(*session, **desk, args.name); !c) return PrintError(c.error());
  DeskContext ctx{*session->store, *session->clock, session->setup.base_dir};
  auto report = (*desk)->Verify(ctx, {args.name, args.deep, max, args.format == "term", args.jobs});
  if (!report) return PrintError(report.error());

  size_t skipped = 0;
  nlohmann::ordered_json json = nlohmann::ordered_json::array();
  if (args.format == "term") fmt::print("{:<16} {:<40} {:>8}  {}\n", "SYSTEM", "FILE", "SIZE", "RESULT");
  for (const backups::VerifiedFile& v : report->files) {
    const bool bad = v.result.verdict == backups::Verdict::kBad;
    if (v.skipped && !bad) {
      ++skipped;
      continue;
    }
    std::string result = bad ? "BAD " + v.result.error
                             : "ok" + (v.result.notes.empty() ? "" : ": " + fmt::format("{}", fmt::join(v.result.notes, "; ")));
    if (v.skipped) result += " (verified earlier)";
    if (args.format == "json") {
      json.push_back({{"system", v.system->name},
                      {"file", v.file.path.string()},
                      {"size", v.file.size},
                      {"ok", !bad},
                      {"verified_earlier", v.skipped},
                      {"error", v.result.error},
                      {"notes", v.result.notes}});
    } else {
      fmt::print("{:<16} {:<40} {:>8}  {}\n", v.system->name.substr(0, 16),
                 v.file.path.filename().string().substr(0, 40), HumanSize(v.file.size), result);
    }
  }
  if (args.format == "json") {
    nlohmann::ordered_json j = {{"files", json},
                                {"already_verified", skipped},
                                {"not_reached", report->left},
                                {"bytes", report->bytes},
                                {"seconds", std::chrono::duration<double>(report->took).count()}};
    fmt::print("{}\n", JsonText(j, 2));
  } else {
    double secs = std::chrono::duration<double>(report->took).count();
    fmt::print("\nVerified {} in {:.1f} s ({}/s).", HumanSize(report->bytes), secs,
               HumanSize(secs > 0 ? static_cast<std::int64_t>(static_cast<double>(report->bytes) / secs) : 0));
    if (skipped) fmt::print(" {} file{} verified earlier and unchanged (--deep to verify again).", skipped,
                            skipped == 1 ? "" : "s");
    if (report->left) fmt::print(" {} file{} left for the next run (--max-duration).", report->left,
                                 report->left == 1 ? "" : "s");
    fmt::print("\n");
  }
  return report->all_ok() ? kExitOk : kExitFindings;
}

int RunDrill(const BackupsArgs& args) {
  auto session = OpenSession(args.common);
  if (!session) return PrintError(session.error());
  auto desk = FindBackups(*session);
  if (!desk) return PrintError(desk.error());
  if (auto c = CheckName(*session, **desk, args.name); !c) return PrintError(c.error());
  DeskContext ctx{*session->store, *session->clock, session->setup.base_dir};
  backups::DrillOptions options;
  options.into = args.into;
  options.keep = args.keep;
  options.progress = args.format == "term";
  auto d = (*desk)->Drill(ctx, args.name, options);
  if (!d) return PrintError(d.error());
  if (args.format == "json") {
    nlohmann::ordered_json j = {{"system", args.name},      {"ok", d->ok},
                                {"file", d->file},          {"restored_into", d->dir},
                                {"entries", d->entries},    {"bytes", d->bytes},
                                {"restore_seconds", d->restore_seconds},
                                {"check_seconds", d->check_seconds},
                                {"error", d->error},        {"check_output", d->check_output}};
    fmt::print("{}\n", JsonText(j, 2));
  } else {
    fmt::print("Drill of {}: {}\n", args.name, d->ok ? "PASSED" : "FAILED");
    fmt::print("  restored   {}\n", d->file);
    fmt::print("  into       {}\n", d->dir.empty() ? "(a scratch folder, removed afterwards)" : d->dir);
    fmt::print("  restore    {} entries, {} in {:.2f} s\n", d->entries, HumanSize(d->bytes), d->restore_seconds);
    if (d->check_seconds > 0 || !d->check_output.empty()) {
      fmt::print("  check      {:.2f} s{}\n", d->check_seconds,
                 d->check_output.empty() ? "" : ": " + d->check_output);
    }
    if (!d->ok) fmt::print("  error      {}\n", d->error);
  }
  return d->ok ? kExitOk : kExitFindings;
}

int RunList(const BackupsArgs& args) {
  auto session = OpenSession(args.common);
  if (!session) return PrintError(session.error());
  auto desk = FindBackups(*session);
  if (!desk) return PrintError(desk.error());
  DeskContext ctx{*session->store, *session->clock, session->setup.base_dir};
  auto statuses = (*desk)->Status(ctx);
  if (!statuses) return PrintError(statuses.error());
  const TimePoint now = session->clock->Now();
  nlohmann::ordered_json json = nlohmann::ordered_json::array();
  if (args.format == "term") {
    fmt::print("{:<16} {:>5} {:<34} {:>14} {:>8}  {:<26} {:<24} {}\n", "SYSTEM", "FILES", "NEWEST", "AGE",
               "SIZE", "TREND (older → newer)", "LAST VERIFY", "LAST DRILL");
  }
  for (const backups::SystemStatus& s : *statuses) {
    const auto& files = s.series.files;
    // Sizes from the store's history (kept by the morning run), or else from the files there now.
    std::vector<std::string> trend;
    for (double v : s.recent_sizes) trend.push_back(HumanSize(static_cast<std::int64_t>(v)));
    if (trend.empty()) {
      for (const auto& f : files) trend.push_back(HumanSize(f.size));
    }
    if (trend.size() > 3) trend.erase(trend.begin(), trend.end() - 3);
    std::string verify = s.last_verified ? Age(now, *s.last_verified) : "never";
    if (s.bad) verify += fmt::format(", {} BAD", s.bad);
    if (s.unverified) verify += fmt::format(", {} new", s.unverified);
    std::string drill = !s.last_drill ? "never"
                        : Age(now, s.last_drill->at) + (s.last_drill->ok ? "" : " FAILED");
    if (args.format == "json") {
      nlohmann::ordered_json j = {{"name", s.system->name},
                                  {"location", (s.system->path / s.system->glob).string()},
                                  {"files", files.size()},
                                  {"error", s.series.location_error},
                                  {"recent_sizes", s.recent_sizes},
                                  {"unverified", s.unverified},
                                  {"bad", s.bad}};
      if (!files.empty()) {
        j["newest"] = {{"file", files.back().path.string()},
                       {"mtime", FormatTime(files.back().mtime)},
                       {"size", files.back().size}};
      }
      j["last_verified"] = s.last_verified ? nlohmann::ordered_json(FormatTime(*s.last_verified)) : nullptr;
      j["last_drill"] = s.last_drill ? nlohmann::ordered_json({{"at", FormatTime(s.last_drill->at)},
                                                               {"ok", s.last_drill->ok},
                                                               {"error", s.last_drill->error}})
                                     : nlohmann::ordered_json(nullptr);
      json.push_back(j);
      continue;
    }
    std::string newest = !s.series.location_error.empty() ? "UNREADABLE: " + s.series.location_error
                         : files.empty()                  ? "(none)"
                                                          : files.back().path.filename().string();
    fmt::print("{:<16} {:>5} {:<34} {:>14} {:>8}  {:<26} {:<24} {}\n", s.system->name.substr(0, 16),
               files.size(), newest.substr(0, 34), files.empty() ? "-" : Age(now, files.back().mtime),
               files.empty() ? "-" : HumanSize(files.back().size), fmt::format("{}", fmt::join(trend, " → ")),
               verify, drill);
  }
  if (args.format == "json") fmt::print("{}\n", JsonText(json, 2));
  return kExitOk;
}

}  // namespace

void AddBackupsCommand(CLI::App& app, Outcome& out) {
  CLI::App* cmd = app.add_subcommand("backups", "Backups: there, fresh, the right size, restorable?");
  cmd->require_subcommand(1);

  auto verify = std::make_shared<BackupsArgs>();
  CLI::App* v = cmd->add_subcommand("verify", "Verify backup files not verified yet (exit 1 if any is bad)");
  AddCommonOptions(*v, verify->common);
  v->add_option("name", verify->name, "Only this backup system");
  v->add_flag("--deep", verify->deep, "Verify every file again, not only new ones");
  v->add_option("--max-duration", verify->max_duration,
                "Stop after this long (\"20m\"); least recently verified files go first");
  v->add_option("-j,--jobs", verify->jobs, "Files verified at once (default: one per CPU core)")
      ->check(CLI::Range(1, 64));
  v->add_option("-f,--format", verify->format, "term or json")->check(CLI::IsMember({"term", "json"}));
  v->callback([verify, &out] { out.exit_code = RunVerify(*verify); });

  auto drill = std::make_shared<BackupsArgs>();
  CLI::App* d = cmd->add_subcommand("drill", "Restore the newest backup into a scratch folder and "
                                             "run its drill_check (exit 1 if it fails)");
  AddCommonOptions(*d, drill->common);
  d->add_option("name", drill->name, "Backup system")->required();
  d->add_option("--into", drill->into, "Restore here (a new or empty folder) and keep it");
  d->add_flag("--keep", drill->keep, "Keep the temporary scratch folder");
  d->add_option("-f,--format", drill->format, "term or json")->check(CLI::IsMember({"term", "json"}));
  d->callback([drill, &out] { out.exit_code = RunDrill(*drill); });

  auto list = std::make_shared<BackupsArgs>();
  CLI::App* l = cmd->add_subcommand("list", "Each system's series: newest, age, size trend, last "
                                            "verify, last drill");
  AddCommonOptions(*l, list->common);
  l->add_option("-f,--format", list->format, "term or json")->check(CLI::IsMember({"term", "json"}));
  l->callback([list, &out] { out.exit_code = RunList(*list); });
}

}  // namespace ctodesk::cli
