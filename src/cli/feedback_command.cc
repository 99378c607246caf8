#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "core/json_text.h"
#include "desks/feedback/feedback.h"

namespace ctodesk::cli {

namespace {

struct FeedbackArgs {
  CommonOptions common;
  std::string format = "term";
  std::string week;
};

Result<feedback::FeedbackDesk*> FindFeedback(Session& s) {
  for (auto& d : s.setup.desks) {
    if (d.name == "feedback") return static_cast<feedback::FeedbackDesk*>(d.desk.get());
  }
  return Fail(Error::Invalid(fmt::format(
      "{}: no [feedback] section; add one with source = \"<ticket export>\" (see `ctodesk init`)",
      s.setup.config_path.string())));
}

std::string Pct(double r) { return fmt::format("{:.0f}%", r * 100); }

std::string Trend(const feedback::Theme& t) {
  if (t.previous_week() == 0) return t.count() == 0 ? "flat" : "new";
  return fmt::format("{:.1f}x", static_cast<double>(t.count()) / static_cast<double>(t.previous_week()));
}

int RunDigest(const FeedbackArgs& args) {
  std::optional<TimePoint> week_of;
  if (!args.week.empty()) {
    week_of = ParseTime(args.week);
    if (!week_of) {
      return PrintError(Error::Invalid(
          fmt::format("--week: expected a date such as 2026-11-23, got \"{}\"", args.week)));
    }
  }
  auto session = OpenSession(args.common);
  if (!session) return PrintError(session.error());
  auto desk = FindFeedback(*session);
  if (!desk) return PrintError(desk.error());
  auto digest = (*desk)->MakeDigest(feedback::WeekStart(session->clock->Now(), week_of));
  if (!digest) return PrintError(digest.error());
  const feedback::Digest& d = *digest;
  const auto findings = feedback::DigestFindings(d);

  if (args.format == "json") {
    nlohmann::ordered_json themes = nlohmann::ordered_json::array();
    for (const auto& t : d.themes) {
      nlohmann::ordered_json quotes = nlohmann::ordered_json::array();
      for (const auto& q : t.quotes) quotes.push_back({{"ticket", q.ticket_id}, {"text", q.text}});
      themes.push_back({{"label", t.label},
                        {"tickets", t.count()},
                        {"weekly", t.weekly},
                        {"previous_week", t.previous_week()},
                        {"previous_4_week_mean", t.previous_mean()},
                        {"rising", t.Rising()},
                        {"paying_share", t.paying_share},
                        {"top_revenue_share", t.top_revenue_share},
                        {"phrases", t.phrases},
                        {"quotes", quotes}});
    }
    nlohmann::ordered_json fs = nlohmann::ordered_json::array();
    for (const Finding& f : findings) {
      fs.push_back({{"severity", SeverityName(f.severity)}, {"subject", f.subject}, {"kind", f.kind},
                    {"title", f.title}});
    }
    nlohmann::ordered_json out = {{"week_start", FormatTime(d.week_start)},
                                  {"week_end", FormatTime(d.week_end)},
                                  {"tickets", d.weekly[4]},
                                  {"weekly", d.weekly},
                                  {"paying_share", d.paying_share},
                                  {"top_revenue_share", d.top_revenue_share},
                                  {"rows_read", d.tickets_read},
                                  {"rows_skipped", d.skipped},
                                  {"themes", themes},
                                  {"findings", fs}};
    fmt::print("{}\n", JsonText(out, 2));
    return kExitOk;
  }

  fmt::print("Support digest, {} to {}\n", FormatTime(d.week_start), FormatTime(d.week_end));
  fmt::print("{} tickets this week ({} paying, {} from top-revenue customers); weekly: {}, {}, {}, {} -> {}\n",
             d.weekly[4], Pct(d.paying_share), Pct(d.top_revenue_share), d.weekly[0], d.weekly[1], d.weekly[2],
             d.weekly[3], d.weekly[4]);
  if (d.skipped > 0) fmt::print("({} rows skipped: no readable creation time)\n", d.skipped);
  fmt::print("\n{:<34} {:>7} {:>9} {:>8} {:>7} {:>7}\n", "THEME", "TICKETS", "LAST WK", "TREND", "PAYING",
             "TOP REV");
  for (const auto& t : d.themes) {
    std::string label = t.label.size() > 34 ? t.label.substr(0, 33) + "~" : t.label;
    fmt::print("{:<34} {:>7} {:>9} {:>8} {:>7} {:>7}{}\n", label, t.count(), t.previous_week(), Trend(t),
               Pct(t.paying_share), Pct(t.top_revenue_share), t.Rising() ? "  RISING" : "");
  }
  if (d.themes.empty()) fmt::print("(no theme with enough tickets this week)\n");
  for (const auto& t : d.themes) {
    fmt::print("\n{}: {} tickets\n", t.label, t.count());
    for (const auto& q : t.quotes) fmt::print("  \"{}\" (ticket {})\n", q.text, q.ticket_id);
  }
  bool any = false;
  for (const Finding& f : findings) {
    if (f.severity == Severity::kFyi) continue;
    if (!any) fmt::print("\nFindings:\n");
    any = true;
    fmt::print("  {:<9}  {}\n", SeverityName(f.severity), f.title);
  }
  return kExitOk;
}

}  // namespace

void AddFeedbackCommand(CLI::App& app, Outcome& out) {
  CLI::App* cmd = app.add_subcommand("feedback", "Support tickets: what customers say, and what is rising");
  cmd->require_subcommand(1);
  auto args = std::make_shared<FeedbackArgs>();
  CLI::App* d = cmd->add_subcommand("digest", "Themes of the week with volume, trend, customer mix and quotes");
  AddCommonOptions(*d, args->common);
  d->add_option("--week", args->week, "A date in the week to digest (Monday to Sunday, UTC); "
                                      "default: the last 7 days");
  d->add_option("-f,--format", args->format, "term or json")->check(CLI::IsMember({"term", "json"}));
  d->callback([args, &out] { out.exit_code = RunDigest(*args); });
}

}  // namespace ctodesk::cli
