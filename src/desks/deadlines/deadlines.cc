#include "desks/deadlines/deadlines.h"

#include "desks/deadlines/chart.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include <fmt/format.h>

namespace ctodesk::deadlines {

namespace {

constexpr const char* kDesk = "deadlines";
constexpr double kWarn = 0.70;      // under this: a finding
constexpr double kHopeless = 0.30;  // under this: act now
constexpr int kSoonDays = 14;       // due this close: act now

std::optional<std::chrono::weekday> ParseWeekday(std::string_view name) {
  static constexpr const char* kNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.size() < 3) return std::nullopt;
  for (unsigned i = 0; i < 7; ++i) {
    std::string full = kNames[i];
    if (lower.rfind(full, 0) != 0) continue;
    static constexpr const char* kFull[] = {"sunday", "monday", "tuesday", "wednesday",
                                            "thursday", "friday", "saturday"};
    if (lower == full || lower == kFull[i]) return std::chrono::weekday(i);
  }
  return std::nullopt;
}

std::string Pct(double p) { return fmt::format("{:.0f}%", p * 100.0); }

std::string OrBeyond(const std::optional<Day>& d) { return d ? FormatDay(*d) : "beyond 10 years"; }

}  // namespace

std::string FormatDay(Day d) {
  std::chrono::year_month_day ymd{d};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

Day ToDay(TimePoint t) { return std::chrono::floor<std::chrono::days>(t); }

Settings ReadSettings(ConfigTable& section) {
  Settings s;
  if (auto p = section.Path("history", true)) s.history = *p;
  static const std::vector<std::string> kAttributes = {"id", "type", "created", "started", "done"};
  for (const auto& [key, value] : section.StringMap("columns")) {
    std::string* slot = key == "id"        ? &s.columns.id
                        : key == "type"    ? &s.columns.type
                        : key == "created" ? &s.columns.created
                        : key == "started" ? &s.columns.started
                        : key == "done"    ? &s.columns.done
                                           : nullptr;
    if (!slot) {
      std::string message = fmt::format(
          "unknown column \"{}\"; expected id, type, created, started or done", key);
      if (auto g = DidYouMean(key, kAttributes)) message += fmt::format("; did you mean \"{}\"?", *g);
      section.Error("columns", message);
      continue;
    }
    if (value.empty()) {
      section.Error("columns", fmt::format("column \"{}\" is mapped to an empty name", key));
      continue;
    }
    *slot = value;
    s.columns.explicit_.insert(key);
  }
  s.types = section.StringList("types");
  if (auto w = section.Int("weeks", 1, 520)) s.weeks = static_cast<int>(*w);
  if (auto t = section.Int("trials", 100, 10'000'000)) s.trials = *t;
  if (auto seed = section.Int("seed", 0, INT64_MAX)) s.seed = static_cast<std::uint64_t>(*seed);
  if (auto b = section.Int("backtest_items", 1, 100000)) s.backtest_items = static_cast<int>(*b);

  std::vector<std::chrono::weekday> off = {std::chrono::Saturday, std::chrono::Sunday};
  if (section.Has("days_off")) {
    off.clear();
    for (const std::string& name : section.StringList("days_off")) {
      auto w = ParseWeekday(name);
      if (!w) {
        section.Error("days_off", fmt::format("expected weekday names such as \"Sat\" or \"Sunday\", got \"{}\"", name));
        continue;
      }
      off.push_back(*w);
    }
    if (off.size() >= 7) section.Error("days_off", "every day of the week is off; nothing would ever be done");
  }
  std::vector<Day> holidays;
  for (const std::string& h : section.StringList("holidays")) {
    auto t = ParseTime(h);
    if (!t) {
      section.Error("holidays", fmt::format("expected dates such as \"2026-12-25\", got \"{}\"", h));
      continue;
    }
    holidays.push_back(ToDay(*t));
  }
  s.calendar = WorkCalendar(std::move(off), std::move(holidays));

  std::set<std::string> names;
  for (ConfigTable& t : section.TableArray("commitments")) {
    Commitment c;
    auto name = t.String("name", true);
    auto items = t.Int("items", 1, 1'000'000, true);
    auto due = t.Time("due", true);
    if (auto to = t.String("promised_to")) c.promised_to = *to;
    if (auto by = t.String("promised_by")) c.promised_by = *by;
    if (!name || !items || !due) continue;
    if (!names.insert(*name).second) {
      t.Error("name", fmt::format("another commitment is already named \"{}\"", *name));
      continue;
    }
    c.name = *name;
    c.items = static_cast<int>(*items);
    c.due = ToDay(*due);
    s.commitments.push_back(std::move(c));
  }
  return s;
}

std::unique_ptr<Desk> Configure(ConfigTable& section) {
  return std::make_unique<DeadlinesDesk>(ReadSettings(section));
}

double Sample::PerDay() const {
  if (daily.empty()) return 0;
  return static_cast<double>(std::accumulate(daily.begin(), daily.end(), 0)) /
         static_cast<double>(daily.size());
}

Sample TakeSample(const History& h, const Settings& s, Day start) {
  Sample out;
  out.to = start;
  out.from = start - std::chrono::days(7 * s.weeks);
  out.daily = DailyThroughput(h, s.calendar, out.from, out.to);
  return out;
}

namespace {

// Why a sample cannot forecast, in words that point at the export.
Result<void> CheckSample(const History& h, const Settings& s, const Sample& sample) {
  if (std::any_of(sample.daily.begin(), sample.daily.end(), [](int v) { return v > 0; })) return {};
  std::optional<Day> latest;
  for (const WorkItem& i : h.items) {
    if (i.done && (!latest || *i.done > *latest)) latest = i.done;
  }
  return Fail(Error::Invalid(fmt::format(
      "{}: no item was finished in the {} weeks before {} ({} to {}); {}", h.source, s.weeks,
      FormatDay(sample.to), FormatDay(sample.from), FormatDay(sample.to - std::chrono::days(1)),
      latest ? fmt::format("the latest done date in the export is {}; is the export stale?",
                           FormatDay(*latest))
             : "the export has no done dates at all")));
}

}  // namespace

Result<DateForecast> ForecastDate(const History& h, const Settings& s, Day known, Day start, int items,
                                  const SimulationOptions& o) {
  DateForecast f;
  f.start = start;
  f.items = items;
  f.sample = TakeSample(h, s, std::min(known, start));
  if (auto ok = CheckSample(h, s, f.sample); !ok) return Fail(ok.error());
  const int n[] = {items};
  auto days = SimulateDays(f.sample.daily, n, o);
  if (!days) return Fail(days.error());
  f.days = std::move((*days)[0]);
  for (double level : kLevels) {
    auto k = f.days.Quantile(level);
    f.dates.push_back(k ? std::optional<Day>(s.calendar.NthWorkingDay(start, *k)) : std::nullopt);
  }
  return f;
}

Result<ItemsForecast> ForecastItems(const History& h, const Settings& s, Day known, Day start, Day by,
                                    const SimulationOptions& o) {
  ItemsForecast f;
  f.start = start;
  f.by = by;
  f.sample = TakeSample(h, s, std::min(known, start));
  if (auto ok = CheckSample(h, s, f.sample); !ok) return Fail(ok.error());
  f.working_days = s.calendar.WorkingDaysBetween(start, by);
  auto dist = SimulateItems(f.sample.daily, f.working_days, o);
  if (!dist) return Fail(dist.error());
  f.at_least_50 = dist->AtLeast(0.50);
  f.at_least_85 = dist->AtLeast(0.85);
  f.at_least_95 = dist->AtLeast(0.95);
  return f;
}

Figure ForecastFigure(const std::vector<CommitmentForecast>& forecasts, const Settings& s, Day today) {
  std::vector<ChartRow> rows;
  for (const CommitmentForecast& f : forecasts) {
    if (rows.size() == 12) break;  // the most a page can show legibly
    ChartRow r;
    r.name = f.commitment->name;
    r.promised = FormatDay(f.commitment->due);
    r.due_day = f.available_days;
    r.probability = f.probability;
    r.days = f.days;
    for (double p : {0.50, 0.85, 0.95}) {
      auto k = f.days.Quantile(p);
      r.percentile_dates.push_back(k ? FormatDay(s.calendar.NthWorkingDay(today, *k)) : "");
    }
    rows.push_back(std::move(r));
  }
  return Figure{"deadlines", "Delivery forecasts", ForecastSvg(rows, FormatDay(today))};
}

Result<std::vector<CommitmentForecast>> AssessCommitments(const History& h, const Settings& s,
                                                          Day today, const SimulationOptions& o) {
  std::vector<CommitmentForecast> out;
  if (s.commitments.empty()) return out;
  Sample sample = TakeSample(h, s, today);
  if (auto ok = CheckSample(h, s, sample); !ok) return Fail(ok.error());
  std::vector<int> items;
  for (const Commitment& c : s.commitments) items.push_back(c.items);
  auto days = SimulateDays(sample.daily, items, o);
  if (!days) return Fail(days.error());
  for (size_t i = 0; i < s.commitments.size(); ++i) {
    const Commitment& c = s.commitments[i];
    const DaysDistribution& d = (*days)[i];
    CommitmentForecast f;
    f.commitment = &c;
    const int available = s.calendar.WorkingDaysBetween(today, c.due);
    f.probability = c.due < today ? 0.0 : d.ProbabilityWithin(available);
    f.available_days = c.due < today ? 0 : available;
    f.days = d;
    if (auto k = d.Quantile(0.85)) f.date_85 = s.calendar.NthWorkingDay(today, *k);
    if (auto k = d.Quantile(0.50)) f.date_50 = s.calendar.NthWorkingDay(today, *k);
    out.push_back(f);
  }
  // The scope that fits by each due date at 85%, only where it matters.
  for (CommitmentForecast& f : out) {
    if (f.probability >= kWarn) continue;
    const int available = s.calendar.WorkingDaysBetween(today, f.commitment->due);
    if (available <= 0) continue;
    SimulationOptions fewer = o;
    fewer.trials = std::min<std::int64_t>(o.trials, 20000);
    auto dist = SimulateItems(sample.daily, available, fewer);
    if (!dist) return Fail(dist.error());
    f.items_by_due_85 = dist->AtLeast(0.85);
  }
  return out;
}

double Backtest::Rate85() const {
  if (points.empty()) return 0;
  return static_cast<double>(std::count_if(points.begin(), points.end(),
                                            [](const BacktestPoint& p) { return p.met_85; })) /
         static_cast<double>(points.size());
}

double Backtest::Rate50() const {
  if (points.empty()) return 0;
  return static_cast<double>(std::count_if(points.begin(), points.end(),
                                            [](const BacktestPoint& p) { return p.met_50; })) /
         static_cast<double>(points.size());
}

int DefaultBacktestItems(const Settings& s) {
  if (s.backtest_items > 0) return s.backtest_items;
  if (s.commitments.empty()) return 20;
  std::vector<int> items;
  for (const auto& c : s.commitments) items.push_back(c.items);
  std::sort(items.begin(), items.end());
  return items[items.size() / 2];
}

Result<Backtest> RunBacktest(const History& h, const Settings& s, int items,
                             const SimulationOptions& o) {
  Backtest bt;
  bt.items = items;
  std::vector<Day> done;
  for (const WorkItem& i : h.items) {
    if (i.done) done.push_back(*i.done);
  }
  std::sort(done.begin(), done.end());
  if (done.empty()) return Fail(Error::Invalid(fmt::format("{}: no finished items to replay", h.source)));
  using std::chrono::year_month_day;
  const Day first = done.front() + std::chrono::days(7 * s.weeks);
  year_month_day ym{done.front()};
  // Month-ends from the first month of history to the last.
  for (auto month = ym.year() / ym.month(); ; month += std::chrono::months(1)) {
    const Day month_end{std::chrono::sys_days(month / std::chrono::last)};
    if (month_end >= done.back()) break;
    if (month_end + std::chrono::days(1) < first) continue;
    const Day start = month_end + std::chrono::days(1);
    auto after = std::lower_bound(done.begin(), done.end(), start);
    if (done.end() - after < items) {
      ++bt.skipped;
      continue;
    }
    Sample sample = TakeSample(h, s, start);
    if (std::all_of(sample.daily.begin(), sample.daily.end(), [](int v) { return v == 0; })) {
      ++bt.skipped;
      continue;
    }
    SimulationOptions po = o;
    po.seed = o.seed + static_cast<std::uint64_t>(start.time_since_epoch().count());
    const int n[] = {items};
    auto days = SimulateDays(sample.daily, n, po);
    if (!days) return Fail(days.error());
    BacktestPoint p;
    p.as_of = month_end;
    p.items = items;
    p.actual = *(after + (items - 1));
    if (auto k = (*days)[0].Quantile(0.50)) p.date_50 = s.calendar.NthWorkingDay(start, *k);
    if (auto k = (*days)[0].Quantile(0.85)) p.date_85 = s.calendar.NthWorkingDay(start, *k);
    // Throughput of a day off counts on the working day before it (see
    // DailyThroughput), so compare against that working day.
    Day actual = p.actual;
    while (!s.calendar.IsWorking(actual) && actual > start) actual -= std::chrono::days(1);
    p.met_50 = p.date_50 && actual <= *p.date_50;
    p.met_85 = p.date_85 && actual <= *p.date_85;
    bt.points.push_back(p);
  }
  return bt;
}

Ageing AssessAgeing(const History& h, const Settings& s, Day today) {
  Ageing a;
  std::vector<int> cycle = CycleTimes(h, today - std::chrono::days(7 * s.weeks), today);
  a.sample = static_cast<int>(cycle.size());
  a.p50 = Percentile(cycle, 0.50);
  a.p85 = Percentile(cycle, 0.85);
  a.p95 = Percentile(cycle, 0.95);
  for (const WorkItem& i : h.items) {
    if (i.done || !i.started) continue;
    ++a.in_progress;
    const int age = static_cast<int>((today - *i.started).count());
    if (!cycle.empty() && age > a.p85) a.over_85.push_back({&i, age});
  }
  std::sort(a.over_85.begin(), a.over_85.end(), [](const AgeingItem& x, const AgeingItem& y) {
    return x.age_days != y.age_days ? x.age_days > y.age_days : x.item->id < y.item->id;
  });
  return a;
}

Result<History> DeadlinesDesk::Load() const {
  return LoadHistory(settings_.history, settings_.columns, settings_.types);
}

Result<DeskReport> DeadlinesDesk::Run(DeskContext& ctx) {
  auto history = Load();
  if (!history) return Fail(history.error());
  const TimePoint now = ctx.clock.Now();
  const Day today = ToDay(now);
  SimulationOptions options;
  options.trials = settings_.trials;
  options.seed = settings_.seed;
  auto forecasts = AssessCommitments(*history, settings_, today, options);
  if (!forecasts) return Fail(forecasts.error());
  const Sample sample = TakeSample(*history, settings_, today);

  DeskReport report;
  report.checked = static_cast<std::int64_t>(settings_.commitments.size());
  std::vector<CheckRecord> records;
  for (const CommitmentForecast& f : *forecasts) {
    const Commitment& c = *f.commitment;
    const std::string subject = c.name;
    auto previous = ctx.store.Checks(kDesk, subject, now - std::chrono::days(8), 1);
    if (!previous) return Fail(previous.error());
    records.push_back({kDesk, subject, now, f.probability >= kWarn, f.probability,
                       fmt::format(R"({{"items":{},"due":"{}"}})", c.items, FormatDay(c.due))});
    if (f.probability >= kWarn) continue;

    const int days_left = static_cast<int>((c.due - today).count());
    const bool overdue = days_left < 0;
    const bool soon = days_left <= kSoonDays;
    Finding finding;
    finding.desk = kDesk;
    finding.subject = subject;
    finding.kind = "at-risk";
    finding.concern = Concern::kDelivery;
    finding.severity = (f.probability < kHopeless || soon) ? Severity::kActNow : Severity::kToday;
    const std::string to = c.promised_to.empty() ? "" : fmt::format(" to {}", c.promised_to);
    if (overdue) {
      finding.title = fmt::format("\"{}\" promised{} for {} is overdue with {} items left", c.name,
                                  to, FormatDay(c.due), c.items);
    } else {
      finding.title = fmt::format("\"{}\" promised{} for {}: {} likely; 85% date is {}", c.name, to,
                                  FormatDay(c.due), Pct(f.probability), OrBeyond(f.date_85));
    }
    std::string moved;
    if (!previous->empty()) {
      moved = fmt::format(" At the last run ({}) it was {}.", FormatDay(ToDay(previous->back().at)),
                          Pct(previous->back().value));
    }
    finding.detail = fmt::format(
        "{} items remain. At the team's throughput over the last {} weeks ({:.1f} items per working "
        "day), {} of {} simulated futures finish by {}{}. The median finish is {}; with 85% "
        "confidence, {}.{}",
        c.items, settings_.weeks, sample.PerDay(), Pct(f.probability),
        fmt::format("{}", settings_.trials), FormatDay(c.due),
        overdue ? " (already past)" : fmt::format(" ({} days away)", days_left),
        OrBeyond(f.date_50), OrBeyond(f.date_85), moved);
    std::string who = c.promised_to.empty() ? "whoever it was promised to" : c.promised_to;
    if (f.items_by_due_85 > 0 && f.items_by_due_85 < c.items) {
      finding.action = fmt::format("Tell {} now: move the date to {} (85% likely), or cut the scope "
                                   "to {} of the {} items for {}.",
                                   who, OrBeyond(f.date_85), f.items_by_due_85, c.items, FormatDay(c.due));
    } else {
      finding.action = fmt::format("Tell {} now: the date we can promise with 85% confidence is {}.",
                                   who, OrBeyond(f.date_85));
    }
    finding.plain.risk =
        overdue ? fmt::format("We promised \"{}\"{} for {}. That date has passed and the work is not done.",
                              c.name, to, FormatDay(c.due))
                : f.probability < 0.05
                      ? fmt::format("We promised \"{}\"{} for {}. At the team's current pace it will not be "
                                    "ready in time; a date we can keep is {}.",
                                    c.name, to, FormatDay(c.due), OrBeyond(f.date_85))
                      : fmt::format("We promised \"{}\"{} for {}. At the team's current pace there is only a "
                                    "{} chance of making it; a date we can keep is {}.",
                                    c.name, to, FormatDay(c.due), Pct(f.probability), OrBeyond(f.date_85));
    finding.plain.doing = "The team has the forecast and a smaller scope that would fit the date.";
    finding.plain.ask = fmt::format("Decide with the team whether to tell {} that \"{}\" moves to {}, or to "
                                    "deliver less by {}.",
                                    who, c.name, OrBeyond(f.date_85), FormatDay(c.due));
    finding.evidence.emplace_back("probability", Pct(f.probability));
    finding.evidence.emplace_back("items left", std::to_string(c.items));
    finding.evidence.emplace_back("promised date", FormatDay(c.due));
    finding.evidence.emplace_back("85% date", OrBeyond(f.date_85));
    finding.evidence.emplace_back("50% date", OrBeyond(f.date_50));
    if (!c.promised_by.empty()) finding.evidence.emplace_back("promised by", c.promised_by);
    finding.evidence.emplace_back("throughput", fmt::format("{:.2f}/working day, last {} weeks", sample.PerDay(), settings_.weeks));
    report.findings.push_back(std::move(finding));
  }
  if (!records.empty()) {
    if (auto w = ctx.store.AppendChecks(records); !w) return Fail(w.error());
  }
  if (!forecasts->empty()) report.figures.push_back(ForecastFigure(*forecasts, settings_, today));

  Ageing ageing = AssessAgeing(*history, settings_, today);
  if (!ageing.over_85.empty()) {
    Finding f;
    f.desk = kDesk;
    f.subject = "work in progress";
    f.kind = "ageing";
    f.concern = Concern::kDelivery;
    f.severity = Severity::kThisWeek;
    const auto& oldest = ageing.over_85.front();
    f.title = fmt::format("{} of {} items in progress are older than the usual {} days; oldest {} "
                          "at {} days",
                          ageing.over_85.size(), ageing.in_progress, ageing.p85,
                          oldest.item->id, oldest.age_days);
    f.detail = fmt::format("85% of the {} items finished in the last {} weeks took {} days or less "
                           "from start to done (median {}, 95th percentile {}). Items past that "
                           "are stuck, blocked or too big, and they hold up every forecast.",
                           ageing.sample, settings_.weeks, ageing.p85, ageing.p50, ageing.p95);
    f.action = "Walk the oldest items at stand-up: unblock, split, or stop them.";
    f.plain.risk = fmt::format("{} pieces of work have been stuck for longer than usual, which delays "
                               "the dates we can promise.",
                               ageing.over_85.size());
    f.plain.doing = "The team is unblocking, splitting or stopping them.";
    for (size_t i = 0; i < ageing.over_85.size() && i < 8; ++i) {
      const auto& a = ageing.over_85[i];
      f.evidence.emplace_back(a.item->id, fmt::format("{} days{}", a.age_days,
                                                      a.item->type.empty() ? "" : ", " + a.item->type));
    }
    report.findings.push_back(std::move(f));
  }
  report.checked += ageing.in_progress;
  return report;
}

}  // namespace ctodesk::deadlines
