#include "brief/brief.h"
#include "core/json_text.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "desks/incidents/incidents.h"
#include "desks/keys/keys.h"
#include "desks/leaks/leaks.h"

namespace ctodesk {

namespace {

// The leak loop: the leaks desk recognises our API keys (the keys desk's
// prefix) and acts on them per [keys] on_leak.
void LinkDesks(Setup& setup) {
  leaks::LeaksDesk* leaks_desk = nullptr;
  keys::KeysDesk* keys_desk = nullptr;
  for (ConfiguredDesk& d : setup.desks) {
    if (d.name == "leaks") leaks_desk = dynamic_cast<leaks::LeaksDesk*>(d.desk.get());
    if (d.name == "keys") keys_desk = dynamic_cast<keys::KeysDesk*>(d.desk.get());
  }
  if (leaks_desk && keys_desk) leaks_desk->LinkKeys(keys_desk->settings().prefix, keys_desk->settings().on_leak);
  // Incidents follow leaks and keys: open incidents and unhandled leaks show
  // in the briefing even without an [incidents] section.
  bool has_incidents = std::any_of(setup.desks.begin(), setup.desks.end(),
                                   [](const ConfiguredDesk& d) { return d.name == "incidents"; });
  if (!has_incidents && (leaks_desk || keys_desk)) {
    setup.desks.push_back({"incidents", std::make_unique<incidents::IncidentsDesk>(incidents::Settings{})});
  }
}

Result<Setup> ReadSetup(ConfigReader& reader, const std::filesystem::path& config_path) {
  Setup setup;
  setup.config_path = config_path;
  setup.base_dir = reader.base_dir();
  ConfigTable root = reader.Root();

  if (auto company = root.Table("company")) {
    if (auto name = company->String("name")) setup.company = *name;
    if (auto tz = company->String("time_zone")) {
      if (IsTimeZone(*tz)) setup.time_zone = *tz;
      else company->Error("time_zone", fmt::format("expected an IANA time zone such as \"Europe/Berlin\", got \"{}\"", *tz));
    }
  }
  setup.store_path = reader.base_dir() / ".ctodesk" / "desk.db";
  if (auto store = root.Table("store")) {
    if (auto path = store->Path("path")) setup.store_path = *path;
  }
  setup.alerts = ReadAlertTargets(root);
  if (auto serve = root.Table("serve")) {
    if (auto listen = serve->String("listen")) setup.serve_listen = *listen;
  }

  for (const DeskInfo& info : AllDesks()) {
    root.Accept(info.name);  // known even when absent, for "did you mean"
    if (!root.Has(info.name)) continue;
    auto section = root.Table(info.name);
    if (!section) continue;
    std::unique_ptr<Desk> desk = info.configure(*section);
    if (desk) setup.desks.push_back({std::string(info.name), std::move(desk)});
  }
  LinkDesks(setup);
  reader.Finish();
  if (!reader.issues().empty()) return Fail(Error::Invalid(reader.IssuesText()));
  return setup;
}

Finding DeskFailure(const std::string& desk, const std::string& why, TimePoint now) {
  Finding f;
  f.desk = desk;
  f.subject = desk;
  f.kind = "desk-failed";
  f.severity = Severity::kActNow;
  f.title = fmt::format("The {} desk could not run", desk);
  f.detail = fmt::format("{}. Until it runs again, its earlier findings may be out of date.", why);
  f.action = fmt::format("Fix the cause, then run `ctodesk brief --only {}`.", desk);
  f.plain.risk = "One of our automatic daily checks could not run, so problems in its area may "
                 "go unnoticed.";
  f.plain.doing = "The team is repairing the check.";
  f.first_seen = now;
  f.last_seen = now;
  return f;
}

}  // namespace

Result<Setup> LoadSetup(const std::filesystem::path& config_path) {
  auto reader = ConfigReader::Open(config_path);
  if (!reader) return Fail(reader.error());
  return ReadSetup(**reader, config_path);
}

Result<Setup> LoadSetupFromString(std::string_view text, const std::string& display_name,
                                  const std::filesystem::path& base_dir) {
  auto reader = ConfigReader::FromString(text, display_name, base_dir);
  if (!reader) return Fail(reader.error());
  return ReadSetup(**reader, base_dir / display_name);
}

Result<Briefing> RunBriefing(Setup& setup, Store& store, const Clock& clock,
                             const BriefOptions& options) {
  const TimePoint now = clock.Now();
  Briefing briefing;
  briefing.generated_at = now;
  briefing.company = setup.company;

  for (ConfiguredDesk& configured : setup.desks) {
    if (!options.only.empty() &&
        std::find(options.only.begin(), options.only.end(), configured.name) == options.only.end()) {
      continue;
    }
    DeskContext ctx{store, clock, setup.base_dir};
    DeskStatus status{configured.name};
    auto started = std::chrono::steady_clock::now();
    Result<DeskReport> report = Fail(Error::Internal("did not run"));
    try {
      report = configured.desk->Run(ctx);
    } catch (const std::exception& e) {
      report = Fail(Error::Internal(e.what()));
    } catch (...) {
      report = Fail(Error::Internal("unknown exception"));
    }
    status.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - started)
                             .count();

    auto previous = store.OpenFindings(configured.name);
    if (!previous) return Fail(previous.error());
    std::map<std::string, Finding> before;
    for (Finding& f : *previous) before.emplace(f.Id(), std::move(f));

    std::vector<Finding> current;
    std::vector<std::string> resolved_ids;
    if (report) {
      status.checked = report->checked;
      // The desk's pictures go into the briefing and are kept (latest only)
      // for its dashboard page.
      nlohmann::json kept = nlohmann::json::array();
      for (const Figure& fig : report->figures) kept.push_back({{"title", fig.title}, {"svg", fig.svg}});
      if (auto w = store.PutState(kFiguresState, configured.name,
                                  JsonText(kept));
          !w) {
        return Fail(w.error());
      }
      for (Figure& fig : report->figures) briefing.figures.push_back(std::move(fig));
      current = std::move(report->findings);
      for (Finding& f : current) f.desk = configured.name;
    } else {
      status.ok = false;
      status.error = report.error().message;
      current.push_back(DeskFailure(configured.name, report.error().message, now));
      // Unknown is not fixed: keep the desk's earlier findings open, unchanged.
      for (const auto& [id, f] : before) {
        if (f.kind != "desk-failed") briefing.findings.push_back(f);
      }
    }

    std::set<std::string> seen;
    for (Finding& f : current) {
      std::string id = f.Id();
      if (!seen.insert(id).second) continue;  // a desk reporting the same thing twice
      auto it = before.find(id);
      f.first_seen = it != before.end() ? it->second.first_seen : now;
      f.last_seen = now;
    }
    // Drop duplicates by id, keeping the first.
    std::set<std::string> kept;
    std::erase_if(current, [&](const Finding& f) { return !kept.insert(f.Id()).second; });

    for (const auto& [id, f] : before) {
      if (seen.count(id)) continue;
      if (!report && f.kind != "desk-failed") continue;  // kept open above
      resolved_ids.push_back(id);
    }
    if (auto r = store.SaveFindings(current, resolved_ids, now); !r) return Fail(r.error());
    if (auto r = store.RecordRun({configured.name, now, status.ok, status.duration_ms,
                                  status.checked, status.error});
        !r) {
      return Fail(r.error());
    }
    for (Finding& f : current) briefing.findings.push_back(std::move(f));
    briefing.desks.push_back(std::move(status));
  }

  RankFindings(briefing.findings);
  auto resolved = store.ResolvedSince(now - std::chrono::hours(24));
  if (!resolved) return Fail(resolved.error());
  for (Finding& f : *resolved) {
    bool in_scope = options.only.empty() ||
                    std::find(options.only.begin(), options.only.end(), f.desk) != options.only.end();
    if (in_scope) briefing.resolved.push_back(std::move(f));
  }
  return briefing;
}

}  // namespace ctodesk
