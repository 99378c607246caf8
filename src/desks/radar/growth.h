// Growth: how big things are (a table's row count, a folder's size, any
// number a command prints), measured at each run and recorded in the store,
// and a fit that projects when a measure will cross its threshold.
//
// The fit is least squares on the recorded samples: linear (y = a + b·t) and
// exponential (ln y = a + b·t, on positive samples). The better of the two —
// the smaller residual sum of squares, measured on y itself so the two are
// comparable — is chosen and shown. Pure functions, thread-safe; TakeMeasure
// runs a command or opens a file (read-only).
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/error.h"

namespace ctodesk::radar {

struct Sample {
  TimePoint at{};
  double value = 0;
};

enum class GrowthModel { kLinear, kExponential };
std::string_view GrowthModelName(GrowthModel m);  // "linear", "exponential"

struct GrowthFit {
  GrowthModel model = GrowthModel::kLinear;
  TimePoint origin{};  // t = 0; t counts days
  double a = 0, b = 0;
  double rss = 0;      // residual sum of squares on y
  int samples = 0;

  double At(TimePoint t) const;
  // Growth per day (linear) or the doubling time in days (exponential); for display.
  std::string Describe(std::string_view unit) const;
  // When the fitted curve reaches `threshold`; nullopt when it never does
  // (flat or shrinking).
  std::optional<TimePoint> Crossing(double threshold) const;
};

// Needs at least 3 samples over more than one distinct instant; the
// exponential fit also needs every sample > 0.
std::optional<GrowthFit> FitLinear(std::span<const Sample> samples);
std::optional<GrowthFit> FitExponential(std::span<const Sample> samples);
// The better of the two (smaller rss); nullopt when neither fits.
std::optional<GrowthFit> FitGrowth(std::span<const Sample> samples);

// A configured measure.
struct Measure {
  std::string name;        // "orders rows"
  std::string plain_name;  // "orders" (for the CEO: "the orders table")
  std::string command;     // prints a number (the last line's first number is read)
  std::filesystem::path path;      // a file or folder: its size in bytes
  std::filesystem::path database;  // an SQLite file, with `sql`
  std::string sql;                 // returns one number
  double threshold = 0;
  std::string unit;    // "rows", "bytes"; shown with the numbers
  std::string action;  // what to plan when it crosses: "plan the move to a warehouse"
  Duration timeout = std::chrono::seconds(60);
};

// Takes the measure now. Errors name the measure and say what failed.
Result<double> TakeMeasure(const Measure& m);

// "512 M", "1.2 G", "3,400": a short human number.
std::string HumanNumber(double v);

}  // namespace ctodesk::radar
