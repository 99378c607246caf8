// `ctodesk serve`: the guard endpoint (and /healthz) and the dashboard
// (dashboard/app.h) on [serve] listen, loopback by default. Runs until SIGTERM or SIGINT, then stops accepting and
// flushes every queued usage event and suspension before exiting.
#include <csignal>

#include <fmt/format.h>

#include "cli/cli.h"
#include "dashboard/app.h"
#include "desks/keys/guard.h"
#include "desks/keys/keys.h"
#include "server/server.h"

namespace ctodesk::cli {

namespace {

struct ServeArgs {
  CommonOptions common;
  std::string listen;
  int threads = 2;
};

int RunServe(const ServeArgs& args) {
  // Block the signals before any thread starts, so only sigwait sees them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  auto session = OpenSession(args.common);
  if (!session) return PrintError(session.error());
  keys::Settings settings;
  for (const auto& d : session->setup.desks) {
    if (d.name == "keys") settings = static_cast<const keys::KeysDesk*>(d.desk.get())->settings();
  }
  const std::string listen = args.listen.empty() ? session->setup.serve_listen : args.listen;
  if (auto where = ParseListenAddress(listen); !where) return PrintError(where.error());
  if (auto l = keys::RecordLimitsIfChanged(*session->store, settings, "serve", session->clock->Now()); !l) {
    return PrintError(l.error());
  }
  auto guard_store = OpenSqliteStore(session->setup.store_path);
  if (!guard_store) return PrintError(guard_store.error());
  keys::GuardOptions options;
  options.alerts = session->setup.alerts;
  auto guard = keys::Guard::Start(std::move(*guard_store), settings, options);
  if (!guard) return PrintError(guard.error());
  auto where = ParseListenAddress(listen);
  auto web_store = OpenSqliteStore(session->setup.store_path);
  if (!web_store) return PrintError(web_store.error());
  dashboard::AppOptions web_options;
  web_options.loopback = dashboard::IsLoopbackAddress(where->first);
  web_options.company = session->setup.company;
  for (const auto& d : session->setup.desks) web_options.desks.push_back(d.name);
  web_options.store_path = session->setup.store_path;
  dashboard::DashboardApp web(std::move(*web_store), &session->setup, *session->clock, guard->get(),
                              web_options);
  auto server = HttpServer::Start(listen, **guard, args.threads, &web);
  if (!server) return PrintError(server.error());
  if (!web_options.loopback) {
    fmt::print("ctodesk serve: not on loopback, so every dashboard page needs a login "
               "(ctodesk users add NAME)\n");
  }
  fmt::print("ctodesk serve: listening on http://{}:{} (dashboard /, GET /guard, /healthz, /metrics)\n",
             where->first.find(':') != std::string::npos ? "[" + where->first + "]" : where->first,
             (*server)->port());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  (*server)->Stop();
  (*guard)->Stop();
  keys::GuardStats s = (*guard)->stats();
  fmt::print("ctodesk serve: stopped on {}; {} requests, {} usage events written\n",
             sig == SIGTERM ? "SIGTERM" : "SIGINT", s.requests, s.events_written);
  return kExitOk;
}

}  // namespace

void AddServeCommand(CLI::App& app, Outcome& out) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "Serve the dashboard, the guard (GET /guard for nginx auth_request / Envoy ext_authz), /metrics and /healthz");
  AddCommonOptions(*cmd, args->common);
  cmd->add_option("--listen", args->listen,
                  "host:port (default: [serve] listen, else 127.0.0.1:8750; port 0 picks one)");
  cmd->add_option("--threads", args->threads, "HTTP threads")->check(CLI::Range(1, 64))->capture_default_str();
  cmd->callback([args, &out] { out.exit_code = RunServe(*args); });
}

}  // namespace ctodesk::cli
