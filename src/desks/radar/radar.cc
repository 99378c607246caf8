#include "desks/radar/radar.h"
#include "core/json_text.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <date/date.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "desks/radar/svg.h"

namespace ctodesk::radar {

namespace {

constexpr std::string_view kDesk = "radar";

std::string DateText(TimePoint t) { return FormatTime(t).substr(0, 10); }

// "27 June 2023": dates for people.
std::string PlainDate(TimePoint t) {
  static const char* kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                                  "July",    "August",   "September", "October", "November", "December"};
  date::year_month_day ymd{std::chrono::floor<date::days>(t)};
  return fmt::format("{} {} {}", static_cast<unsigned>(ymd.day()), kMonths[static_cast<unsigned>(ymd.month()) - 1],
                     static_cast<int>(ymd.year()));
}

std::string JoinList(const std::vector<std::string>& items, size_t max = 6) {
  if (items.empty()) return "";
  std::vector<std::string> shown(items.begin(), items.begin() + static_cast<long>(std::min(max, items.size())));
  std::string out;
  for (size_t i = 0; i < shown.size(); ++i) {
    if (i > 0) out += i + 1 == shown.size() && items.size() <= max ? " and " : ", ";
    out += shown[i];
  }
  if (items.size() > max) out += fmt::format(" and {} more", items.size() - max);
  return out;
}

std::vector<std::string> SetToVector(const std::set<std::string>& s) { return {s.begin(), s.end()}; }

// "about 7 months", "about 3 weeks", "a few days".
std::string HowLong(double days) {
  if (days < 10) return "a few days";
  if (days < 60) return fmt::format("about {} weeks", static_cast<int>(std::lround(days / 7)));
  return fmt::format("about {} months", static_cast<int>(std::lround(days / 30.44)));
}

Finding MakeFinding(std::string subject, std::string kind, Severity severity) {
  Finding f;
  f.desk = std::string(kDesk);
  f.subject = std::move(subject);
  f.kind = std::move(kind);
  f.severity = severity;
  f.concern = Concern::kTechnology;
  return f;
}

// Plain words start a sentence: "The orders table ...", not "the orders table ...".
void Capitalize(PlainWords& p) {
  for (std::string* s : {&p.risk, &p.doing, &p.ask}) {
    if (!s->empty()) (*s)[0] = static_cast<char>(std::toupper(static_cast<unsigned char>((*s)[0])));
  }
}

std::string LastPart(std::string_view name) {
  size_t cut = name.find_last_of("/:");
  return std::string(cut == std::string_view::npos ? name : name.substr(cut + 1));
}

}  // namespace

const Blip* MatchBlip(const Technology& t, const std::vector<Blip>& radar) {
  std::set<std::string> keys = {NormalizeName(t.name), NormalizeName(t.product)};
  for (const Usage& u : t.usages) {
    keys.insert(NormalizeName(u.name));
    if (u.ecosystem == "maven" || u.ecosystem == "docker") keys.insert(NormalizeName(LastPart(u.name)));
    if (u.ecosystem == "github-action") keys.insert("githubactions");
  }
  keys.erase("");
  for (const Blip& b : radar) {
    if (keys.count(NormalizeName(b.name))) return &b;
  }
  return nullptr;
}

Settings ReadSettings(ConfigTable& section) {
  Settings s;
  std::set<std::string> names;
  for (ConfigTable& t : section.TableArray("repos")) {
    auto path = t.Path("path", true);
    auto name = t.String("name");
    if (!path) continue;
    RepoSource r{name.value_or(path->filename().string()), *path};
    if (r.name.empty()) r.name = path->parent_path().filename().string();
    if (!names.insert(r.name).second) {
      t.Error(name ? "name" : "path", fmt::format("another repository is already named \"{}\"", r.name));
    }
    s.repos.push_back(std::move(r));
  }
  if (auto folder = section.Path("repos_from")) s.repos_from.push_back(*folder);
  if (!section.Has("repos") && !section.Has("repos_from")) {
    section.Error("repos", "expected at least one [[radar.repos]] table with a path (or repos_from = \"folder\")");
  }
  s.radar_file = section.Path("radar_file");
  if (auto v = section.Int("active_days", 1, 3650)) s.active_days = static_cast<int>(*v);
  if (auto v = section.Int("eol_warn_days", 0, 3650)) s.eol_warn_days = static_cast<int>(*v);
  if (auto v = section.Int("horizon_days", 1, 3650)) s.horizon_days = static_cast<int>(*v);
  if (auto v = section.Int("history_days", 7, 36500)) s.history_days = static_cast<int>(*v);
  if (auto v = section.Int("max_depth", 1, 64)) s.max_depth = static_cast<int>(*v);
  for (ConfigTable& t : section.TableArray("eol")) {
    auto product = t.String("product", true);
    auto cycle = t.String("cycle", true);
    auto date = t.Time("date", true);
    if (product && cycle && date) {
      std::string p;
      for (char c : *product) p += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      s.eol_overrides.push_back({p, *cycle, std::chrono::floor<std::chrono::days>(*date)});
    }
  }
  std::set<std::string> measure_names;
  for (ConfigTable& t : section.TableArray("measures")) {
    Measure m;
    auto name = t.String("name", true);
    if (name) {
      m.name = *name;
      if (!measure_names.insert(m.name).second) {
        t.Error("name", fmt::format("another measure is already named \"{}\"", m.name));
      }
    }
    m.plain_name = t.String("plain_name").value_or(m.name);
    auto sql = t.String("sql");
    auto database = t.Path("database");
    auto path = t.Path("path");
    auto command = t.String("command");
    int kinds = (sql || database ? 1 : 0) + (path ? 1 : 0) + (command ? 1 : 0);
    if (kinds != 1) {
      t.Error(kinds == 0 ? "sql" : "command",
              "expected exactly one way to measure: sql with database, path, or command");
    } else if (sql.has_value() != database.has_value()) {
      t.Error(sql ? "database" : "sql", "sql and database go together: the query runs against the SQLite file");
    }
    if (sql) m.sql = *sql;
    if (database) m.database = *database;
    if (path) m.path = *path;
    if (command) m.command = *command;
    auto threshold = t.Number("threshold", true);
    if (threshold) {
      if (*threshold <= 0) t.Error("threshold", fmt::format("expected a number above 0, got {}", *threshold));
      m.threshold = *threshold;
    }
    m.unit = t.String("unit").value_or(path ? "bytes" : "");
    m.action = t.String("action").value_or("");
    if (auto timeout = t.DurationValue("timeout")) m.timeout = *timeout;
    s.measures.push_back(std::move(m));
  }
  return s;
}

std::unique_ptr<Desk> Configure(ConfigTable& section) {
  return std::make_unique<RadarDesk>(ReadSettings(section));
}

std::vector<Finding> AssessInventory(const Inventory& inv, const std::vector<Blip>& radar,
                                     const std::vector<EolEntry>& eol, const Settings& settings, TimePoint now) {
  std::vector<Finding> out;
  std::map<std::string, const RepoScan*> scans;
  for (const RepoScan& r : inv.repos) scans[r.name] = &r;

  for (const RepoScan& r : inv.repos) {
    if (r.error.empty()) continue;
    Finding f = MakeFinding(r.name, "repo-unreadable", Severity::kToday);
    f.title = fmt::format("repository {} could not be read: {}", r.name, r.error);
    f.detail = "Its technology is missing from the inventory, so nothing on it is checked.";
    f.action = fmt::format("Fix the path of {} in [[radar.repos]] or its permissions.", r.name);
    f.evidence = {{"repository", r.name}, {"error", r.error}};
    f.plain = {fmt::format("We cannot see which technology {} is built on, so we cannot warn about it.", r.name),
               "The team is fixing the setting.", ""};
    out.push_back(std::move(f));
  }

  std::vector<std::string> unknown_libraries;
  for (const Technology& t : inv.technologies) {
    const Blip* blip = MatchBlip(t, radar);
    std::set<std::string> direct_repos;
    for (const Usage& u : t.usages) {
      if (u.direct) direct_repos.insert(u.repo);
    }
    // Hold ring, in a repository that is still being changed.
    if (blip && blip->ring == Ring::kHold) {
      std::vector<std::string> active;
      int newest_days = -1;
      for (const std::string& repo : t.Repos()) {
        auto it = scans.find(repo);
        if (it == scans.end() || !it->second->last_change) continue;
        auto age = std::chrono::duration_cast<std::chrono::days>(now - *it->second->last_change).count();
        if (age <= settings.active_days) {
          active.push_back(repo);
          if (newest_days < 0 || age < newest_days) newest_days = static_cast<int>(age);
        }
      }
      if (!active.empty()) {
        Finding f = MakeFinding(blip->name, "hold-in-use", Severity::kThisWeek);
        f.title = fmt::format("{} is on hold on the radar but still used by {}, changed {} days ago", blip->name,
                              JoinList(active), std::max(newest_days, 0));
        f.detail = fmt::format(
            "The radar puts {} in hold: do not start new work on it. {} {} still built on it and changed within "
            "the last {} days, so new work is going into it. {}",
            blip->name, JoinList(active), active.size() == 1 ? "is" : "are", settings.active_days,
            blip->description.empty() ? "" : "Radar note: " + blip->description);
        f.action = fmt::format("Plan the move off {} in {}, or take it out of hold on the radar if that is no longer "
                               "the decision.",
                               blip->name, JoinList(active));
        f.evidence = {{"ring", "hold"}, {"quadrant", blip->quadrant}, {"repositories", JoinList(active, 20)},
                      {"versions", JoinList(t.Versions(), 10)}};
        for (const Usage& u : t.usages) {
          if (std::find(active.begin(), active.end(), u.repo) != active.end()) {
            f.evidence.emplace_back("used in", fmt::format("{}/{}:{}", u.repo, u.file, u.line));
            break;
          }
        }
        f.plain = {fmt::format("Our {} still {} on a building block we decided to move away from, and the team keeps "
                               "adding to {}; each change makes leaving it later slower and costlier.",
                               JoinList(active), active.size() == 1 ? "relies" : "rely",
                               active.size() == 1 ? "it" : "them"),
                   "The team will plan the move and say how long it takes.", ""};
        out.push_back(std::move(f));
      }
    }
    // Not on the radar: platforms one by one, libraries together.
    if (!blip && !direct_repos.empty()) {
      if (t.ecosystem == "docker" || t.ecosystem == "runtime" || !t.product.empty()) {
        Finding f = MakeFinding(t.name, "not-on-radar", Severity::kFyi);
        f.title = fmt::format("{} is in use ({}) but not on the radar", t.name, JoinList(SetToVector(direct_repos)));
        f.detail = fmt::format("Used at {} in {}. The radar says nothing about it yet.",
                               JoinList(t.Versions()), JoinList(SetToVector(direct_repos)));
        f.action = fmt::format("Assess {} and put it on the radar in the ring that fits.", t.name);
        f.evidence = {{"repositories", JoinList(SetToVector(direct_repos), 20)}, {"versions", JoinList(t.Versions(), 10)}};
        f.plain = {fmt::format("We use {} without having decided whether it is a good long-term choice.", t.name),
                   "The team will assess it.", ""};
        out.push_back(std::move(f));
      } else {
        unknown_libraries.push_back(fmt::format("{} ({})", t.name, direct_repos.size()));
      }
    }
    // Three or more major versions across repositories.
    std::map<std::string, std::set<std::string>> majors;
    for (const Usage& u : t.usages) {
      std::string major = MajorVersion(u.version);
      if (!major.empty() && u.source.empty()) majors[major].insert(u.repo);
    }
    std::set<std::string> repos_with_version;
    for (const auto& [major, repos] : majors) repos_with_version.insert(repos.begin(), repos.end());
    if (majors.size() >= 3 && repos_with_version.size() >= 2) {
      std::vector<std::string> parts;
      for (const auto& [major, repos] : majors) parts.push_back(fmt::format("{} in {}", major, JoinList(SetToVector(repos))));
      Finding f = MakeFinding(t.name, "many-major-versions", Severity::kFyi);
      f.title = fmt::format("{} is used at {} major versions across repositories", t.name, majors.size());
      f.detail = fmt::format("Major versions: {}.", fmt::format("{}", fmt::join(parts, "; ")));
      f.action = fmt::format("Agree one version of {} and move the others to it when they are next touched.", t.name);
      for (const auto& [major, repos] : majors) f.evidence.emplace_back("major " + major, JoinList(SetToVector(repos), 20));
      f.plain = {fmt::format("Our products use {} different generations of {}; each one has to be kept safe and "
                             "learned separately, which slows the team down.",
                             majors.size(), t.name),
                 "The team will settle on one over time.", ""};
      out.push_back(std::move(f));
    }
  }
  if (!unknown_libraries.empty()) {
    std::sort(unknown_libraries.begin(), unknown_libraries.end());
    Finding f = MakeFinding("libraries", "not-on-radar", Severity::kFyi);
    f.title = fmt::format("{} librar{} in use not on the radar", unknown_libraries.size(),
                          unknown_libraries.size() == 1 ? "y" : "ies");
    f.detail = fmt::format("Not on the radar (repositories using each): {}.", JoinList(unknown_libraries, 15));
    f.action = "Assess the ones that matter and put them on the radar (`ctodesk radar inventory` lists them all).";
    f.evidence = {{"count", std::to_string(unknown_libraries.size())}};
    f.plain = {"Some of the ready-made parts our products use have never been reviewed as long-term choices.",
               "The team will review the important ones.", ""};
    out.push_back(std::move(f));
  }

  // End of life, per product and release line.
  struct EolUse {
    EolEntry entry;
    std::set<std::string> repos;
    std::vector<std::string> where;
  };
  std::map<std::pair<std::string, std::string>, EolUse> eol_uses;
  for (const Technology& t : inv.technologies) {
    if (t.product.empty()) continue;
    for (const Usage& u : t.usages) {
      // ">=3.7" says what is supported at least, not what runs: no release line.
      if (u.version.find_first_not_of(" ") != std::string::npos && u.version[u.version.find_first_not_of(" ")] == '>') {
        continue;
      }
      auto e = FindEol(eol, t.product, u.version);
      if (!e) continue;
      EolUse& use = eol_uses[{e->product, e->cycle}];
      use.entry = *e;
      use.repos.insert(u.repo);
      if (use.where.size() < 5) use.where.push_back(fmt::format("{}/{}:{} ({})", u.repo, u.file, u.line, u.version));
    }
  }
  for (const auto& [key, use] : eol_uses) {
    TimePoint eol_at = TimePoint(use.entry.eol.time_since_epoch());
    auto days_left = std::chrono::duration_cast<std::chrono::days>(eol_at - now).count();
    const bool passed = eol_at <= now;
    if (!passed && days_left > settings.eol_warn_days) continue;
    const std::string product = ProductDisplayName(use.entry.product);
    const std::string repos = JoinList(SetToVector(use.repos));
    Finding f = MakeFinding(fmt::format("{} {}", product, use.entry.cycle), passed ? "end-of-life" : "end-of-life-soon",
                            passed ? Severity::kToday : Severity::kThisWeek);
    if (passed) {
      f.title = fmt::format("{} {} reached end of life on {} and is still used by {}", product, use.entry.cycle,
                            DateText(eol_at), repos);
      f.detail = fmt::format("Its maintainers no longer publish security fixes for {} {}.", product, use.entry.cycle);
      f.plain.risk = fmt::format("Our {} {} on {} {}, which stopped getting security fixes on {}: any new weakness "
                                 "found in it stays open for attackers.",
                                 repos, use.repos.size() == 1 ? "runs" : "run", product, use.entry.cycle,
                                 PlainDate(eol_at));
    } else {
      f.title = fmt::format("{} {} reaches end of life on {} (in {} days); used by {}", product, use.entry.cycle,
                            DateText(eol_at), days_left, repos);
      f.detail = fmt::format("After {} its maintainers stop publishing security fixes for {} {}.", DateText(eol_at),
                             product, use.entry.cycle);
      f.plain.risk = fmt::format("Our {} {} on {} {}, which stops getting security fixes on {}, in {} days.", repos,
                                 use.repos.size() == 1 ? "runs" : "run", product, use.entry.cycle, PlainDate(eol_at),
                                 days_left);
    }
    f.action = fmt::format("Upgrade {} in {} to a supported release line.", product, repos);
    f.evidence = {{"end of life", DateText(eol_at)}, {"repositories", JoinList(SetToVector(use.repos), 20)}};
    for (const std::string& w : use.where) f.evidence.emplace_back("used in", w);
    f.plain.doing = "The team will plan the upgrade.";
    out.push_back(std::move(f));
  }

  // Manifests that could not be read.
  for (const ManifestIssue& issue : inv.issues) {
    Finding f = MakeFinding(issue.file, "manifest-unreadable", Severity::kFyi);
    f.title = fmt::format("{} could not be read: {}", issue.line > 0 ? fmt::format("{}:{}", issue.file, issue.line) : issue.file,
                          issue.message);
    f.detail = "What this file declares is missing from the inventory (entries before the problem are kept).";
    f.action = fmt::format("Fix {} (line {}).", issue.file, issue.line);
    f.evidence = {{"file", issue.file}, {"line", std::to_string(issue.line)}, {"problem", issue.message}};
    std::string repo = issue.file.substr(0, issue.file.find('/'));
    f.plain = {fmt::format("Part of the list of building blocks of {} could not be read, so our picture of it is "
                           "incomplete.",
                           repo),
               "The team will correct the file.", ""};
    out.push_back(std::move(f));
  }
  for (Finding& f : out) Capitalize(f.plain);
  return out;
}

std::vector<Finding> AssessMeasures(const std::vector<MeasureStatus>& measures, const Settings& settings,
                                    TimePoint now) {
  std::vector<Finding> out;
  for (const MeasureStatus& s : measures) {
    const Measure& m = *s.measure;
    const std::string unit = m.unit.empty() ? "" : " " + m.unit;
    if (!s.error.empty()) {
      Finding f = MakeFinding(m.name, "measure-failed", Severity::kToday);
      f.title = fmt::format("measure \"{}\" failed: {}", m.name, s.error);
      f.detail = "No sample was recorded this run; the growth projection uses the earlier ones.";
      f.action = fmt::format("Fix the [[radar.measures]] entry \"{}\" or what it reads.", m.name);
      f.evidence = {{"error", s.error}};
      f.plain = {fmt::format("We could not measure how big {} is today, so we may not see it outgrow its setup.",
                             m.plain_name),
                 "The team is fixing the measurement.", ""};
      out.push_back(std::move(f));
    }
    if (!s.latest && s.samples.empty()) continue;
    const double latest = s.latest ? *s.latest : s.samples.back().value;
    const std::string then = m.action.empty() ? "" : ": " + m.action;
    if (latest >= m.threshold) {
      Finding f = MakeFinding(m.name, "threshold-passed", Severity::kThisWeek);
      f.title = fmt::format("{} is at {}{}, past its threshold of {}{}{}", m.plain_name, HumanNumber(latest), unit,
                            HumanNumber(m.threshold), unit, then);
      f.detail = s.fit ? fmt::format("Growth fit: {}.", s.fit->Describe(m.unit)) : "";
      f.action = m.action.empty() ? fmt::format("Decide what {} needs now that it is past {}{}.", m.plain_name,
                                                HumanNumber(m.threshold), unit)
                                  : m.action;
      f.evidence = {{"latest", HumanNumber(latest) + unit}, {"threshold", HumanNumber(m.threshold) + unit}};
      f.plain = {fmt::format("{} has grown past the size our current setup was planned for; it will get slower and "
                             "costlier until it is moved.",
                             m.plain_name),
                 "The team will plan the change.", ""};
      out.push_back(std::move(f));
      continue;
    }
    if (!s.fit || !s.crossing) continue;
    double days = std::chrono::duration<double>(*s.crossing - now).count() / 86400.0;
    if (days > settings.horizon_days) continue;
    days = std::max(days, 0.0);
    Finding f = MakeFinding(m.name, "threshold-ahead", Severity::kThisWeek);
    f.title = fmt::format("{} will pass {}{} in {} ({}){}", m.plain_name, HumanNumber(m.threshold), unit, HowLong(days),
                          DateText(*s.crossing), then);
    f.detail = fmt::format("Now {}{}. Growth fit on {} samples: {} (the better of linear and exponential).",
                           HumanNumber(latest), unit, s.fit->samples, s.fit->Describe(m.unit));
    f.action = m.action.empty()
                   ? fmt::format("Plan what {} needs before it passes {}{}.", m.plain_name, HumanNumber(m.threshold), unit)
                   : fmt::format("{} before {}.", m.action, DateText(*s.crossing));
    if (!f.action.empty()) f.action[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(f.action[0])));
    f.evidence = {{"latest", HumanNumber(latest) + unit},
                  {"threshold", HumanNumber(m.threshold) + unit},
                  {"model", std::string(GrowthModelName(s.fit->model))},
                  {"projected crossing", DateText(*s.crossing)},
                  {"samples", std::to_string(s.fit->samples)}};
    f.plain = {fmt::format("{} is growing and will outgrow the setup it was built for in {}; moving it takes "
                           "months of planning.",
                           m.plain_name, HowLong(days)),
               "The team will plan the move now so it is ready in time.",
               fmt::format("A budget decision for moving {} within the next few weeks; the team will bring a "
                           "proposal.",
                           m.plain_name)};
    out.push_back(std::move(f));
  }
  for (Finding& f : out) Capitalize(f.plain);
  return out;
}

Result<std::vector<Blip>> RadarDesk::LoadRadar(DeskContext& ctx) {
  if (settings_.radar_file) {
    std::ifstream in(*settings_.radar_file, std::ios::binary);
    if (!in) return Fail(Error::Io(fmt::format("{}: cannot read the radar file", settings_.radar_file->string())));
    std::stringstream text;
    text << in.rdbuf();
    auto blips = ParseRadar(text.str(), settings_.radar_file->string());
    if (!blips) return Fail(blips.error());
    if (auto r = RecordRadar(ctx.store, *blips, ctx.clock.Now(), true); !r) return Fail(r.error());
  }
  return CurrentRadar(ctx.store);
}

Result<std::vector<MeasureStatus>> RadarDesk::Measure(DeskContext& ctx) {
  const TimePoint now = ctx.clock.Now();
  std::vector<MeasureStatus> out;
  std::vector<CheckRecord> records;
  for (const radar::Measure& m : settings_.measures) {
    MeasureStatus s;
    s.measure = &m;
    auto v = TakeMeasure(m);
    if (v) {
      s.latest = *v;
      nlohmann::json detail = {{"unit", m.unit}};
      records.push_back({std::string(kDesk), "measure:" + m.name, now, true, *v, JsonText(detail)});
    } else {
      s.error = v.error().message;
    }
    out.push_back(std::move(s));
  }
  if (!records.empty()) {
    if (auto r = ctx.store.AppendChecks(records); !r) return Fail(r.error());
  }
  for (MeasureStatus& s : out) {
    auto history = ctx.store.Checks(kDesk, "measure:" + s.measure->name, now - std::chrono::days(settings_.history_days));
    if (!history) return Fail(history.error());
    for (const CheckRecord& r : *history) {
      if (r.ok && r.at <= now) s.samples.push_back({r.at, r.value});
    }
    s.fit = FitGrowth(s.samples);
    if (s.fit) s.crossing = s.fit->Crossing(s.measure->threshold);
  }
  return out;
}

std::vector<RepoSource> RadarDesk::Repositories() const {
  std::vector<RepoSource> out = settings_.repos;
  for (const auto& folder : settings_.repos_from) {
    std::error_code ec;
    std::vector<RepoSource> found;
    for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
      std::error_code e2;
      const std::string name = entry.path().filename().string();
      if (!entry.is_directory(e2) || name.empty() || name[0] == '.') continue;
      if (std::any_of(out.begin(), out.end(), [&](const RepoSource& r) { return r.name == name; })) continue;
      found.push_back({name, entry.path()});
    }
    if (ec) found.push_back({folder.filename().string(), folder});  // reported as unreadable
    std::sort(found.begin(), found.end(), [](const RepoSource& a, const RepoSource& b) { return a.name < b.name; });
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

Inventory RadarDesk::ReadRepos() const { return ReadInventory(Repositories(), settings_.max_depth); }

Result<DeskReport> RadarDesk::Run(DeskContext& ctx) {
  const TimePoint now = ctx.clock.Now();
  DeskReport report;
  auto radar = LoadRadar(ctx);
  if (!radar) return Fail(radar.error());
  Inventory inv = ReadRepos();
  report.findings = AssessInventory(inv, *radar, EolTable(), settings_, now);
  auto measures = Measure(ctx);
  if (!measures) return Fail(measures.error());
  for (Finding& f : AssessMeasures(*measures, settings_, now)) report.findings.push_back(std::move(f));
  report.checked = static_cast<std::int64_t>(inv.technologies.size() + measures->size());
  if (!radar->empty()) {
    std::set<std::string> in_use;
    for (const Technology& t : inv.technologies) {
      if (const Blip* b = MatchBlip(t, *radar)) in_use.insert(NormalizeName(b->name));
    }
    // Moves in the last 90 days, from the ring history.
    std::map<std::string, Ring> moved_from;
    for (const Blip& b : *radar) {
      auto history = RingHistory(ctx.store, b.name);
      if (!history) return Fail(history.error());
      for (size_t i = 1; i < history->size(); ++i) {
        const RingMove& prev = (*history)[i - 1];
        const RingMove& cur = (*history)[i];
        if (cur.at >= now - std::chrono::days(90) && prev.ring && cur.ring && prev.ring != cur.ring) {
          moved_from[NormalizeName(b.name)] = *prev.ring;
        }
      }
    }
    report.figures.push_back({std::string(kDesk), "Technology radar", RadarSvg(*radar, in_use, "", moved_from)});
  }
  return report;
}

}  // namespace ctodesk::radar
