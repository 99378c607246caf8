// Tests for the deadlines desk: the Monte Carlo engine against exact answers
// (constant throughput) and analytic distributions (Bernoulli days give a
// negative binomial, Poisson days a Poisson sum), the backtest's calibration
// on a generated stationary history, messy exports, the [deadlines] config,
// and the desk's findings with a memory store and a fixed clock.
#include "desks/deadlines/deadlines.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "core/config.h"
#include "store/store.h"

namespace ctodesk::deadlines {
namespace {

using namespace std::chrono_literals;
using std::chrono::days;

Day D(const char* iso) { return ToDay(*ParseTime(iso)); }

SimulationOptions Options(std::int64_t trials = 100000, std::uint64_t seed = 7) {
  SimulationOptions o;
  o.trials = trials;
  o.seed = seed;
  return o;
}

// ---------------------------------------------------------------- calendar

TEST(WorkCalendarTest, WeekendsAndHolidays) {
  WorkCalendar cal({std::chrono::Saturday, std::chrono::Sunday}, {D("2026-12-25")});
  struct Case {
    const char* start;
    int k;
    const char* want;
  } cases[] = {
      {"2026-11-30", 1, "2026-11-30"},  // a Monday counts itself
      {"2026-11-28", 1, "2026-11-30"},  // Saturday start: Monday
      {"2026-11-30", 5, "2026-12-04"},
      {"2026-11-30", 6, "2026-12-07"},
      {"2026-12-21", 5, "2026-12-28"},  // Christmas Friday skipped
  };
  for (const Case& c : cases) {
    EXPECT_EQ(FormatDay(cal.NthWorkingDay(D(c.start), c.k)), c.want) << c.start << " +" << c.k;
  }
  EXPECT_EQ(cal.WorkingDaysBetween(D("2026-12-21"), D("2026-12-27")), 4);
  EXPECT_EQ(cal.WorkingDaysBetween(D("2026-12-27"), D("2026-12-21")), 0);
}

// ---------------------------------------------------------------- engine

TEST(ForecastTest, ConstantThroughputGivesExactDays) {
  std::vector<int> daily(60, 2);
  struct Case {
    int items;
    int days;
  } cases[] = {{1, 1}, {2, 1}, {3, 2}, {10, 5}, {11, 6}, {200, 100}};
  std::vector<int> items;
  for (const Case& c : cases) items.push_back(c.items);
  auto dist = SimulateDays(daily, items, Options(10000));
  ASSERT_TRUE(dist) << dist.error().message;
  for (size_t i = 0; i < std::size(cases); ++i) {
    for (double level : kLevels) {
      EXPECT_EQ((*dist)[i].Quantile(level), cases[i].days) << cases[i].items << " items @" << level;
    }
    EXPECT_DOUBLE_EQ((*dist)[i].ProbabilityWithin(cases[i].days), 1.0);
    EXPECT_DOUBLE_EQ((*dist)[i].ProbabilityWithin(cases[i].days - 1), 0.0);
  }
  auto by = SimulateItems(daily, 7, Options(1000));
  ASSERT_TRUE(by);
  EXPECT_EQ(by->AtLeast(0.5), 14);
  EXPECT_EQ(by->AtLeast(0.95), 14);
}

TEST(ForecastTest, ConstantThroughputGivesExactDates) {
  // 3 items a day from Monday 2026-11-02 back 12 weeks; 30 items from
  // Monday 2026-11-30 take 10 working days: Friday 2026-12-11.
  History h;
  h.source = "h.csv";
  Settings s;
  for (Day d = D("2026-11-02") - days(84); d < D("2026-11-30"); d += days(1)) {
    if (!s.calendar.IsWorking(d)) continue;
    for (int i = 0; i < 3; ++i) {
      WorkItem w;
      w.id = FormatDay(d) + "-" + std::to_string(i);
      w.done = d;
      h.items.push_back(w);
    }
  }
  auto f = ForecastDate(h, s, D("2026-11-30"), D("2026-11-30"), 30, Options(5000));
  ASSERT_TRUE(f) << f.error().message;
  ASSERT_EQ(f->dates.size(), std::size(kLevels));
  for (const auto& d : f->dates) EXPECT_EQ(FormatDay(*d), "2026-12-11");
  auto by = ForecastItems(h, s, D("2026-11-30"), D("2026-11-30"), D("2026-12-06"), Options(5000));
  ASSERT_TRUE(by);
  EXPECT_EQ(by->working_days, 5);
  EXPECT_EQ(by->at_least_50, 15);
  EXPECT_EQ(by->at_least_95, 15);
}

double BinomialTail(int n, double p, int at_least) {  // P(Bin(n,p) >= at_least)
  double sum = 0;
  for (int j = at_least; j <= n; ++j) {
    double log_term = std::lgamma(n + 1) - std::lgamma(j + 1) - std::lgamma(n - j + 1) +
                      j * std::log(p) + (n - j) * std::log1p(-p);
    sum += std::exp(log_term);
  }
  return sum;
}

double PoissonTail(double mean, int at_least) {  // P(Pois(mean) >= at_least)
  double cdf = 0;
  for (int j = 0; j < at_least; ++j) cdf += std::exp(j * std::log(mean) - mean - std::lgamma(j + 1));
  return 1.0 - cdf;
}

// The analytic quantile of days from a CDF function.
template <typename Cdf>
int AnalyticQuantile(double p, Cdf cdf) {
  for (int k = 1; k < 100000; ++k) {
    if (cdf(k) >= p) return k;
  }
  return -1;
}

TEST(ForecastTest, BernoulliThroughputMatchesNegativeBinomial) {
  // 30% of days finish one item: days to N items is negative binomial.
  std::vector<int> daily(100, 0);
  for (int i = 0; i < 30; ++i) daily[i * 3] = 1;
  const int items[] = {5, 20};
  auto dist = SimulateDays(daily, items, Options(100000));
  ASSERT_TRUE(dist);
  for (size_t i = 0; i < std::size(items); ++i) {
    auto cdf = [&](int k) { return BinomialTail(k, 0.3, items[i]); };
    for (double level : kLevels) {
      int want = AnalyticQuantile(level, cdf);
      auto got = (*dist)[i].Quantile(level);
      ASSERT_TRUE(got);
      EXPECT_LE(std::abs(*got - want), 1) << items[i] << " items @" << level;
      EXPECT_NEAR((*dist)[i].ProbabilityWithin(want), cdf(want), 0.01) << items[i] << " items @" << level;
    }
  }
}

TEST(ForecastTest, PoissonThroughputMatchesAnalyticPercentiles) {
  // An array whose value frequencies are Poisson(2.5) to 1e-4.
  const double lambda = 2.5;
  std::vector<int> daily;
  for (int v = 0; v < 20; ++v) {
    int n = static_cast<int>(std::lround(10000 * std::exp(v * std::log(lambda) - lambda - std::lgamma(v + 1))));
    daily.insert(daily.end(), n, v);
  }
  const int items[] = {10, 40, 150};
  auto dist = SimulateDays(daily, items, Options(100000, 99));
  ASSERT_TRUE(dist);
  for (size_t i = 0; i < std::size(items); ++i) {
    // Done within k days <=> the k-day total, Poisson(k * lambda), reaches N.
    auto cdf = [&](int k) { return PoissonTail(k * lambda, items[i]); };
    for (double level : kLevels) {
      int want = AnalyticQuantile(level, cdf);
      auto got = (*dist)[i].Quantile(level);
      ASSERT_TRUE(got);
      EXPECT_LE(std::abs(*got - want), 1) << items[i] << " items @" << level;
      EXPECT_NEAR((*dist)[i].ProbabilityWithin(want), cdf(want), 0.01) << items[i] << " items @" << level;
    }
  }
  // Items in 20 days: Poisson(50); "at least X with 85%" is its 15th percentile.
  auto by = SimulateItems(daily, 20, Options(100000, 5));
  ASSERT_TRUE(by);
  int want85 = 0;
  while (PoissonTail(50, want85 + 1) >= 0.85) ++want85;
  EXPECT_LE(std::abs(by->AtLeast(0.85) - want85), 1);
}

TEST(ForecastTest, DeterministicWhateverTheThreads) {
  std::vector<int> daily = {0, 1, 3, 0, 2, 5, 1, 0, 0, 4};
  const int items[] = {7, 50, 300};
  SimulationOptions one = Options(50000, 42);
  one.threads = 1;
  SimulationOptions four = one;
  four.threads = 4;
  auto a = SimulateDays(daily, items, one);
  auto b = SimulateDays(daily, items, four);
  ASSERT_TRUE(a && b);
  for (size_t i = 0; i < std::size(items); ++i) EXPECT_EQ((*a)[i].counts, (*b)[i].counts) << i;
  SimulationOptions other = one;
  other.seed = 43;
  auto c = SimulateDays(daily, items, other);
  EXPECT_NE((*a)[1].counts, (*c)[1].counts) << "a different seed gives a different run";
}

TEST(ForecastTest, RejectsWhatCannotBeForecast) {
  struct Case {
    std::vector<int> daily;
    int items;
    const char* message;
  } cases[] = {
      {{}, 5, "no working days of throughput history to sample"},
      {{0, 0, 0}, 5, "no item was finished on any of the 3 working days sampled; nothing to forecast from"},
      {{1, 2}, 0, "items must be at least 1, got 0"},
  };
  for (const Case& c : cases) {
    const int items[] = {c.items};
    auto r = SimulateDays(c.daily, items, Options(100));
    ASSERT_FALSE(r) << c.message;
    EXPECT_EQ(r.error().message, c.message);
  }
}

TEST(ForecastTest, HorizonCountsNever) {
  std::vector<int> daily(99, 0);
  daily.push_back(1);  // one item per 100 days on average
  SimulationOptions o = Options(2000);
  o.horizon_days = 50;
  const int items[] = {10};
  auto d = SimulateDays(daily, items, o);
  ASSERT_TRUE(d);
  EXPECT_EQ((*d)[0].never, 2000);
  EXPECT_FALSE((*d)[0].Quantile(0.5).has_value());
}

// ---------------------------------------------------------------- backtest

History StationaryHistory(int years, double lambda, std::uint64_t seed) {
  History h;
  h.source = "generated.csv";
  std::mt19937_64 rng(seed);
  std::poisson_distribution<int> per_day(lambda);
  std::uniform_int_distribution<int> cycle(1, 12);
  WorkCalendar cal;
  int n = 0;
  for (Day d = D("2020-01-01"); d < D("2020-01-01") + days(365 * years); d += days(1)) {
    if (!cal.IsWorking(d)) continue;
    int k = per_day(rng);
    for (int i = 0; i < k; ++i) {
      WorkItem w;
      w.id = "W-" + std::to_string(++n);
      w.done = d;
      w.started = d - days(cycle(rng));
      h.items.push_back(w);
    }
  }
  return h;
}

TEST(BacktestTest, StationaryHistoryIsCalibrated) {
  History h = StationaryHistory(8, 2.0, 2026);
  Settings s;
  auto bt = RunBacktest(h, s, 20, Options(20000, 11));
  ASSERT_TRUE(bt) << bt.error().message;
  ASSERT_GE(bt->points.size(), 80u);
  EXPECT_GE(bt->Rate85(), 0.76) << "85% dates met " << bt->Rate85();
  EXPECT_LE(bt->Rate85(), 0.94) << "85% dates met " << bt->Rate85();
  EXPECT_GE(bt->Rate50(), 0.35) << "50% dates met " << bt->Rate50();
  EXPECT_LE(bt->Rate50(), 0.70) << "50% dates met " << bt->Rate50();
}

TEST(BacktestTest, SlowdownIsNotCalibrated) {
  // Throughput halves every year: the forecasts from the past are too rosy,
  // and the backtest must show it.
  History h;
  h.source = "slowing.csv";
  WorkCalendar cal;
  int n = 0;
  int gap = 1;
  for (Day d = D("2020-01-01"); d < D("2024-01-01"); d += days(1)) {
    if (!cal.IsWorking(d)) continue;
    if (d.time_since_epoch().count() % 120 == 0) gap *= 2;
    if (d.time_since_epoch().count() % gap != 0) continue;
    WorkItem w;
    w.id = std::to_string(++n);
    w.done = d;
    h.items.push_back(w);
  }
  auto bt = RunBacktest(h, Settings{}, 10, Options(5000));
  ASSERT_TRUE(bt);
  ASSERT_FALSE(bt->points.empty());
  EXPECT_LT(bt->Rate85(), 0.6);
}

// ---------------------------------------------------------------- exports

TEST(ParseDayTest, Formats) {
  struct Case {
    const char* text;
    const char* want;  // nullptr: rejected
  } cases[] = {
      {"2026-11-27", "2026-11-27"},
      {"2026-11-27T09:15:00Z", "2026-11-27"},
      {"2026-11-27T23:15:00.000+0100", "2026-11-27"},
      {"2026-11-27 09:15", "2026-11-27"},
      {" 2026/11/27 ", "2026-11-27"},
      {"27/Nov/26 9:15 AM", "2026-11-27"},
      {"27/Nov/2026 09:15", "2026-11-27"},
      {"3-Feb-2026", "2026-02-03"},
      {"27.11.2026", "2026-11-27"},
      {"11/27/2026", nullptr},
      {"2026-02-30", nullptr},
      {"soon", nullptr},
      {"2026-11-27garbage", nullptr},
      {"", nullptr},
  };
  for (const Case& c : cases) {
    auto d = ParseDay(c.text);
    if (c.want) {
      ASSERT_TRUE(d) << c.text;
      EXPECT_EQ(FormatDay(*d), c.want) << c.text;
    } else {
      EXPECT_FALSE(d) << c.text << " parsed as " << FormatDay(*d);
    }
  }
}

Columns JiraColumns() {
  Columns c;
  c.id = "Issue key";
  c.type = "Issue Type";
  c.created = "Created";
  c.started = "Start date";
  c.done = "Resolved";
  return c;
}

TEST(HistoryTest, MessyExports) {
  struct Case {
    const char* name;
    std::string text;
    std::vector<std::string> types;
    // On success:
    int items, finished, backlog, repeated, other_types, skipped;
    // On failure, the exact message:
    const char* error;
  } cases[] = {
      {"bom, semicolons, quoted newline",
       "\xEF\xBB\xBF" "Issue key;Summary;Issue Type;Created;Start date;Resolved\n"
       "A-1;\"two\nlines\";Story;2026-11-01;2026-11-02;2026-11-05\n"
       "A-2;plain;Bug;2026-11-01;;2026-11-03\n",
       {}, 2, 2, 0, 0, 0, 0, nullptr},
      {"mixed date formats",
       "Issue key,Issue Type,Created,Start date,Resolved\n"
       "A-1,Story,01/Nov/26 9:00 AM,2026-11-02T10:00:00Z,05.11.2026\n"
       "A-2,Story,2026-11-01,02/Nov/26 1:00 PM,2026-11-06 17:00\n",
       {}, 2, 2, 0, 0, 0, 0, nullptr},
      {"missing dates: in progress and backlog",
       "Issue key,Issue Type,Created,Start date,Resolved\n"
       "A-1,Story,2026-11-01,2026-11-02,\n"
       "A-2,Story,2026-11-01,,\n",
       {}, 1, 0, 1, 0, 0, 0, nullptr},
      {"reopened: exported twice, the open row wins",
       "Issue key,Issue Type,Created,Start date,Resolved\n"
       "A-1,Story,2026-11-01,2026-11-02,2026-11-04\n"
       "A-1,Story,2026-11-01,2026-11-02,\n"
       "A-2,Story,2026-11-01,2026-11-02,2026-11-03\n"
       "A-2,Story,2026-11-01,2026-11-02,2026-11-09\n",
       {}, 2, 1, 0, 2, 0, 0, nullptr},
      {"done before created and empty id are skipped",
       "Issue key,Issue Type,Created,Start date,Resolved\n"
       "A-1,Story,2026-11-05,,2026-11-01\n"
       ",Story,2026-11-01,,2026-11-02\n"
       "A-3,Story,2026-11-01,,2026-11-02\n",
       {}, 1, 1, 0, 0, 0, 2, nullptr},
      {"type filter",
       "Issue key,Issue Type,Created,Start date,Resolved\n"
       "A-1,Story,2026-11-01,,2026-11-02\n"
       "A-2,Epic,2026-11-01,,2026-11-02\n"
       "A-3,bug,2026-11-01,,2026-11-02\n",
       {"Story", "Bug"}, 2, 2, 0, 0, 1, 0, nullptr},
      {"ambiguous date",
       "Issue key,Issue Type,Created,Start date,Resolved\n"
       "A-1,Story,2026-11-01,,2026-11-02\n"
       "A-2,Story,2026-11-01,,11/27/2026\n",
       {}, 0, 0, 0, 0, 0, 0,
       "h.csv:3: Resolved: expected a date such as 2026-11-27, 2026-11-27T09:15:00Z, 27/Nov/26 "
       "9:15 AM or 27.11.2026, got \"11/27/2026\""},
      {"missing column",
       "Issue key,Issue Type,Created,Start date,Done\n",
       {}, 0, 0, 0, 0, 0, 0,
       "h.csv:1: no column \"Resolved\" (the done column); the header has: Issue key, Issue Type, "
       "Created, Start date, Done. Map it with deadlines.columns.done in the config"},
      {"short row",
       "Issue key,Issue Type,Created,Start date,Resolved\n"
       "A-1,Story,2026-11-01\n",
       {}, 0, 0, 0, 0, 0, 0,
       "h.csv:2: 3 fields, expected 5 as in the header (no \"Start date\")"},
      {"not UTF-8",
       "Issue key,Issue Type,Created,Start date,Resolved\nA-\xff,Story,,,2026-11-01\n",
       {}, 0, 0, 0, 0, 0, 0, "h.csv: not valid UTF-8; export the file as UTF-8"},
      {"unterminated quote",
       "Issue key,Issue Type,Created,Start date,Resolved\nA-1,\"Story,,,2026-11-01\n",
       {}, 0, 0, 0, 0, 0, 0, "h.csv:3: unterminated quoted field (opened on line 2)"},
  };
  for (const Case& c : cases) {
    auto h = ParseHistoryCsv(c.text, "h.csv", JiraColumns(), c.types);
    if (c.error) {
      ASSERT_FALSE(h) << c.name;
      EXPECT_EQ(h.error().message, c.error) << c.name;
      continue;
    }
    ASSERT_TRUE(h) << c.name << ": " << h.error().message;
    EXPECT_EQ(static_cast<int>(h->items.size()), c.items) << c.name;
    EXPECT_EQ(h->Finished(), c.finished) << c.name;
    EXPECT_EQ(h->backlog, c.backlog) << c.name;
    EXPECT_EQ(h->repeated, c.repeated) << c.name;
    EXPECT_EQ(h->other_types, c.other_types) << c.name;
    EXPECT_EQ(static_cast<int>(h->skipped.size()), c.skipped) << c.name;
  }
}

TEST(HistoryTest, SkipsSayWhere) {
  auto h = ParseHistoryCsv("id,created,done\nA-1,2026-11-05,2026-11-01\n", "h.csv", Columns{}, {});
  ASSERT_TRUE(h) << h.error().message;
  ASSERT_EQ(h->skipped.size(), 1u);
  EXPECT_EQ(h->skipped[0], "h.csv:2: A-1: done before created");
}

TEST(HistoryTest, Json) {
  struct Case {
    const char* name;
    const char* text;
    int items;
    const char* error;
  } cases[] = {
      {"array", R"([{"id":"1","done":"2026-11-02"},{"id":"2","started":"2026-11-01","done":null}])", 2, nullptr},
      {"wrapped", R"({"items":[{"id":7,"done":"2026-11-02T10:00:00Z"}]})", 1, nullptr},
      {"bad date", R"([{"id":"1","done":"yesterday"}])", 0,
       "h.json: item 1: done: expected a date such as 2026-11-27, 2026-11-27T09:15:00Z, 27/Nov/26 "
       "9:15 AM or 27.11.2026, got \"yesterday\""},
      {"no id", R"([{"done":"2026-11-02"}])", 0, "h.json: item 1: missing \"id\" (the id field)"},
      {"not a list", R"({"total": 3})", 0,
       "h.json: expected an array of items, or an object with an \"items\" array"},
      {"wrong type", R"([{"id":"1","done":true}])", 0, "h.json: item 1: \"done\": expected a string, got boolean"},
      {"truncated", R"([{"id":"1")", 0, nullptr},
  };
  for (const Case& c : cases) {
    auto h = ParseHistoryJson(c.text, "h.json", Columns{}, {});
    if (std::string(c.name) == "truncated") {
      ASSERT_FALSE(h);
      EXPECT_EQ(h.error().message.rfind("h.json: not valid JSON: byte ", 0), 0u) << h.error().message;
      continue;
    }
    if (c.error) {
      ASSERT_FALSE(h) << c.name;
      EXPECT_EQ(h.error().message, c.error) << c.name;
      continue;
    }
    ASSERT_TRUE(h) << c.name << ": " << h.error().message;
    EXPECT_EQ(static_cast<int>(h->items.size()), c.items) << c.name;
  }
}

TEST(HistoryTest, ThroughputCountsWeekendWorkOnFriday) {
  auto h = ParseHistoryCsv("id,done\n1,2026-11-27\n2,2026-11-28\n3,2026-11-29\n4,2026-11-30\n",
                           "h.csv", Columns{}, {});
  ASSERT_TRUE(h);
  auto daily = DailyThroughput(*h, WorkCalendar(), D("2026-11-23"), D("2026-12-01"));
  EXPECT_EQ(daily, (std::vector<int>{0, 0, 0, 0, 3, 1}));
}

// ---------------------------------------------------------------- config

struct Parsed {
  std::unique_ptr<ConfigReader> reader;
  Settings settings;
};

Parsed Parse(const std::string& toml) {
  Parsed out;
  auto reader = ConfigReader::FromString(toml, "ctodesk.toml", "/base");
  EXPECT_TRUE(reader.has_value());
  out.reader = std::move(*reader);
  auto section = out.reader->Root().Table("deadlines", true);
  if (section) out.settings = ReadSettings(*section);
  out.reader->Finish();
  return out;
}

TEST(DeadlinesConfigTest, Valid) {
  auto p = Parse(R"toml(
[deadlines]
history = "exports/jira.csv"
columns = { id = "Issue key", done = "Resolved", started = "Start date" }
types = ["Story", "Bug"]
weeks = 8
days_off = ["Fri", "Saturday"]
holidays = ["2026-12-25"]
trials = 5000
seed = 3

[[deadlines.commitments]]
name = "SSO for Globex"
items = 25
due = "2027-01-15"
promised_to = "Globex"
promised_by = "Dana (sales)"
)toml");
  EXPECT_EQ(p.reader->IssuesText(), "");
  EXPECT_EQ(p.settings.history, std::filesystem::path("/base/exports/jira.csv"));
  EXPECT_EQ(p.settings.columns.id, "Issue key");
  EXPECT_EQ(p.settings.columns.type, "type");
  EXPECT_EQ(p.settings.weeks, 8);
  EXPECT_EQ(p.settings.trials, 5000);
  EXPECT_FALSE(p.settings.calendar.IsWorking(D("2026-11-27")));  // a Friday
  EXPECT_TRUE(p.settings.calendar.IsWorking(D("2026-11-29")));   // a Sunday
  EXPECT_FALSE(p.settings.calendar.IsWorking(D("2026-12-25")));
  ASSERT_EQ(p.settings.commitments.size(), 1u);
  EXPECT_EQ(p.settings.commitments[0].items, 25);
  EXPECT_EQ(FormatDay(p.settings.commitments[0].due), "2027-01-15");
}

TEST(DeadlinesConfigTest, Errors) {
  struct Case {
    const char* toml;
    const char* first_issue;  // without "ctodesk.toml:"
  } cases[] = {
      {"[deadlines]\nweeks = 2\n", "1:1: deadlines: missing required key \"history\""},
      {"[deadlines]\nhistory = \"h.csv\"\nweeks = 0\n",
       "3:9: deadlines.weeks: expected an integer from 1 to 520, got 0"},
      {"[deadlines]\nhistory = \"h.csv\"\ncolumns = { resolved = \"Resolved\" }\n",
       "3:11: deadlines.columns: unknown column \"resolved\"; expected id, type, created, started or done"},
      {"[deadlines]\nhistory = \"h.csv\"\ndays_off = [\"Caturday\"]\n",
       "3:12: deadlines.days_off: expected weekday names such as \"Sat\" or \"Sunday\", got \"Caturday\""},
      {"[deadlines]\nhistory = \"h.csv\"\nholidays = [\"25/12/2026\"]\n",
       "3:12: deadlines.holidays: expected dates such as \"2026-12-25\", got \"25/12/2026\""},
      {"[deadlines]\nhistory = \"h.csv\"\n[[deadlines.commitments]]\nname = \"x\"\nitems = 0\ndue = \"2027-01-01\"\n",
       "5:9: deadlines.commitments[0].items: expected an integer from 1 to 1000000, got 0"},
      {"[deadlines]\nhistory = \"h.csv\"\n[[deadlines.commitments]]\nname = \"x\"\nitems = 3\n",
       "3:1: deadlines.commitments[0]: missing required key \"due\""},
      {"[deadlines]\nhistory = \"h.csv\"\n[[deadlines.commitments]]\nname = \"x\"\nitems = 3\ndue = \"2027-01-01\"\n"
       "[[deadlines.commitments]]\nname = \"x\"\nitems = 3\ndue = \"2027-01-01\"\n",
       "8:8: deadlines.commitments[1].name: another commitment is already named \"x\""},
      {"[deadlines]\nhistory = \"h.csv\"\ntrails = 5\n",
       "3:1: deadlines.trails: unknown key; did you mean \"trials\"?"},
  };
  for (const Case& c : cases) {
    auto p = Parse(c.toml);
    ASSERT_FALSE(p.reader->issues().empty()) << c.toml;
    EXPECT_EQ(p.reader->issues()[0].ToString(), std::string("ctodesk.toml:") + c.first_issue) << c.toml;
  }
}

// ---------------------------------------------------------------- the desk

class TempDir {
 public:
  TempDir() {
    dir_ = std::filesystem::temp_directory_path() /
           ("ctodesk_deadlines_test_" + std::to_string(::getpid()) + "_" + std::to_string(next_++));
    std::filesystem::create_directories(dir_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::filesystem::path Write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return dir_ / name;
  }

 private:
  static inline int next_ = 0;
  std::filesystem::path dir_;
};

TEST(DeadlinesDeskTest, CommitmentsAndAgeing) {
  // Two items every working day for 12 weeks before 2026-11-30 (a Monday).
  std::string csv = "id,type,started,done\n";
  WorkCalendar cal;
  int n = 0;
  for (Day d = D("2026-09-01"); d < D("2026-11-30"); d += days(1)) {
    if (!cal.IsWorking(d)) continue;
    for (int i = 0; i < 2; ++i) {
      csv += "T-" + std::to_string(++n) + ",Story," + FormatDay(d - days(3)) + "," + FormatDay(d) + "\n";
    }
  }
  csv += "OLD-1,Story,2026-10-01,\nNEW-1,Story,2026-11-29,\n";
  TempDir dir;
  Settings s;
  s.history = dir.Write("h.csv", csv);
  s.trials = 2000;
  // 2/day: 20 items take 10 working days, done Fri 2026-12-11.
  s.commitments = {{"safe", 20, D("2026-12-11"), "Initech", "CTO"},
                   {"at risk", 20, D("2026-12-10"), "Globex", ""},
                   {"hopeless", 100, D("2026-12-04"), "", ""}};
  DeadlinesDesk desk(std::move(s));
  auto store = NewMemoryStore();
  FixedClock clock(*ParseTime("2026-11-30T07:00:00Z"));
  DeskContext ctx{*store, clock, dir.Write("x", "").parent_path()};
  auto report = desk.Run(ctx);
  ASSERT_TRUE(report) << report.error().message;
  std::map<std::string, const Finding*> by_subject;
  for (const Finding& f : report->findings) by_subject[f.subject] = &f;
  EXPECT_FALSE(by_subject.count("safe"));
  ASSERT_TRUE(by_subject.count("at risk"));
  EXPECT_EQ(by_subject["at risk"]->severity, Severity::kActNow);  // due within 14 days
  EXPECT_EQ(by_subject["at risk"]->title,
            "\"at risk\" promised to Globex for 2026-12-10: 0% likely; 85% date is 2026-12-11");
  EXPECT_EQ(by_subject["at risk"]->action,
            "Tell Globex now: move the date to 2026-12-11 (85% likely), or cut the scope to 18 of "
            "the 20 items for 2026-12-10.");
  ASSERT_TRUE(by_subject.count("hopeless"));
  EXPECT_EQ(by_subject["hopeless"]->severity, Severity::kActNow);
  ASSERT_TRUE(by_subject.count("work in progress"));
  const Finding& ageing = *by_subject["work in progress"];
  EXPECT_EQ(ageing.severity, Severity::kThisWeek);
  EXPECT_EQ(ageing.title, "1 of 2 items in progress are older than the usual 3 days; oldest OLD-1 at 60 days");

  // The second run remembers the first.
  clock.Set(*ParseTime("2026-12-01T07:00:00Z"));
  auto again = desk.Run(ctx);
  ASSERT_TRUE(again);
  for (const Finding& f : again->findings) {
    if (f.subject == "hopeless") {
      EXPECT_NE(f.detail.find("At the last run (2026-11-30) it was 0%."), std::string::npos) << f.detail;
    }
  }
}

TEST(DeadlinesDeskTest, StaleExportIsAClearError) {
  TempDir dir;
  Settings s;
  s.history = dir.Write("h.csv", "id,done\n1,2025-01-06\n");
  s.commitments = {{"x", 5, D("2027-01-01"), "", ""}};
  DeadlinesDesk desk(std::move(s));
  auto store = NewMemoryStore();
  FixedClock clock(*ParseTime("2026-11-30T07:00:00Z"));
  DeskContext ctx{*store, clock, "."};
  auto report = desk.Run(ctx);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().message,
            (dir.Write("h.csv", "id,done\n1,2025-01-06\n").string() +
             ": no item was finished in the 12 weeks before 2026-11-30 (2026-09-07 to 2026-11-29); "
             "the latest done date in the export is 2025-01-06; is the export stale?"));
}

}  // namespace
}  // namespace ctodesk::deadlines
