// `ctodesk radar inventory|list|import|export|growth`: the radar desk from
// the command line — what the repositories use, the company radar and its
// ring history, BYOR-compatible import and export, and the growth measures.
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "core/json_text.h"
#include "cli/render.h"
#include "desks/radar/radar.h"

namespace ctodesk::cli {

namespace {

using Json = nlohmann::ordered_json;
using radar::RadarDesk;

struct RadarArgs {
  CommonOptions common;
  std::string format = "term";
  std::string file;
  std::string output;
  bool merge = false;
};

Result<RadarDesk*> FindRadar(Session& s) {
  for (auto& d : s.setup.desks) {
    if (d.name == "radar") return static_cast<RadarDesk*>(d.desk.get());
  }
  return Fail(Error::Invalid(fmt::format(
      "{}: no [radar] section; add [[radar.repos]] tables with a path (see README: radar desk)",
      s.setup.config_path.string())));
}

std::string Cut(const std::string& s, size_t n) { return s.size() <= n ? s : s.substr(0, n - 1) + "~"; }

std::string Join(const std::vector<std::string>& v, size_t max) {
  std::vector<std::string> shown(v.begin(), v.begin() + static_cast<long>(std::min(max, v.size())));
  std::string out = fmt::format("{}", fmt::join(shown, ", "));
  if (v.size() > max) out += fmt::format(" +{}", v.size() - max);
  return out;
}

int RunInventory(const RadarArgs& args) {
  auto session = OpenSession(args.common);
  if (!session) return PrintError(session.error());
  auto desk = FindRadar(*session);
  if (!desk) return PrintError(desk.error());
  radar::Inventory inv = (*desk)->ReadRepos();
  auto blips = radar::CurrentRadar(*session->store);
  if (!blips) return PrintError(blips.error());
  if (args.format == "json") {
    Json out = {{"repositories", Json::array()}, {"technologies", Json::array()}, {"issues", Json::array()}};
    for (const auto& r : inv.repos) {
      out["repositories"].push_back({{"name", r.name},
                                     {"path", r.path.string()},
                                     {"manifests", r.manifests},
                                     {"git", r.git},
                                     {"last_change", r.last_change ? FormatTime(*r.last_change) : ""},
                                     {"error", r.error}});
    }
    for (const auto& t : inv.technologies) {
      const radar::Blip* b = radar::MatchBlip(t, *blips);
      Json uses = Json::array();
      for (const auto& u : t.usages) {
        uses.push_back({{"repository", u.repo}, {"file", u.file}, {"line", u.line}, {"ecosystem", u.ecosystem},
                        {"name", u.name}, {"version", u.version}, {"direct", u.direct}, {"source", u.source}});
      }
      auto repos = t.Repos();
      out["technologies"].push_back({{"name", t.name},
                                     {"key", t.key},
                                     {"ecosystem", t.ecosystem},
                                     {"versions", t.Versions()},
                                     {"repositories", std::vector<std::string>(repos.begin(), repos.end())},
                                     {"ring", b ? std::string(radar::RingName(b->ring)) : ""},
                                     {"usages", uses}});
    }
    for (const auto& i : inv.issues) out["issues"].push_back({{"file", i.file}, {"line", i.line}, {"message", i.message}});
    fmt::print("{}\n", JsonText(out, 2));
    return kExitOk;
  }
  fmt::print("{:<34} {:<13} {:<7} {:<28} {}\n", "TECHNOLOGY", "ECOSYSTEM", "RING", "VERSIONS", "REPOSITORIES");
  for (const auto& t : inv.technologies) {
    if (!t.Direct()) continue;  // lockfile-only entries: see --format json
    const radar::Blip* b = radar::MatchBlip(t, *blips);
    auto repos = t.Repos();
    fmt::print("{:<34} {:<13} {:<7} {:<28} {}\n", Cut(t.name, 34), Cut(t.ecosystem, 13),
               b ? std::string(radar::RingName(b->ring)) : "-", Cut(Join(t.Versions(), 3), 28),
               Join(std::vector<std::string>(repos.begin(), repos.end()), 4));
  }
  int direct = 0;
  for (const auto& t : inv.technologies) direct += t.Direct();
  fmt::print("\n{} technologies used directly in {} manifests of {} repositories ({} more only in lockfiles: "
             "--format json lists them).\n",
             direct, inv.manifests, inv.repos.size(), inv.technologies.size() - static_cast<size_t>(direct));
  for (const auto& r : inv.repos) {
    if (!r.error.empty()) fmt::print("cannot read repository {}: {}\n", r.name, r.error);
  }
  for (const auto& i : inv.issues) fmt::print("unreadable manifest: {}\n", i.ToString());
  return kExitOk;
}

Result<std::string> ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(Error::Invalid(fmt::format("{}: cannot read", path)));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int RunImport(const RadarArgs& args) {
  auto text = ReadWhole(args.file);  // bad input fails before anything is opened
  if (!text) return PrintError(text.error());
  auto blips = radar::ParseRadar(*text, args.file);
  if (!blips) return PrintError(blips.error());
  auto session = OpenSession(args.common);
  if (!session) return PrintError(session.error());
  auto change = radar::RecordRadar(*session->store, *blips, session->clock->Now(), !args.merge);
  if (!change) return PrintError(change.error());
  fmt::print("Imported {} technologies from {}: {} added, {} moved ring, {} changed, {} removed, {} unchanged.\n",
             blips->size(), args.file, change->added, change->moved, change->changed, change->removed,
             change->unchanged);
  for (auto& d : session->setup.desks) {
    if (d.name != "radar") continue;
    if (auto& f = static_cast<RadarDesk*>(d.desk.get())->settings().radar_file) {
      fmt::print(stderr, "ctodesk: note: [radar] radar_file = {} is read at every briefing and will replace this "
                         "import; edit that file instead\n", f->string());
    }
  }
  return kExitOk;
}

int RunExport(const RadarArgs& args) {
  auto session = OpenSession(args.common);
  if (!session) return PrintError(session.error());
  auto blips = radar::CurrentRadar(*session->store);
  if (!blips) return PrintError(blips.error());
  std::string text = args.format == "json" ? radar::RadarToJson(*blips) : radar::RadarToCsv(*blips);
  if (!args.output.empty()) {
    if (auto r = WriteFileAtomically(args.output, text); !r) return PrintError(r.error());
    return kExitOk;
  }
  fmt::print("{}", text);
  return kExitOk;
}

int RunList(const RadarArgs& args) {
  auto session = OpenSession(args.common);
  if (!session) return PrintError(session.error());
  auto blips = radar::CurrentRadar(*session->store);
  if (!blips) return PrintError(blips.error());
  std::map<std::string, std::vector<std::string>> used_by;
  for (auto& d : session->setup.desks) {
    if (d.name != "radar") continue;
    radar::Inventory inv = static_cast<RadarDesk*>(d.desk.get())->ReadRepos();
    for (const auto& t : inv.technologies) {
      if (const radar::Blip* b = radar::MatchBlip(t, *blips)) {
        auto repos = t.Repos();
        auto& v = used_by[radar::NormalizeName(b->name)];
        v.insert(v.end(), repos.begin(), repos.end());
      }
    }
  }
  Json out = Json::array();
  if (args.format == "term") {
    fmt::print("{:<26} {:<7} {:<24} {:<44} {}\n", "TECHNOLOGY", "RING", "QUADRANT", "RING HISTORY", "USED BY");
  }
  for (const auto& b : *blips) {
    auto history = radar::RingHistory(*session->store, b.name);
    if (!history) return PrintError(history.error());
    std::vector<std::string> moves;
    Json jh = Json::array();
    for (const auto& m : *history) {
      std::string ring = m.ring ? std::string(radar::RingName(*m.ring)) : "removed";
      if (moves.empty() || moves.back().substr(0, moves.back().find(' ')) != ring) {
        moves.push_back(fmt::format("{} {}", ring, FormatTime(m.at).substr(0, 10)));
      }
      jh.push_back({{"at", FormatTime(m.at)}, {"ring", ring}});
    }
    const auto& users = used_by[radar::NormalizeName(b.name)];
    std::set<std::string> unique(users.begin(), users.end());
    std::vector<std::string> user_list(unique.begin(), unique.end());
    if (args.format == "json") {
      out.push_back({{"name", b.name}, {"ring", radar::RingName(b.ring)}, {"quadrant", b.quadrant},
                     {"isNew", b.is_new}, {"description", b.description}, {"history", jh},
                     {"used_by", user_list}});
    } else {
      fmt::print("{:<26} {:<7} {:<24} {:<44} {}\n", Cut(b.name, 26), radar::RingName(b.ring), Cut(b.quadrant, 24),
                 Cut(fmt::format("{}", fmt::join(moves, " -> ")), 44), user_list.empty() ? "-" : Join(user_list, 4));
    }
  }
  if (args.format == "json") {
    fmt::print("{}\n", JsonText(out, 2));
  } else if (blips->empty()) {
    fmt::print("The radar is empty: `ctodesk radar import radar.csv` or set [radar] radar_file.\n");
  }
  return kExitOk;
}

int RunGrowth(const RadarArgs& args) {
  auto session = OpenSession(args.common);
  if (!session) return PrintError(session.error());
  auto desk = FindRadar(*session);
  if (!desk) return PrintError(desk.error());
  DeskContext ctx{*session->store, *session->clock, session->setup.base_dir};
  auto measures = (*desk)->Measure(ctx);  // takes and records each measure now
  if (!measures) return PrintError(measures.error());
  Json out = Json::array();
  if (args.format == "term") {
    fmt::print("{:<22} {:>10} {:>10} {:>7}  {:<36} {}\n", "MEASURE", "NOW", "THRESHOLD", "SAMPLES", "FIT",
               "CROSSES");
  }
  for (const auto& s : *measures) {
    const auto& m = *s.measure;
    std::string now = s.latest ? radar::HumanNumber(*s.latest) : "error";
    std::string fit = s.fit ? s.fit->Describe(m.unit) : "(needs 3 samples)";
    std::string crosses = s.crossing ? FormatTime(*s.crossing).substr(0, 10) : "-";
    if (args.format == "json") {
      out.push_back({{"name", m.name}, {"latest", s.latest ? Json(*s.latest) : Json(nullptr)},
                     {"error", s.error}, {"threshold", m.threshold}, {"unit", m.unit},
                     {"samples", s.samples.size()},
                     {"model", s.fit ? std::string(radar::GrowthModelName(s.fit->model)) : ""},
                     {"crossing", s.crossing ? FormatTime(*s.crossing) : ""}});
    } else {
      fmt::print("{:<22} {:>10} {:>10} {:>7}  {:<36} {}\n", Cut(m.name, 22), now, radar::HumanNumber(m.threshold),
                 s.samples.size(), Cut(fit, 36), crosses);
      if (!s.error.empty()) fmt::print("  {}\n", s.error);
    }
  }
  if (args.format == "json") fmt::print("{}\n", JsonText(out, 2));
  for (const auto& s : *measures) {
    if (!s.error.empty()) return kExitFindings;
  }
  return kExitOk;
}

}  // namespace

void AddRadarCommand(CLI::App& app, Outcome& out) {
  CLI::App* cmd = app.add_subcommand("radar", "Technology radar: inventory, rings, import/export, growth");
  cmd->require_subcommand(1);

  auto inventory = std::make_shared<RadarArgs>();
  CLI::App* i = cmd->add_subcommand("inventory", "What the configured repositories use: each technology, its "
                                                 "versions and repositories, and unreadable manifests");
  AddCommonOptions(*i, inventory->common);
  i->add_option("-f,--format", inventory->format, "term or json")->check(CLI::IsMember({"term", "json"}));
  i->callback([inventory, &out] { out.exit_code = RunInventory(*inventory); });

  auto list = std::make_shared<RadarArgs>();
  CLI::App* l = cmd->add_subcommand("list", "The company radar: ring, quadrant, ring history, who uses it");
  AddCommonOptions(*l, list->common);
  l->add_option("-f,--format", list->format, "term or json")->check(CLI::IsMember({"term", "json"}));
  l->callback([list, &out] { out.exit_code = RunList(*list); });

  auto import = std::make_shared<RadarArgs>();
  CLI::App* im = cmd->add_subcommand("import", "Import a Build Your Own Radar file (CSV or JSON); ring moves "
                                               "are kept in the store's history");
  AddCommonOptions(*im, import->common);
  im->add_option("file", import->file, "radar.csv or radar.json")->required();
  im->add_flag("--merge", import->merge, "Keep technologies the file does not list (default: the file is the "
                                         "whole radar)");
  im->callback([import, &out] { out.exit_code = RunImport(*import); });

  auto exp = std::make_shared<RadarArgs>();
  exp->format = "csv";
  CLI::App* ex = cmd->add_subcommand("export", "Print the radar as a Build Your Own Radar file");
  AddCommonOptions(*ex, exp->common);
  ex->add_option("-f,--format", exp->format, "csv or json")->check(CLI::IsMember({"csv", "json"}));
  ex->add_option("-o,--output", exp->output, "Write to this file instead of stdout");
  ex->callback([exp, &out] { out.exit_code = RunExport(*exp); });

  auto growth = std::make_shared<RadarArgs>();
  CLI::App* g = cmd->add_subcommand("growth", "Take each growth measure now, record it, and show the fit and "
                                              "when it crosses its threshold (exit 1 if a measure failed)");
  AddCommonOptions(*g, growth->common);
  g->add_option("-f,--format", growth->format, "term or json")->check(CLI::IsMember({"term", "json"}));
  g->callback([growth, &out] { out.exit_code = RunGrowth(*growth); });
}

}  // namespace ctodesk::cli
