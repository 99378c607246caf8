#include <fmt/format.h>

#include "alerts/alerts.h"
#include "brief/week.h"
#include "cli/cli.h"
#include "cli/render.h"
#include "core/config.h"

namespace ctodesk::cli {

namespace {

struct BriefArgs {
  CommonOptions common;
  std::string format = "term";
  std::string out;
  std::string fail_on;
  std::vector<std::string> only;
  std::string audience = "team";
  bool notify = false;
  bool week = false;
};

// Checks --only against the configured desks before anything runs.
Result<void> CheckOnly(const Setup& setup, const std::vector<std::string>& only) {
  std::vector<std::string> configured;
  for (const auto& d : setup.desks) configured.push_back(d.name);
  for (const std::string& name : only) {
    if (std::find(configured.begin(), configured.end(), name) != configured.end()) continue;
    std::string message = FindDesk(name)
                              ? fmt::format("--only: desk \"{}\" has no section in {}", name,
                                            setup.config_path.string())
                              : fmt::format("--only: no desk named \"{}\"", name);
    std::vector<std::string> all;
    for (const DeskInfo& d : AllDesks()) all.emplace_back(d.name);
    if (auto guess = DidYouMean(name, all); guess && *guess != name) {
      message += fmt::format("; did you mean \"{}\"?", *guess);
    }
    return Fail(Error::Invalid(message));
  }
  return {};
}

int RunBrief(const BriefArgs& args) {
  auto format = ParseReportFormat(args.format);
  if (args.audience == "ceo" && *format == ReportFormat::kJson) {
    return PrintError(Error::Invalid("--audience ceo: the CEO's summary is md, term (as md) or html"));
  }
  if (args.week && args.audience != "ceo") {
    return PrintError(Error::Invalid("--week: the weekly review is the CEO's summary; add --audience ceo"));
  }
  std::optional<Severity> fail_on;
  if (!args.fail_on.empty()) fail_on = ParseSeverity(args.fail_on);
  auto session = OpenSession(args.common);
  if (!session) return PrintError(session.error());
  if (auto r = CheckOnly(session->setup, args.only); !r) return PrintError(r.error());

  auto briefing = RunBriefing(session->setup, *session->store, *session->clock, {args.only});
  if (!briefing) return PrintError(briefing.error());

  std::string text;
  if (args.audience == "ceo" && args.week) {
    auto week = ReviewWeek(*briefing, *session->store);
    if (!week) return PrintError(week.error());
    text = *format == ReportFormat::kHtml ? RenderCeoWeekHtml(*briefing, *week)
                                          : RenderCeoWeekMarkdown(*briefing, *week);
  } else if (args.audience == "ceo") {
    text = *format == ReportFormat::kHtml ? RenderCeoHtml(*briefing) : RenderCeoMarkdown(*briefing);
  } else {
    text = Render(*briefing, *format, args.out.empty() && StdoutWantsColor());
  }
  if (args.out.empty()) {
    fmt::print("{}", text);
  } else if (auto w = WriteFileAtomically(args.out, text); !w) {
    return PrintError(w.error());
  }

  if (args.notify) {
    for (const DeliveryReport& r : Notify(*briefing, session->setup.alerts, *session->store)) {
      if (!r.delivered && !r.skipped) {
        fmt::print(stderr, "ctodesk: alert \"{}\" not delivered after {} attempt(s): {}; "
                           "it will be sent on the next run\n",
                   r.target, r.attempts, r.error);
      }
    }
  }

  if (fail_on) {
    for (const Finding& f : briefing->findings) {
      if (f.severity <= *fail_on) return kExitFindings;
    }
  }
  return kExitOk;
}

}  // namespace

void AddBriefCommand(CLI::App& app, Outcome& out) {
  auto args = std::make_shared<BriefArgs>();
  CLI::App* cmd = app.add_subcommand("brief", "Run every configured desk and print the briefing");
  AddCommonOptions(*cmd, args->common);
  cmd->add_option("-f,--format", args->format, "term, md, json or html")
      ->check(CLI::IsMember({"term", "md", "json", "html"}))
      ->capture_default_str();
  cmd->add_option("-o,--out", args->out, "Write to this file instead of stdout");
  cmd->add_option("--fail-on", args->fail_on,
                  "Exit 1 when a finding is at or above this severity (for cron and CI)")
      ->check(CLI::IsMember({"act-now", "today", "this-week", "fyi"}));
  cmd->add_option("--only", args->only, "Run only these desks (comma-separated)")->delimiter(',');
  cmd->add_option("--audience", args->audience,
                  "team: the full briefing; ceo: one page in plain words, asks first")
      ->check(CLI::IsMember({"team", "ceo"}))
      ->capture_default_str();
  cmd->add_flag("--week", args->week,
                "With --audience ceo: the week in review (promises kept and missed, new, fixed, still open)");
  cmd->add_flag("--notify", args->notify, "Post what is new to the [[alerts]] webhooks");
  cmd->callback([args, &out] { out.exit_code = RunBrief(*args); });
}

}  // namespace ctodesk::cli
