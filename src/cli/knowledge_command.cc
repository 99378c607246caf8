// `ctodesk knowledge report [REPO]` and `ctodesk knowledge what-if EMAIL...`:
// flag parsing, one KnowledgeDesk call per repository, and printing.
#include <date/date.h>
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "core/json_text.h"
#include "desks/knowledge/knowledge.h"

namespace ctodesk::cli {

namespace {

using knowledge::Group;
using knowledge::KnowledgeDesk;
using knowledge::RepoKnowledge;
using Json = nlohmann::ordered_json;

struct KnowledgeArgs {
  CommonOptions common;
  std::string format = "term";
  std::string repo;
  std::string at = "HEAD";
  std::string files_from;
  std::vector<std::string> emails;
};

std::string Day(std::int64_t t) {
  if (t == 0) return "-";
  return date::format("%Y-%m-%d", date::floor<date::days>(FromUnix(t)));
}

// The desk and the repositories to analyse: the configured ones, the one
// named, or a path to a repository not in the config (with default rules).
struct Plan {
  std::unique_ptr<KnowledgeDesk> owned;
  KnowledgeDesk* desk = nullptr;
  std::vector<knowledge::RepoSettings> repos;
};

Result<Plan> MakePlan(Session& s, const std::string& repo) {
  Plan plan;
  for (auto& d : s.setup.desks) {
    if (d.name == "knowledge") plan.desk = static_cast<KnowledgeDesk*>(d.desk.get());
  }
  if (plan.desk != nullptr) {
    for (const auto& r : plan.desk->settings().repos) {
      if (repo.empty() || r.name == repo) plan.repos.push_back(r);
    }
  }
  if (!plan.repos.empty()) return plan;
  if (repo.empty()) {
    return Fail(Error::Invalid(fmt::format(
        "{}: no [knowledge] section; add [[knowledge.repos]] with a name and a path, or name a "
        "repository folder: `ctodesk knowledge report PATH`",
        s.setup.config_path.string())));
  }
  if (!std::filesystem::exists(repo)) {
    std::vector<std::string> names;
    if (plan.desk != nullptr) {
      for (const auto& r : plan.desk->settings().repos) names.push_back(r.name);
    }
    std::string message = fmt::format("no repository named \"{}\" in {}, and no folder {}", repo,
                                      s.setup.config_path.string(), repo);
    if (auto g = DidYouMean(repo, names)) message += fmt::format("; did you mean \"{}\"?", *g);
    return Fail(Error::Invalid(message));
  }
  knowledge::Settings settings = plan.desk ? plan.desk->settings() : knowledge::Settings{};
  knowledge::RepoSettings r;
  r.path = std::filesystem::absolute(repo).lexically_normal();
  r.name = r.path.filename().string();
  if (r.name.empty()) r.name = r.path.parent_path().filename().string();
  settings.repos = {r};
  plan.owned = std::make_unique<KnowledgeDesk>(settings);
  plan.desk = plan.owned.get();
  plan.repos = settings.repos;
  return plan;
}

std::string NameOf(const RepoKnowledge& k, const std::string& key) {
  const knowledge::PersonInfo* p = k.Person(key);
  return p == nullptr ? key : p->name;
}

std::string People(const RepoKnowledge& k, const std::vector<std::string>& keys, int n) {
  std::vector<std::string> names;
  for (int i = 0; i < n && i < static_cast<int>(keys.size()); ++i)
    names.push_back(NameOf(k, keys[i]));
  return names.empty() ? "-" : fmt::format("{}", fmt::join(names, ", "));
}

Json PersonJson(const RepoKnowledge& k, const std::string& key) {
  const knowledge::PersonInfo* p = k.Person(key);
  if (p == nullptr) return {{"key", key}};
  return {
      {"key", key}, {"name", p->name}, {"email", p->email}, {"last_commit", Day(p->last_commit)}};
}

Json GroupJson(const RepoKnowledge& k, const Group& g) {
  Json j = {{"kind", g.kind},
            {"name", g.name},
            {"files", g.files.size()},
            {"truck_factor", g.tf.value},
            {"truck_factor_people", Json::array()},
            {"authors", g.authors.size()},
            {"single_author_files", g.single_author_files},
            {"last_change", Day(g.last_change)}};
  for (int i = 0; i < g.tf.value; ++i) {
    j["truck_factor_people"].push_back(PersonJson(k, g.tf.people[static_cast<size_t>(i)]));
  }
  if (g.authors.size() == 1) j["only_author"] = PersonJson(k, *g.authors.begin());
  if (g.pairing) {
    j["pairing"] = {
        {"expert", g.pairing->expert.empty() ? Json(nullptr) : PersonJson(k, g.pairing->expert)},
        {"expert_active", g.pairing->expert_active},
        {"learner",
         g.pairing->learner.empty() ? Json(nullptr) : PersonJson(k, g.pairing->learner)}};
  }
  return j;
}

Json ReportJson(const RepoKnowledge& k) {
  Json j = {{"name", k.name},
            {"path", k.path.string()},
            {"commit", k.commit},
            {"commits", k.commits},
            {"commits_read", k.commits_read},
            {"files", k.files.size()},
            {"skipped_files", k.skipped},
            {"repository", GroupJson(k, k.repo)},
            {"components", Json::array()},
            {"folders", Json::array()},
            {"single_author_files", Json::array()},
            {"trend", Json::array()},
            {"people", Json::array()},
            {"warnings", k.warnings}};
  for (const Group& g : k.components) j["components"].push_back(GroupJson(k, g));
  for (const Group& g : k.folders) j["folders"].push_back(GroupJson(k, g));
  for (const auto& f : k.files) {
    auto authors = f.Authors();
    if (authors.size() != 1) continue;
    Json p = PersonJson(k, authors[0]);
    j["single_author_files"].push_back({{"path", f.path}, {"author", p}});
  }
  for (const auto& t : k.trend) {
    j["trend"].push_back({{"month_end", Day(t.month_end)},
                          {"truck_factor", t.value ? Json(*t.value) : Json(nullptr)},
                          {"commit", t.commit}});
  }
  for (const auto& [key, p] : k.people) {
    Json pj = {{"key", key},
               {"name", p.name},
               {"email", p.email},
               {"commits", p.commits},
               {"last_commit", Day(p.last_commit)},
               {"files_authored", 0},
               {"aliases", Json::array()}};
    auto it = k.repo.tf.authored.find(key);
    if (it != k.repo.tf.authored.end()) pj["files_authored"] = it->second;
    for (const auto& a : p.aliases)
      pj["aliases"].push_back(fmt::format("{} <{}>", a.name, a.email));
    j["people"].push_back(pj);
  }
  return j;
}

void PrintGroups(const RepoKnowledge& k, const std::vector<Group>& groups) {
  for (const Group& g : groups) {
    std::string pair = "-";
    if (g.pairing && !g.pairing->learner.empty()) {
      pair = g.pairing->expert_active && !g.pairing->expert.empty()
                 ? fmt::format("{} learns from {}", NameOf(k, g.pairing->learner),
                               NameOf(k, g.pairing->expert))
                 : fmt::format("{} takes over", NameOf(k, g.pairing->learner));
    } else if (g.pairing) {
      pair = "nobody active to pair";
    }
    fmt::print("{:<9} {:<18.18} {:>5} {:>3}  {:<20.20} {:>5}  {:<10}  {}\n", g.kind.substr(0, 9),
               g.name, g.files.size(), g.tf.value, People(k, g.tf.people, g.tf.value),
               g.single_author_files, Day(g.last_change), pair);
  }
}

void PrintReport(const RepoKnowledge& k) {
  fmt::print("{} ({} at {}): {} commits, {} files count, {} left out\n", k.name, k.path.string(),
             k.commit.substr(0, 12), k.commits, k.files.size(), k.skipped);
  fmt::print("Truck factor: {} ({})\n\n", k.repo.tf.value,
             People(k, k.repo.tf.people, k.repo.tf.value));
  if (!k.components.empty() || !k.folders.empty()) {
    fmt::print("{:<9} {:<18} {:>5} {:>3}  {:<20} {:>5}  {:<10}  {}\n", "KIND", "NAME", "FILES",
               "TF", "TRUCK FACTOR PEOPLE", "1-AUTH", "CHANGED", "PAIRING");
    PrintGroups(k, k.components);
    PrintGroups(k, k.folders);
    fmt::print("\n");
  }
  // Files known by exactly one person, counted per person.
  std::map<std::string, int> single;
  for (const auto& f : k.files) {
    auto a = f.Authors();
    if (a.size() == 1) ++single[a[0]];
  }
  if (!single.empty()) {
    fmt::print("Known by exactly one person:\n{:<40} {:>6}  {}\n", "PERSON", "FILES",
               "LAST COMMIT");
    std::vector<std::pair<std::string, int>> rows(single.begin(), single.end());
    std::stable_sort(rows.begin(), rows.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    for (const auto& [key, n] : rows) {
      const knowledge::PersonInfo* p = k.Person(key);
      std::string who = p ? fmt::format("{} <{}>", p->name, p->email) : key;
      fmt::print("{:<40.40} {:>6}  {}\n", who, n, p ? Day(p->last_commit) : "-");
    }
    fmt::print("\n");
  }
  if (!k.trend.empty()) {
    fmt::print("Truck factor at month-ends:");
    for (const auto& t : k.trend) {
      fmt::print(" {}:{}", Day(t.month_end).substr(0, 7), t.value ? std::to_string(*t.value) : "-");
    }
    fmt::print("\n");
  }
  bool header = false;
  for (const auto& [key, p] : k.people) {
    if (p.aliases.size() < 2) continue;
    if (!header) fmt::print("Identities merged (check these):\n");
    header = true;
    std::vector<std::string> names;
    for (const auto& a : p.aliases) names.push_back(fmt::format("{} <{}>", a.name, a.email));
    fmt::print("  {}\n", fmt::join(names, " = "));
  }
  for (const std::string& w : k.warnings) fmt::print("warning: {}\n", w);
}

Result<std::vector<std::string>> FilesFrom(const std::string& path) {
  if (path.empty()) return std::vector<std::string>{};
  return knowledge::ReadFileList(path);
}

int RunReport(const KnowledgeArgs& args) {
  auto session = OpenSession(args.common);
  if (!session) return PrintError(session.error());
  auto plan = MakePlan(*session, args.repo);
  if (!plan) return PrintError(plan.error());
  knowledge::AnalyseOptions options;
  options.at = args.at;
  if (!args.files_from.empty()) {
    auto list = FilesFrom(args.files_from);
    if (!list) return PrintError(list.error());
    options.files_from = std::move(*list);
  }
  DeskContext ctx{*session->store, *session->clock, session->setup.base_dir};
  Json all = Json::array();
  bool first = true;
  for (const auto& repo : plan->repos) {
    auto k = plan->desk->Analyse(ctx, repo, options);
    if (!k) return PrintError(k.error());
    if (args.format == "json") {
      all.push_back(ReportJson(*k));
    } else {
      if (!first) fmt::print("\n");
      first = false;
      PrintReport(*k);
    }
  }
  if (args.format == "json") fmt::print("{}\n", JsonText(all, 2));
  return kExitOk;
}

int RunWhatIf(const KnowledgeArgs& args) {
  auto session = OpenSession(args.common);
  if (!session) return PrintError(session.error());
  auto plan = MakePlan(*session, args.repo);
  if (!plan) return PrintError(plan.error());
  DeskContext ctx{*session->store, *session->clock, session->setup.base_dir};
  knowledge::AnalyseOptions options;
  options.trend = false;
  Json all = Json::array();
  int matched = 0;
  std::vector<std::string> misses;
  std::vector<std::pair<RepoKnowledge, knowledge::WhatIf>> results;
  for (const auto& repo : plan->repos) {
    auto k = plan->desk->Analyse(ctx, repo, options);
    if (!k) return PrintError(k.error());
    // Across several repositories a person may be in only some of them.
    std::set<std::string> leavers;
    for (const std::string& e : args.emails) {
      auto one = knowledge::FindPeople(*k, {e});
      if (one)
        leavers.insert(one->begin(), one->end());
      else if (plan->repos.size() == 1)
        return PrintError(one.error());
    }
    if (leavers.empty()) continue;
    ++matched;
    auto w = knowledge::ComputeWhatIf(*k, leavers);
    results.emplace_back(std::move(*k), std::move(w));
  }
  if (matched == 0) {
    return PrintError(Error::NotFound(
        fmt::format("nobody with the e-mail {} committed to any configured repository",
                    fmt::join(args.emails, " or "))));
  }
  for (const auto& [k, w] : results) {
    if (args.format == "json") {
      Json j = {{"repository", k.name},
                {"leavers", Json::array()},
                {"orphaned_files", w.orphaned_files},
                {"groups", Json::array()}};
      for (const auto& key : w.leavers) j["leavers"].push_back(PersonJson(k, key));
      for (const auto& g : w.groups) {
        j["groups"].push_back({{"kind", g.kind},
                               {"name", g.name},
                               {"files", g.files},
                               {"orphaned", g.orphaned},
                               {"lost", g.lost}});
      }
      all.push_back(j);
      continue;
    }
    std::vector<std::string> names;
    for (const auto& key : w.leavers) names.push_back(NameOf(k, key));
    fmt::print("{}: if {} left, {} of {} files would have no author left.\n", k.name,
               fmt::join(names, " and "), w.orphaned_files.size(), k.files.size());
    for (const auto& g : w.groups) {
      if (g.orphaned == 0) continue;
      fmt::print("  {:<10} {:<24} {:>5} of {:>5} files orphaned{}\n", g.kind, g.name, g.orphaned,
                 g.files, g.lost ? "  LOST: fewer than half keep an author" : "");
    }
    size_t shown = 0;
    for (const std::string& f : w.orphaned_files) {
      if (shown++ == 20) {
        fmt::print("  ... and {} more files (--format json lists all)\n",
                   w.orphaned_files.size() - 20);
        break;
      }
      fmt::print("    {}\n", f);
    }
  }
  if (args.format == "json") fmt::print("{}\n", JsonText(all, 2));
  return kExitOk;
}

}  // namespace

void AddKnowledgeCommand(CLI::App& app, Outcome& out) {
  CLI::App* cmd =
      app.add_subcommand("knowledge", "Who knows the code: truck factor from git history");
  cmd->require_subcommand(1);

  auto report = std::make_shared<KnowledgeArgs>();
  CLI::App* r = cmd->add_subcommand("report",
                                    "Truck factor and its people, per repository, folder and "
                                    "component; single-author files; pairing; trend");
  AddCommonOptions(*r, report->common);
  r->add_option("repo", report->repo, "A repository named in [knowledge], or a repository folder");
  r->add_option("-f,--format", report->format, "term or json")
      ->check(CLI::IsMember({"term", "json"}));
  r->add_option("--at", report->at, "Analyse history up to this revision")->capture_default_str();
  r->add_option("--files-from", report->files_from,
                "Only these files count: a file with one path per line");
  r->callback([report, &out] { out.exit_code = RunReport(*report); });

  auto what_if = std::make_shared<KnowledgeArgs>();
  CLI::App* w =
      cmd->add_subcommand("what-if", "Files and components orphaned if these people leave");
  AddCommonOptions(*w, what_if->common);
  w->add_option("email", what_if->emails, "E-mail of each person leaving")->required();
  w->add_option("--repo", what_if->repo,
                "Only this repository (a name in [knowledge] or a folder)");
  w->add_option("-f,--format", what_if->format, "term or json")
      ->check(CLI::IsMember({"term", "json"}));
  w->callback([what_if, &out] { out.exit_code = RunWhatIf(*what_if); });
}

}  // namespace ctodesk::cli
