// The deadlines desk: which promises will we miss, and what date can we
// honestly give? It reads the team's finished-work history (history.h),
// forecasts with Monte Carlo over recent daily throughput (forecast.h), and
// checks the commitments register in [deadlines]. Findings:
//   a commitment under 70% likely to be met        today (with the 85% date)
//     ... under 30%, or due within 14 days         act-now
//   work in progress older than the 85th-percentile
//     cycle time                                   this-week (one finding)
// Each run records every commitment's probability in the store, so a finding
// can say how it moved since the last run. Not thread-safe (one run at a
// time); the simulation inside uses several threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "desks/deadlines/forecast.h"
#include "desks/deadlines/history.h"
#include "desks/desk.h"

namespace ctodesk::deadlines {

struct Commitment {
  std::string name;
  int items = 0;  // still to do
  Day due{};
  std::string promised_to;
  std::string promised_by;
};

struct Settings {
  std::filesystem::path history;
  Columns columns;
  std::vector<std::string> types;  // empty: all types
  int weeks = 12;                  // throughput window
  WorkCalendar calendar;
  std::int64_t trials = 100000;
  std::uint64_t seed = 1;
  int backtest_items = 0;  // 0: the median of the commitments' items, else 20
  std::vector<Commitment> commitments;
};

// Reads [deadlines]; records config errors on the table. Exposed for tests.
Settings ReadSettings(ConfigTable& section);
std::unique_ptr<Desk> Configure(ConfigTable& section);

// "2026-11-27"
std::string FormatDay(Day d);
Day ToDay(TimePoint t);

// The throughput sample for a forecast starting on `start`: the working days
// of the `weeks` weeks before it.
struct Sample {
  Day from{}, to{};  // [from, to)
  std::vector<int> daily;
  double PerDay() const;
};
Sample TakeSample(const History& h, const Settings& s, Day start);

struct DateForecast {
  Day start{};
  int items = 0;
  Sample sample;
  DaysDistribution days;
  // The date by which the items are done with each confidence of kLevels;
  // nullopt beyond the ten-year horizon.
  std::vector<std::optional<Day>> dates;
};
// The sample is the `weeks` before `known`, the first day history does not
// cover yet (today, or the start if that is earlier).
Result<DateForecast> ForecastDate(const History& h, const Settings& s, Day known, Day start, int items,
                                  const SimulationOptions& o);

struct ItemsForecast {
  Day start{}, by{};
  int working_days = 0;
  Sample sample;
  int at_least_50 = 0, at_least_85 = 0, at_least_95 = 0;
};
Result<ItemsForecast> ForecastItems(const History& h, const Settings& s, Day known, Day start, Day by,
                                    const SimulationOptions& o);

struct CommitmentForecast {
  const Commitment* commitment = nullptr;
  double probability = 0;           // of all items done on or before the due date
  std::optional<Day> date_85;       // what can be promised with 85% confidence
  std::optional<Day> date_50;
  int items_by_due_85 = 0;          // scope that fits by the due date at 85%
  int available_days = 0;           // working days from today to the due date
  DaysDistribution days;            // the simulated finish days (for the chart)
};
// All commitments in one simulation (threads), forecasting from `today`.
// The briefing's forecast chart (chart.h) of the first 12 commitments.
Figure ForecastFigure(const std::vector<CommitmentForecast>& forecasts, const Settings& s, Day today);

Result<std::vector<CommitmentForecast>> AssessCommitments(const History& h, const Settings& s,
                                                          Day today, const SimulationOptions& o);

struct BacktestPoint {
  Day as_of{};  // a month-end; the forecast starts the day after
  int items = 0;
  std::optional<Day> date_50, date_85;
  Day actual{};  // when the items-th item after as_of was in fact done
  bool met_50 = false, met_85 = false;
};
struct Backtest {
  int items = 0;
  std::vector<BacktestPoint> points;
  int skipped = 0;  // month-ends without enough history before or after
  double Rate85() const;
  double Rate50() const;
};
// A forecast of `items` items at each month-end that has `weeks` of history
// before it and `items` finished items after it, against what happened.
Result<Backtest> RunBacktest(const History& h, const Settings& s, int items,
                             const SimulationOptions& o);
int DefaultBacktestItems(const Settings& s);

struct AgeingItem {
  const WorkItem* item;
  int age_days;
};
struct Ageing {
  int p50 = 0, p85 = 0, p95 = 0;  // cycle-time percentiles, days, over the sample window
  int sample = 0;                 // finished items with a start date in the window
  std::vector<AgeingItem> over_85;  // oldest first
  int in_progress = 0;
};
Ageing AssessAgeing(const History& h, const Settings& s, Day today);

class DeadlinesDesk final : public Desk {
 public:
  explicit DeadlinesDesk(Settings settings) : settings_(std::move(settings)) {}
  Result<DeskReport> Run(DeskContext& ctx) override;
  const Settings& settings() const { return settings_; }
  Result<History> Load() const;

 private:
  Settings settings_;
};

}  // namespace ctodesk::deadlines
