#include <csignal>

#include <fmt/format.h>

#include "cli/cli.h"
#include "cli/render.h"
#include "demo/demo.h"
#include "demo/demo_backups.h"

namespace ctodesk::cli {

namespace {

struct DemoArgs {
  std::string dir = "demo";
  bool serve = false;
};

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
  (*demo)->SetToday();
  clock.Set(now);
  auto briefing = RunBriefing(session->setup, *session->store, clock);
  if (!briefing) return PrintError(briefing.error());

  fmt::print("{}", Render(*briefing, ReportFormat::kTerminal, StdoutWantsColor()));
  const std::filesystem::path dir = (*demo)->dir();
  const std::pair<const char*, std::string> outputs[] = {
      {"briefing.html", Render(*briefing, ReportFormat::kHtml, false)},
      {"briefing.md", Render(*briefing, ReportFormat::kMarkdown, false)},
      {"briefing.json", Render(*briefing, ReportFormat::kJson, false)},
      {"ceo.html", RenderCeoHtml(*briefing)},
      {"ceo.md", RenderCeoMarkdown(*briefing)},
  };
  for (const auto& [name, text] : outputs) {
    if (auto w = WriteFileAtomically((dir / name).string(), text); !w) return PrintError(w.error());
  }
  fmt::print("\nThe demo company is in {0}/ (config: {0}/ctodesk.toml).\n"
             "Also written there: briefing.html (open it in a browser), briefing.md, briefing.json,\n"
             "and the CEO's one-page summary: ceo.html, ceo.md.\n",
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
