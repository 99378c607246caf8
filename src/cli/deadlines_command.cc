// `ctodesk deadlines forecast|commitments|backtest`: flag parsing, one library
// call, printing. The forecasting itself is in desks/deadlines.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "core/json_text.h"
#include "desks/deadlines/deadlines.h"

namespace ctodesk::cli {

namespace {

using deadlines::Day;
using deadlines::FormatDay;

struct DeadlinesArgs {
  CommonOptions common;
  std::string format = "term";
  int items = 0;
  std::string start;
  std::string by;
  std::int64_t trials = 0;  // 0: the config's
  std::int64_t seed = -1;   // -1: the config's
};

Result<deadlines::DeadlinesDesk*> FindDeadlines(Session& s) {
  for (auto& d : s.setup.desks) {
    if (d.name == "deadlines") return static_cast<deadlines::DeadlinesDesk*>(d.desk.get());
  }
  return Fail(Error::Invalid(fmt::format(
      "{}: no [deadlines] section; add one with history = \"<export.csv>\" (see docs)",
      s.setup.config_path.string())));
}

Result<Day> DayOption(const std::string& flag, const std::string& text) {
  auto t = ParseTime(text);
  if (!t) {
    return Fail(Error::Invalid(fmt::format("{}: expected a date such as 2026-11-27, got \"{}\"", flag, text)));
  }
  return deadlines::ToDay(*t);
}

deadlines::SimulationOptions Options(const DeadlinesArgs& a, const deadlines::Settings& s) {
  deadlines::SimulationOptions o;
  o.trials = a.trials > 0 ? a.trials : s.trials;
  o.seed = a.seed >= 0 ? static_cast<std::uint64_t>(a.seed) : s.seed;
  return o;
}

std::string WorkingWeek(const deadlines::Settings& s) {
  static constexpr const char* kNames[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  std::string out;
  Day d = Day(std::chrono::days(4));  // 1970-01-05 was a Monday
  for (int i = 0; i < 7; ++i, d += std::chrono::days(1)) {
    if (!s.calendar.IsWorking(d)) continue;
    out += (out.empty() ? "" : " ") + std::string(kNames[std::chrono::weekday(d).c_encoding()]);
  }
  return out;
}

int RunForecast(const DeadlinesArgs& args) {
  if (args.items <= 0 && args.by.empty()) {
    return PrintError(Error::Invalid("forecast: give --items N (when will N items be done?) or "
                                     "--by DATE (how many items by then?)"));
  }
  auto session = OpenSession(args.common);
  if (!session) return PrintError(session.error());
  auto desk = FindDeadlines(*session);
  if (!desk) return PrintError(desk.error());
  const deadlines::Settings& settings = (*desk)->settings();
  const Day today = deadlines::ToDay(session->clock->Now());
  Day start = today;
  if (!args.start.empty()) {
    auto d = DayOption("--start", args.start);
    if (!d) return PrintError(d.error());
    start = *d;
  }
  std::optional<Day> by;
  if (!args.by.empty()) {
    auto d = DayOption("--by", args.by);
    if (!d) return PrintError(d.error());
    if (*d < start) {
      return PrintError(Error::Invalid(fmt::format("--by {} is before the start, {}", FormatDay(*d), FormatDay(start))));
    }
    by = *d;
  }
  auto history = (*desk)->Load();
  if (!history) return PrintError(history.error());
  const auto options = Options(args, settings);

  nlohmann::ordered_json json = {{"start", FormatDay(start)}, {"trials", options.trials}, {"seed", options.seed}};
  std::optional<deadlines::DateForecast> date_forecast;
  std::optional<deadlines::ItemsForecast> items_forecast;
  if (args.items > 0) {
    auto f = deadlines::ForecastDate(*history, settings, today, start, args.items, options);
    if (!f) return PrintError(f.error());
    date_forecast = std::move(*f);
  }
  if (by) {
    auto f = deadlines::ForecastItems(*history, settings, today, start, *by, options);
    if (!f) return PrintError(f.error());
    items_forecast = std::move(*f);
  }
  const deadlines::Sample& sample = date_forecast ? date_forecast->sample : items_forecast->sample;
  int sampled_items = 0;
  for (int v : sample.daily) sampled_items += v;
  json["throughput"] = {{"from", FormatDay(sample.from)},
                        {"to", FormatDay(sample.to - std::chrono::days(1))},
                        {"working_days", sample.daily.size()},
                        {"items", sampled_items},
                        {"per_working_day", sample.PerDay()}};
  if (args.format == "term") {
    fmt::print("Throughput: {:.2f} items per working day ({} items over the {} working days from {} to {}; "
               "working days: {})\n",
               sample.PerDay(), sampled_items, sample.daily.size(), FormatDay(sample.from),
               FormatDay(sample.to - std::chrono::days(1)), WorkingWeek(settings));
    fmt::print("Monte Carlo: {} trials, seed {}\n", options.trials, options.seed);
  }
  if (date_forecast) {
    nlohmann::ordered_json dates = nlohmann::ordered_json::object();
    if (args.format == "term") {
      fmt::print("\n{} items starting {} will be done:\n", args.items, FormatDay(start));
    }
    for (size_t i = 0; i < std::size(deadlines::kLevels); ++i) {
      const auto& d = date_forecast->dates[i];
      const int pct = static_cast<int>(deadlines::kLevels[i] * 100 + 0.5);
      dates[std::to_string(pct)] = d ? nlohmann::ordered_json(FormatDay(*d)) : nullptr;
      if (args.format == "term") {
        fmt::print("  {:>3}% likely by  {}{}\n", pct, d ? FormatDay(*d) : "not within 10 years",
                   d ? fmt::format("  ({} working days)", settings.calendar.WorkingDaysBetween(start, *d)) : "");
      }
    }
    json["items"] = args.items;
    json["dates"] = dates;
    if (date_forecast->days.never > 0) json["never"] = date_forecast->days.never;
  }
  if (items_forecast) {
    json["by"] = {{"date", FormatDay(items_forecast->by)},
                  {"working_days", items_forecast->working_days},
                  {"at_least", {{"50", items_forecast->at_least_50},
                                {"85", items_forecast->at_least_85},
                                {"95", items_forecast->at_least_95}}}};
    if (args.format == "term") {
      fmt::print("\nBy {} ({} working days from {}), items done:\n", FormatDay(items_forecast->by),
                 items_forecast->working_days, FormatDay(start));
      fmt::print("  50% likely: at least {}\n  85% likely: at least {}\n  95% likely: at least {}\n",
                 items_forecast->at_least_50, items_forecast->at_least_85, items_forecast->at_least_95);
    }
  }
  if (args.format == "json") fmt::print("{}\n", JsonText(json, 2));
  return kExitOk;
}

int RunCommitments(const DeadlinesArgs& args) {
  auto session = OpenSession(args.common);
  if (!session) return PrintError(session.error());
  auto desk = FindDeadlines(*session);
  if (!desk) return PrintError(desk.error());
  const deadlines::Settings& settings = (*desk)->settings();
  auto history = (*desk)->Load();
  if (!history) return PrintError(history.error());
  const Day today = deadlines::ToDay(session->clock->Now());
  auto forecasts = deadlines::AssessCommitments(*history, settings, today, Options(args, settings));
  if (!forecasts) return PrintError(forecasts.error());
  nlohmann::ordered_json json = nlohmann::ordered_json::array();
  bool any_at_risk = false;
  if (args.format == "term") {
    fmt::print("{:<28} {:>5} {:<10} {:>6} {:<10} {:<10}  {}\n", "COMMITMENT", "ITEMS", "DUE", "LIKELY",
               "50% DATE", "85% DATE", "PROMISED TO");
  }
  for (const auto& f : *forecasts) {
    const auto& c = *f.commitment;
    any_at_risk = any_at_risk || f.probability < 0.70;
    auto day = [](const std::optional<Day>& d) { return d ? FormatDay(*d) : std::string("never"); };
    if (args.format == "json") {
      json.push_back({{"name", c.name},
                      {"items", c.items},
                      {"due", FormatDay(c.due)},
                      {"probability", f.probability},
                      {"date_50", f.date_50 ? nlohmann::ordered_json(FormatDay(*f.date_50)) : nullptr},
                      {"date_85", f.date_85 ? nlohmann::ordered_json(FormatDay(*f.date_85)) : nullptr},
                      {"promised_to", c.promised_to},
                      {"promised_by", c.promised_by}});
    } else {
      fmt::print("{:<28} {:>5} {:<10} {:>5.0f}% {:<10} {:<10}  {}\n", c.name.substr(0, 28), c.items,
                 FormatDay(c.due), f.probability * 100, day(f.date_50), day(f.date_85), c.promised_to);
    }
  }
  if (args.format == "json") fmt::print("{}\n", JsonText(json, 2));
  else if (forecasts->empty()) fmt::print("(no [[deadlines.commitments]] in the config)\n");
  return any_at_risk ? kExitFindings : kExitOk;
}

int RunBacktest(const DeadlinesArgs& args) {
  auto session = OpenSession(args.common);
  if (!session) return PrintError(session.error());
  auto desk = FindDeadlines(*session);
  if (!desk) return PrintError(desk.error());
  const deadlines::Settings& settings = (*desk)->settings();
  auto history = (*desk)->Load();
  if (!history) return PrintError(history.error());
  auto options = Options(args, settings);
  if (args.trials <= 0) options.trials = std::min<std::int64_t>(options.trials, 20000);
  const int items = args.items > 0 ? args.items : deadlines::DefaultBacktestItems(settings);
  auto bt = deadlines::RunBacktest(*history, settings, items, options);
  if (!bt) return PrintError(bt.error());
  auto day = [](const std::optional<Day>& d) { return d ? FormatDay(*d) : std::string("never"); };
  if (args.format == "json") {
    nlohmann::ordered_json j = {{"items", items},
                                {"forecasts", bt->points.size()},
                                {"skipped", bt->skipped},
                                {"met_50", bt->Rate50()},
                                {"met_85", bt->Rate85()},
                                {"points", nlohmann::ordered_json::array()}};
    for (const auto& p : bt->points) {
      j["points"].push_back({{"as_of", FormatDay(p.as_of)},
                             {"date_50", day(p.date_50)},
                             {"date_85", day(p.date_85)},
                             {"actual", FormatDay(p.actual)},
                             {"met_50", p.met_50},
                             {"met_85", p.met_85}});
    }
    fmt::print("{}\n", JsonText(j, 2));
    return kExitOk;
  }
  fmt::print("Backtest: at each month-end, when would the next {} items be done? Forecast against what "
             "happened.\n\n",
             items);
  fmt::print("{:<10}  {:<10}  {:<10}  {:<10}  {}\n", "AS OF", "50% DATE", "85% DATE", "ACTUAL", "85% MET");
  for (const auto& p : bt->points) {
    fmt::print("{:<10}  {:<10}  {:<10}  {:<10}  {}\n", FormatDay(p.as_of), day(p.date_50), day(p.date_85),
               FormatDay(p.actual), p.met_85 ? "yes" : "NO");
  }
  if (bt->points.empty()) {
    fmt::print("(no month-end has {} weeks of history before it and {} finished items after it)\n",
               settings.weeks, items);
    return kExitOk;
  }
  const auto n = bt->points.size();
  const auto met85 = static_cast<int>(std::lround(bt->Rate85() * static_cast<double>(n)));
  const auto met50 = static_cast<int>(std::lround(bt->Rate50() * static_cast<double>(n)));
  fmt::print("\nThe 85% date was met in {} of {} forecasts ({:.0f}%); the 50% date in {} of {} ({:.0f}%).\n",
             met85, n, bt->Rate85() * 100, met50, n, bt->Rate50() * 100);
  const double rate = bt->Rate85();
  fmt::print("{}\n", rate >= 0.75 && rate <= 0.95
                         ? "Calibrated: promises made at 85% were kept about 85% of the time."
                         : rate < 0.75 ? "Over-optimistic: throughput has been falling or is uneven; "
                                         "pad promises or use fewer weeks of history."
                                       : "Conservative: dates at 85% were met more often than 85%.");
  return kExitOk;
}

void AddShared(CLI::App& c, DeadlinesArgs& a) {
  AddCommonOptions(c, a.common);
  c.add_option("--trials", a.trials, "Monte Carlo trials (default: the config's, 100000)")->check(CLI::Range(100, 10'000'000));
  c.add_option("--seed", a.seed, "Random seed, for reproducible runs (default: the config's)")->check(CLI::NonNegativeNumber);
  c.add_option("-f,--format", a.format, "term or json")->check(CLI::IsMember({"term", "json"}));
}

}  // namespace

void AddDeadlinesCommand(CLI::App& app, Outcome& out) {
  CLI::App* cmd = app.add_subcommand("deadlines", "Forecasts: what date can we honestly promise?");
  cmd->require_subcommand(1);

  auto forecast = std::make_shared<DeadlinesArgs>();
  CLI::App* f = cmd->add_subcommand("forecast", "When will N items be done (50/70/85/95%), or how many by a date");
  AddShared(*f, *forecast);
  f->add_option("--items", forecast->items, "Items still to do")->check(CLI::Range(1, 1'000'000));
  f->add_option("--start", forecast->start, "First day of work (default: today)");
  f->add_option("--by", forecast->by, "How many items by this date (50/85/95%)");
  f->callback([forecast, &out] { out.exit_code = RunForecast(*forecast); });

  auto commitments = std::make_shared<DeadlinesArgs>();
  CLI::App* c = cmd->add_subcommand("commitments", "Every promise in the config and how likely it is "
                                                   "(exit 1 if one is under 70%)");
  AddShared(*c, *commitments);
  c->callback([commitments, &out] { out.exit_code = RunCommitments(*commitments); });

  auto backtest = std::make_shared<DeadlinesArgs>();
  CLI::App* b = cmd->add_subcommand("backtest", "Replay history: how often was the 85% date met?");
  AddShared(*b, *backtest);
  b->add_option("--items", backtest->items, "Items per replayed forecast (default: the median commitment)")
      ->check(CLI::Range(1, 100000));
  b->callback([backtest, &out] { out.exit_code = RunBacktest(*backtest); });
}

}  // namespace ctodesk::cli
