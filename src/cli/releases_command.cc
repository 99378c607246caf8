// `ctodesk releases list`: every release from the config, the calendar and
// the tags, with its state today.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "core/json_text.h"
#include "desks/releases/releases.h"

namespace ctodesk::cli {

namespace {

struct ReleasesArgs {
  CommonOptions common;
  std::string format = "term";
};

std::string Day(std::chrono::sys_days d) { return FormatTime(TimePoint(d)).substr(0, 10); }

int RunList(const ReleasesArgs& args) {
  auto session = OpenSession(args.common);
  if (!session) return PrintError(session.error());
  releases::ReleasesDesk* desk = nullptr;
  for (auto& d : session->setup.desks) {
    if (d.name == "releases") desk = static_cast<releases::ReleasesDesk*>(d.desk.get());
  }
  if (!desk) {
    return PrintError(Error::Invalid(fmt::format(
        "{}: no [releases] section; add calendar = \"<file.ics>\" or [[releases.release]] tables",
        session->setup.config_path.string())));
  }
  std::vector<std::string> warnings;
  auto statuses = releases::Collect(desk->settings(), session->clock->Now(), &warnings);
  if (!statuses) return PrintError(statuses.error());
  for (const auto& w : warnings) fmt::print(stderr, "ctodesk: warning: {}\n", w);
  bool overdue = false;
  nlohmann::ordered_json json = nlohmann::ordered_json::array();
  if (args.format == "term") {
    fmt::print("{:<10}  {:<9}  {:<30}  {:<12}  {:<12}  {}\n", "DUE", "STATE", "RELEASE", "OWNER", "TAG", "SOURCE");
  }
  for (const auto& s : *statuses) {
    const auto& r = s.release;
    overdue = overdue || s.state == releases::State::kOverdue;
    if (args.format == "json") {
      json.push_back({{"name", r.name},
                      {"due", Day(r.due)},
                      {"state", releases::StateName(s.state)},
                      {"owner", r.owner},
                      {"tag", r.tag},
                      {"shipped_at", r.shipped_at ? nlohmann::ordered_json(FormatTime(*r.shipped_at)) : nullptr},
                      {"source", r.source}});
    } else {
      fmt::print("{:<10}  {:<9}  {:<30}  {:<12}  {:<12}  {}\n", Day(r.due), releases::StateName(s.state),
                 r.name.substr(0, 30), r.owner.substr(0, 12), r.tag.substr(0, 12), r.source);
    }
  }
  if (args.format == "json") fmt::print("{}\n", JsonText(json, 2));
  else if (statuses->empty()) fmt::print("(no releases in the window)\n");
  return overdue ? kExitFindings : kExitOk;
}

}  // namespace

void AddReleasesCommand(CLI::App& app, Outcome& out) {
  CLI::App* cmd = app.add_subcommand("releases", "Releases: what ships today and this week, what slipped");
  cmd->require_subcommand(1);
  auto list = std::make_shared<ReleasesArgs>();
  CLI::App* l = cmd->add_subcommand("list", "Every release in the window with its state (exit 1 if one is overdue)");
  AddCommonOptions(*l, list->common);
  l->add_option("-f,--format", list->format, "term or json")->check(CLI::IsMember({"term", "json"}));
  l->callback([list, &out] { out.exit_code = RunList(*list); });
}

}  // namespace ctodesk::cli
