#include <csignal>
#include <set>

#include <fmt/format.h>

#include "brief/week.h"
#include "cli/cli.h"
#include "cli/render.h"
#include "demo/demo.h"
#include "demo/demo_backups.h"
#include "desks/incidents/incidents.h"
#include "desks/keys/keys.h"
#include "desks/leaks/leaks.h"

namespace ctodesk::cli {

namespace {

struct DemoArgs {
  std::string dir = "demo";
  bool serve = false;
};

// Word-wraps each line of `text` to `width` columns (the terminal briefing's 100).
std::string Wrap(const std::string& text, size_t width = 96) {
  std::string out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    std::string line = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    std::string current;
    size_t pos = 0;
    while (pos < line.size()) {
      size_t sp = line.find(' ', pos);
      std::string word = line.substr(pos, sp == std::string::npos ? std::string::npos : sp - pos);
      if (!current.empty() && current.size() + 1 + word.size() > width) {
        out += current + "\n";
        current.clear();
      }
      current += (current.empty() ? "" : " ") + word;
      if (sp == std::string::npos) break;
      pos = sp + 1;
    }
    out += current;
    if (end == std::string::npos) break;
    out += "\n";
    start = end + 1;
  }
  return out;
}

// The morning after the leak and the scrape were found: the CTO runs both
// procedures. Returns the incident ids.
Result<std::vector<std::string>> OpenDemoIncidents(Session& s, TimePoint at) {
  incidents::Context ctx{*s.store};
  ctx.now = at;
  ctx.actor = "cli:cto";
  ctx.out_dir = s.setup.base_dir / "incidents";
  ctx.company = s.setup.company;
  ctx.time_zone = s.setup.time_zone;
  ctx.alerts = s.setup.alerts;
  for (const auto& d : s.setup.desks) {
    if (d.name == "keys") {
      const keys::Settings& k = static_cast<const keys::KeysDesk*>(d.desk.get())->settings();
      ctx.key_prefix = k.prefix;
      ctx.settings.objects = k.objects;
    }
  }
  std::vector<std::string> ids;
  auto leaked = leaks::LeakedKeys(*s.store);
  if (!leaked) return Fail(leaked.error());
  for (const leaks::LeakedKeyRecord& l : *leaked) {
    incidents::LeakedKeyRequest req;
    req.key_id = l.key_id;
    req.rotate = "client";
    auto run = incidents::OpenLeakedKey(ctx, req);
    if (!run) return Fail(run.error());
    ids.push_back(run->incident.id);
    // The replacement keys would be handed over here; the demo drops them unseen.
  }
  auto trail = s.store->AuditTrail();
  if (!trail) return Fail(trail.error());
  std::set<std::string> seen;
  for (const AuditEntry& e : *trail) {
    if (e.action != "suspend" || !seen.insert(e.key_id).second) continue;
    incidents::DataAccessRequest req;
    req.suspension = e.seq;
    auto run = incidents::OpenDataAccess(ctx, req);
    if (!run) return Fail(run.error());
    ids.push_back(run->incident.id);
  }
  return ids;
}

// Briefs on the demo twice: as it was yesterday, then today, so the briefing
// shows findings running for a second day and one fixed overnight.
int RunDemo(const DemoArgs& args) {
  const TimePoint now = SystemClock().Now();
  auto demo = DemoCompany::Create(args.dir, now);
  if (!demo) return PrintError(demo.error());
  auto session = OpenSession({(*demo)->config_path().string(), ""});
  if (!session) return PrintError(session.error());

  if (auto d = RunDemoDrills(session->setup.desks, *session->store, now - std::chrono::days(2)); !d) {
    return PrintError(d.error());
  }
  FixedClock clock(now - std::chrono::hours(24));
  (*demo)->SetYesterday();
  if (auto b = RunBriefing(session->setup, *session->store, clock); !b) return PrintError(b.error());
  auto incident_ids = OpenDemoIncidents(*session, now - std::chrono::hours(23));
  if (!incident_ids) return PrintError(incident_ids.error());
  (*demo)->SetToday();
  clock.Set(now);
  auto briefing = RunBriefing(session->setup, *session->store, clock);
  if (!briefing) return PrintError(briefing.error());

  auto week = ReviewWeek(*briefing, *session->store);
  if (!week) return PrintError(week.error());

  fmt::print("{}", Render(*briefing, ReportFormat::kTerminal, StdoutWantsColor()));
  const std::filesystem::path dir = (*demo)->dir();
  const std::pair<const char*, std::string> outputs[] = {
      {"briefing.html", Render(*briefing, ReportFormat::kHtml, false)},
      {"briefing.md", Render(*briefing, ReportFormat::kMarkdown, false)},
      {"briefing.json", Render(*briefing, ReportFormat::kJson, false)},
      {"ceo.html", RenderCeoHtml(*briefing)},
      {"ceo.md", RenderCeoMarkdown(*briefing)},
      {"ceo-week.html", RenderCeoWeekHtml(*briefing, *week)},
      {"ceo-week.md", RenderCeoWeekMarkdown(*briefing, *week)},
  };
  for (const auto& [name, text] : outputs) {
    if (auto w = WriteFileAtomically((dir / name).string(), text); !w) return PrintError(w.error());
  }
  // The incidents opened yesterday: what happened, in the record's words.
  for (const std::string& id : *incident_ids) {
    auto view = incidents::LoadIncident(*session->store, id);
    if (!view) return PrintError(view.error());
    std::string md = incidents::RenderMarkdown(*view, session->setup.company, session->setup.time_zone);
    std::string head = md.substr(0, md.find("## Timeline"));
    fmt::print("\n{}", Wrap(head));
    fmt::print("{}\n", Wrap(fmt::format("Full record: ctodesk incident show {} --config {}/ctodesk.toml (also "
                                        "{}/incidents/{}.md and .html)",
                                        id, (*demo)->dir().string(), (*demo)->dir().string(), id)));
  }
  fmt::print("\nThe demo company is in {0}/ (config: {0}/ctodesk.toml).\n"
             "Also written there: briefing.html (open it in a browser), briefing.md, briefing.json,\n"
             "the CEO's one-page summary (ceo.html, ceo.md) and week in review (ceo-week.html, ceo-week.md).\n",
             dir.string());
  fmt::print("The dashboard: ctodesk serve --config {}/ctodesk.toml, then open http://127.0.0.1:8750/\n",
             dir.string());
  if (!args.serve) {
    fmt::print("Its systems stop with this command; `ctodesk demo --serve` keeps them up.\n");
    return kExitOk;
  }
  fmt::print("Serving the demo's systems; in another terminal: ctodesk brief --config {}/ctodesk.toml\n"
             "Press Ctrl-C to stop.\n",
             dir.string());
  std::fflush(stdout);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  int sig = 0;
  sigwait(&set, &sig);
  return kExitOk;
}

}  // namespace

void AddDemoCommand(CLI::App& app, Outcome& out) {
  auto args = std::make_shared<DemoArgs>();
  CLI::App* cmd = app.add_subcommand("demo", "Create the demo company and brief on it");
  cmd->add_option("dir", args->dir, "Folder for the demo company")->capture_default_str();
  cmd->add_flag("--serve", args->serve, "Keep the demo's systems running until Ctrl-C");
  cmd->callback([args, &out] { out.exit_code = RunDemo(*args); });
}

}  // namespace ctodesk::cli
