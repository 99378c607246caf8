#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "core/json_text.h"
#include "core/size.h"
#include "desks/suppliers/suppliers.h"

namespace ctodesk::cli {

namespace {

struct SuppliersArgs {
  CommonOptions common;
  std::string format = "term";
};

Result<suppliers::SuppliersDesk*> FindSuppliers(Session& s) {
  for (auto& d : s.setup.desks) {
    if (d.name == "suppliers") return static_cast<suppliers::SuppliersDesk*>(d.desk.get());
  }
  return Fail(Error::Invalid(fmt::format(
      "{}: no [suppliers] section; add [[suppliers.feeds]] tables (see `ctodesk init`)",
      s.setup.config_path.string())));
}

std::string Pct(std::optional<double> r) { return r ? fmt::format("{:.0f}%", *r * 100) : "-"; }

nlohmann::ordered_json OptJson(std::optional<double> v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

std::string Cut(const std::string& s, size_t n) {
  return s.size() <= n ? s : s.substr(0, n - 1) + "~";
}

// Reads new deliveries, then prints each feed's latest delivery and the findings.
int RunCheck(const SuppliersArgs& args) {
  auto session = OpenSession(args.common);
  if (!session) return PrintError(session.error());
  auto desk = FindSuppliers(*session);
  if (!desk) return PrintError(desk.error());
  DeskContext ctx{*session->store, *session->clock, session->setup.base_dir};
  auto fresh = (*desk)->Scan(ctx);
  if (!fresh) return PrintError(fresh.error());
  auto findings = (*desk)->Assess(ctx);
  if (!findings) return PrintError(findings.error());
  RankFindings(*findings);
  const TimePoint now = session->clock->Now();

  nlohmann::ordered_json json = {{"new_deliveries", nlohmann::ordered_json::array()},
                                 {"feeds", nlohmann::ordered_json::array()},
                                 {"findings", nlohmann::ordered_json::array()}};
  for (const auto& [feed, d] : *fresh) {
    nlohmann::ordered_json failed = nlohmann::ordered_json::array();
    for (const auto& r : d.rules) {
      if (!r.ok) failed.push_back({{"rule", r.rule}, {"column", r.column}, {"message", r.message}, {"rows", r.rows}});
    }
    json["new_deliveries"].push_back({{"feed", feed->name}, {"file", d.file}, {"arrived", FormatTime(d.arrived)},
                                      {"size", d.size}, {"rows", d.rows}, {"ok", d.ok}, {"failed_rules", failed}});
  }
  if (args.format == "term") {
    fmt::print("{:<18} {:<16} {:<22} {:>9} {:>10}  {}\n", "FEED", "SUPPLIER", "LAST DELIVERY", "SIZE", "ROWS",
               "RULES");
  }
  for (const auto& feed : (*desk)->settings().feeds) {
    auto deliveries = (*desk)->Deliveries(ctx, feed, now - std::chrono::days((*desk)->settings().lookback_days));
    if (!deliveries) return PrintError(deliveries.error());
    const suppliers::Delivery* last = deliveries->empty() ? nullptr : &deliveries->back();
    int failed = 0;
    if (last) {
      for (const auto& r : last->rules) failed += !r.ok;
    }
    json["feeds"].push_back({{"name", feed.name},
                             {"supplier", feed.supplier},
                             {"last_file", last ? last->file : ""},
                             {"last_arrived", last ? FormatTime(last->arrived) : ""},
                             {"rows", last ? last->rows : 0},
                             {"rules_failed", failed}});
    if (args.format == "term") {
      fmt::print("{:<18} {:<16} {:<22} {:>9} {:>10}  {}\n", Cut(feed.name, 18), Cut(feed.supplier, 16),
                 last ? FormatTime(last->arrived) : "(none)", last ? HumanSize(last->size) : "-",
                 last ? std::to_string(last->rows) : "-",
                 !last ? "-" : failed == 0 ? "all passed" : fmt::format("{} failed", failed));
    }
  }
  for (const Finding& f : *findings) {
    json["findings"].push_back({{"severity", SeverityName(f.severity)}, {"subject", f.subject},
                                {"kind", f.kind}, {"title", f.title}, {"detail", f.detail}, {"action", f.action}});
  }
  if (args.format == "json") {
    fmt::print("{}\n", JsonText(json, 2));
  } else {
    fmt::print("\n{} new deliver{} read.\n", fresh->size(), fresh->size() == 1 ? "y" : "ies");
    for (const Finding& f : *findings) {
      fmt::print("{:<9}  {}\n", SeverityName(f.severity), f.title);
    }
    if (findings->empty()) fmt::print("Every feed is on time and passes its rules.\n");
  }
  return findings->empty() ? kExitOk : kExitFindings;
}

int RunReport(const SuppliersArgs& args) {
  auto session = OpenSession(args.common);
  if (!session) return PrintError(session.error());
  auto desk = FindSuppliers(*session);
  if (!desk) return PrintError(desk.error());
  DeskContext ctx{*session->store, *session->clock, session->setup.base_dir};
  if (auto fresh = (*desk)->Scan(ctx); !fresh) return PrintError(fresh.error());
  auto month = (*desk)->ReliabilityOver(ctx, 30);
  if (!month) return PrintError(month.error());
  auto quarter = (*desk)->ReliabilityOver(ctx, 90);
  if (!quarter) return PrintError(quarter.error());

  auto lateness = [](const std::optional<Duration>& d) { return d ? HumanDuration(*d) : std::string("-"); };
  if (args.format == "json") {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (size_t i = 0; i < month->size(); ++i) {
      auto window = [&](const suppliers::Reliability& r) {
        return nlohmann::ordered_json{
            {"days", r.days},           {"due", r.due},
            {"on_time", r.on_time},     {"late", r.late},
            {"missing", r.missing},     {"on_time_rate", OptJson(r.on_time_rate)},
            {"deliveries", r.deliveries}, {"passed", r.passed},
            {"quality_pass_rate", OptJson(r.pass_rate)},
            {"mean_lateness_s", r.mean_lateness ? nlohmann::ordered_json(
                                                      std::chrono::duration_cast<std::chrono::seconds>(*r.mean_lateness).count())
                                                : nlohmann::ordered_json(nullptr)}};
      };
      out.push_back({{"supplier", (*month)[i].supplier},
                     {"feeds", (*month)[i].feeds},
                     {"30d", window((*month)[i])},
                     {"90d", window((*quarter)[i])}});
    }
    fmt::print("{}\n", JsonText(out, 2));
    return kExitOk;
  }
  fmt::print("Supplier reliability as of {}\n\n", FormatTime(session->clock->Now()));
  fmt::print("{:<20} {:>7} {:>7} {:>8} {:>8} {:>7} {:>7} {:>11} {:>11}\n", "SUPPLIER", "DUE 30D", "ON TIME",
             "QUALITY", "MISSED", "ON 90D", "QUAL", "LATE BY 30D", "LATE BY 90D");
  for (size_t i = 0; i < month->size(); ++i) {
    const auto& m = (*month)[i];
    const auto& q = (*quarter)[i];
    fmt::print("{:<20} {:>7} {:>7} {:>8} {:>8} {:>7} {:>7} {:>11} {:>11}\n", Cut(m.supplier, 20), m.due,
               Pct(m.on_time_rate), Pct(m.pass_rate), m.missing, Pct(q.on_time_rate), Pct(q.pass_rate),
               lateness(m.mean_lateness), lateness(q.mean_lateness));
  }
  fmt::print("\nON TIME: share of scheduled deliveries that arrived within their grace (missed ones count\n"
             "against it). QUALITY: share of deliveries that passed every rule. LATE BY: mean delay of the\n"
             "late deliveries after their scheduled time.\n");
  return kExitOk;
}

}  // namespace

void AddSuppliersCommand(CLI::App& app, Outcome& out) {
  CLI::App* cmd = app.add_subcommand("suppliers", "Supplier feeds: late, missing or bad deliveries");
  cmd->require_subcommand(1);

  auto check = std::make_shared<SuppliersArgs>();
  CLI::App* c = cmd->add_subcommand("check", "Read new deliveries, check their rules, list each feed "
                                             "(exit 1 if anything is wrong)");
  AddCommonOptions(*c, check->common);
  c->add_option("-f,--format", check->format, "term or json")->check(CLI::IsMember({"term", "json"}));
  c->callback([check, &out] { out.exit_code = RunCheck(*check); });

  auto report = std::make_shared<SuppliersArgs>();
  CLI::App* r = cmd->add_subcommand("report", "Reliability per supplier over 30 and 90 days: on-time rate, "
                                              "quality pass rate, mean lateness");
  AddCommonOptions(*r, report->common);
  r->add_option("-f,--format", report->format, "term or json")->check(CLI::IsMember({"term", "json"}));
  r->callback([report, &out] { out.exit_code = RunReport(*report); });
}

}  // namespace ctodesk::cli
