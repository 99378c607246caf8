#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "core/json_text.h"
#include "desks/health/health.h"

namespace ctodesk::cli {

namespace {

struct HealthArgs {
  CommonOptions common;
  std::string format = "term";
  std::string name;
  int days = 7;
};

Result<health::HealthDesk*> FindHealth(Session& s) {
  for (auto& d : s.setup.desks) {
    if (d.name == "health") return static_cast<health::HealthDesk*>(d.desk.get());
  }
  return Fail(Error::Invalid(fmt::format("{}: no [health] section; add probes (see `ctodesk init`)",
                                         s.setup.config_path.string())));
}

std::string Pct(std::optional<double> r) { return r ? fmt::format("{:.2f}%", *r * 100) : "-"; }

int RunCheck(const HealthArgs& args) {
  auto session = OpenSession(args.common);
  if (!session) return PrintError(session.error());
  auto desk = FindHealth(*session);
  if (!desk) return PrintError(desk.error());
  DeskContext ctx{*session->store, *session->clock, session->setup.base_dir};
  auto statuses = (*desk)->Check(ctx);
  if (!statuses) return PrintError(statuses.error());
  const TimePoint now = session->clock->Now();
  bool all_up = true;
  nlohmann::ordered_json json = nlohmann::ordered_json::array();
  if (args.format == "term") {
    fmt::print("{:<24} {:<5} {:<5} {:>9} {:>9}  {}\n", "PROBE", "TYPE", "STATE", "LATENCY",
               "CERT", "DETAIL");
  }
  for (const health::ProbeStatus& s : *statuses) {
    all_up = all_up && s.result.up;
    std::string cert = "-";
    if (s.result.cert_not_after) {
      cert = fmt::format("{}d", std::chrono::floor<std::chrono::days>(*s.result.cert_not_after - now).count());
    }
    bool slow = s.probe->max_latency &&
                s.result.latency_ms > static_cast<double>(s.probe->max_latency->count());
    std::string state = !s.result.up ? "DOWN" : slow ? "SLOW" : "up";
    if (args.format == "json") {
      nlohmann::ordered_json j = {{"name", s.probe->name},
                                  {"type", health::ProbeTypeName(s.probe->type)},
                                  {"up", s.result.up},
                                  {"slow", slow},
                                  {"latency_ms", s.result.latency_ms},
                                  {"http_status", s.result.http_status},
                                  {"error", s.result.error}};
      if (s.result.cert_not_after) j["cert_not_after"] = FormatTime(*s.result.cert_not_after);
      json.push_back(j);
    } else {
      fmt::print("{:<24} {:<5} {:<5} {:>7.0f}ms {:>9}  {}\n", s.probe->name.substr(0, 24),
                 health::ProbeTypeName(s.probe->type), state, s.result.latency_ms, cert,
                 s.result.error);
    }
  }
  if (args.format == "json") fmt::print("{}\n", JsonText(json, 2));
  return all_up ? kExitOk : kExitFindings;
}

int RunHistory(const HealthArgs& args) {
  auto session = OpenSession(args.common);
  if (!session) return PrintError(session.error());
  auto desk = FindHealth(*session);
  if (!desk) return PrintError(desk.error());
  const auto& probes = (*desk)->settings().probes;
  bool known = std::any_of(probes.begin(), probes.end(),
                           [&](const health::Probe& p) { return p.name == args.name; });
  if (!known) {
    std::vector<std::string> names;
    for (const auto& p : probes) names.push_back(p.name);
    std::string message = fmt::format("no probe named \"{}\" in {}", args.name,
                                      session->setup.config_path.string());
    if (auto g = DidYouMean(args.name, names)) message += fmt::format("; did you mean \"{}\"?", *g);
    return PrintError(Error::Invalid(message));
  }
  DeskContext ctx{*session->store, *session->clock, session->setup.base_dir};
  auto uptime = (*desk)->UptimeOf(ctx, args.name);
  if (!uptime) return PrintError(uptime.error());
  const TimePoint now = session->clock->Now();
  auto checks = session->store->Checks("health", args.name, now - std::chrono::days(args.days));
  if (!checks) return PrintError(checks.error());
  if (args.format == "json") {
    nlohmann::ordered_json j = {{"name", args.name},
                                {"uptime", {{"24h", uptime->day ? nlohmann::ordered_json(*uptime->day) : nullptr},
                                            {"7d", uptime->week ? nlohmann::ordered_json(*uptime->week) : nullptr},
                                            {"30d", uptime->month ? nlohmann::ordered_json(*uptime->month) : nullptr}}},
                                {"checks", nlohmann::ordered_json::array()}};
    for (const CheckRecord& c : *checks) {
      auto detail = nlohmann::json::parse(c.detail, nullptr, false);
      j["checks"].push_back({{"at", FormatTime(c.at)},
                             {"up", c.ok},
                             {"latency_ms", c.value},
                             {"error", detail.is_object() ? detail.value("error", "") : ""}});
    }
    fmt::print("{}\n", JsonText(j, 2));
    return kExitOk;
  }
  fmt::print("{}\nUptime: {} over 24 h, {} over 7 days, {} over 30 days\n\n", args.name,
             Pct(uptime->day), Pct(uptime->week), Pct(uptime->month));
  fmt::print("{:<21} {:<5} {:>9}  {}\n", "AT", "STATE", "LATENCY", "ERROR");
  for (const CheckRecord& c : *checks) {
    auto detail = nlohmann::json::parse(c.detail, nullptr, false);
    std::string error = detail.is_object() ? detail.value("error", "") : "";
    fmt::print("{:<21} {:<5} {:>7.0f}ms  {}\n", FormatTime(c.at), c.ok ? "up" : "DOWN", c.value, error);
  }
  if (checks->empty()) fmt::print("(no checks in the last {} days)\n", args.days);
  return kExitOk;
}

}  // namespace

void AddHealthCommand(CLI::App& app, Outcome& out) {
  CLI::App* health = app.add_subcommand("health", "Probes: is everything ticking over?");
  health->require_subcommand(1);

  auto check = std::make_shared<HealthArgs>();
  CLI::App* c = health->add_subcommand("check", "Probe everything now, record it, print a table "
                                                "(exit 1 if anything is down)");
  AddCommonOptions(*c, check->common);
  c->add_option("-f,--format", check->format, "term or json")->check(CLI::IsMember({"term", "json"}));
  c->callback([check, &out] { out.exit_code = RunCheck(*check); });

  auto history = std::make_shared<HealthArgs>();
  CLI::App* h = health->add_subcommand("history", "Uptime and recent results of one probe");
  AddCommonOptions(*h, history->common);
  h->add_option("name", history->name, "Probe name")->required();
  h->add_option("--days", history->days, "How many days of results to list")
      ->check(CLI::Range(1, 400))
      ->capture_default_str();
  h->add_option("-f,--format", history->format, "term or json")->check(CLI::IsMember({"term", "json"}));
  h->callback([history, &out] { out.exit_code = RunHistory(*history); });
}

}  // namespace ctodesk::cli
