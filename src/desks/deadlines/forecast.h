// Monte Carlo forecasting from throughput: "when will N items be done?" and
// "how many items by this date?". The model is the one the #NoEstimates and
// Kanban literature uses: a day's throughput is drawn at random from the
// daily throughputs actually observed over the last weeks, working days only;
// days are simulated until N items are done. Nothing is estimated by people.
//
// The engine works in working days (1 = the first working day on or after
// the start); WorkCalendar maps them to dates. Results are deterministic for a
// given seed, whatever the number of threads: each block of trials has its
// own generator seeded from (seed, job, block). All functions are
// thread-safe; Simulate* may use several threads internally.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"

namespace ctodesk::deadlines {

using Day = std::chrono::sys_days;

// Which days the team works: weekdays off (Saturday and Sunday by default)
// and holidays.
class WorkCalendar {
 public:
  WorkCalendar();  // Monday to Friday, no holidays
  WorkCalendar(std::vector<std::chrono::weekday> days_off, std::vector<Day> holidays);

  bool IsWorking(Day d) const;
  // The k-th working day on or after `start` (k >= 1).
  Day NthWorkingDay(Day start, int k) const;
  // Working days in [from, to], both included; 0 when to < from.
  int WorkingDaysBetween(Day from, Day to) const;

 private:
  bool off_[7] = {};  // indexed by weekday::c_encoding(), 0 = Sunday
  std::vector<Day> holidays_;  // sorted
};

// How many working days N items took, over all trials.
struct DaysDistribution {
  std::int64_t trials = 0;
  std::vector<std::int64_t> counts;  // counts[k]: trials that finished on working day k
  std::int64_t never = 0;            // trials that did not finish within the horizon

  // The smallest k such that at least a fraction p of the trials finished by
  // day k; nullopt when that lies beyond the horizon.
  std::optional<int> Quantile(double p) const;
  // Fraction of trials finished on or before working day k.
  double ProbabilityWithin(int k) const;
};

// How many items were done within a number of working days, over all trials.
struct ItemsDistribution {
  std::vector<int> sorted_totals;  // one per trial, ascending
  // The most items that at least a fraction p of the trials reached ("at
  // least X items, with 85% confidence").
  int AtLeast(double p) const;
};

struct SimulationOptions {
  std::int64_t trials = 100000;
  std::uint64_t seed = 1;
  int threads = 0;          // 0: one per hardware thread
  int horizon_days = 2600;  // ten years of working days
};

// Working days to finish each of `items` (each >= 1), one distribution per
// entry. `daily` holds the observed throughput of each working day; it must
// not be empty and must contain a day with throughput > 0 (else an Error).
Result<std::vector<DaysDistribution>> SimulateDays(std::span<const int> daily,
                                                   std::span<const int> items,
                                                   const SimulationOptions& options);

// Items done within `days` working days.
Result<ItemsDistribution> SimulateItems(std::span<const int> daily, int days,
                                        const SimulationOptions& options);

// The confidence levels every forecast reports.
inline constexpr double kLevels[] = {0.50, 0.70, 0.85, 0.95};

}  // namespace ctodesk::deadlines
