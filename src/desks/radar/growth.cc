#include "desks/radar/growth.h"

#include <cmath>
#include <regex>
#include <system_error>

#include <fmt/format.h>
#include <sqlite3.h>

#include "desks/backups/command.h"

namespace ctodesk::radar {

namespace {

constexpr double kDay = 86400.0;

double Days(TimePoint t, TimePoint origin) {
  return static_cast<double>(ToUnix(t) - ToUnix(origin)) / kDay;
}

// Least squares y = a + b x. False when x has no spread.
bool LeastSquares(const std::vector<double>& x, const std::vector<double>& y, double& a, double& b) {
  const double n = static_cast<double>(x.size());
  double sx = 0, sy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sx += x[i];
    sy += y[i];
  }
  const double mx = sx / n, my = sy / n;
  double sxx = 0, sxy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    sxy += (x[i] - mx) * (y[i] - my);
  }
  if (sxx <= 1e-12) return false;
  b = sxy / sxx;
  a = my - b * mx;
  return true;
}

bool Enough(std::span<const Sample> samples) {
  if (samples.size() < 3) return false;
  for (const Sample& s : samples) {
    if (s.at != samples.front().at) return true;
  }
  return false;
}

double Rss(const GrowthFit& fit, std::span<const Sample> samples) {
  double rss = 0;
  for (const Sample& s : samples) {
    double r = s.value - fit.At(s.at);
    rss += r * r;
  }
  return rss;
}

}  // namespace

std::string_view GrowthModelName(GrowthModel m) {
  return m == GrowthModel::kLinear ? "linear" : "exponential";
}

double GrowthFit::At(TimePoint t) const {
  double x = Days(t, origin);
  return model == GrowthModel::kLinear ? a + b * x : std::exp(a + b * x);
}

std::optional<TimePoint> GrowthFit::Crossing(double threshold) const {
  if (b <= 0) return std::nullopt;
  double x = 0;
  if (model == GrowthModel::kLinear) {
    x = (threshold - a) / b;
  } else {
    if (threshold <= 0) return std::nullopt;
    x = (std::log(threshold) - a) / b;
  }
  if (!std::isfinite(x) || std::abs(x) > 365.0 * 1000) return std::nullopt;
  return origin + std::chrono::seconds(static_cast<std::int64_t>(std::llround(x * kDay)));
}

std::string GrowthFit::Describe(std::string_view unit) const {
  if (model == GrowthModel::kLinear) {
    return fmt::format("linear: {} {} a day", b >= 0 ? "+" + HumanNumber(b) : "-" + HumanNumber(-b), unit);
  }
  if (b <= 0) return fmt::format("exponential: shrinking {:.2f}% a day", -(std::exp(b) - 1) * 100);
  return fmt::format("exponential: doubling every {:.0f} days", std::log(2.0) / b);
}

std::optional<GrowthFit> FitLinear(std::span<const Sample> samples) {
  if (!Enough(samples)) return std::nullopt;
  GrowthFit fit;
  fit.model = GrowthModel::kLinear;
  fit.origin = samples.front().at;
  std::vector<double> x, y;
  for (const Sample& s : samples) {
    x.push_back(Days(s.at, fit.origin));
    y.push_back(s.value);
  }
  if (!LeastSquares(x, y, fit.a, fit.b)) return std::nullopt;
  fit.samples = static_cast<int>(samples.size());
  fit.rss = Rss(fit, samples);
  return fit;
}

std::optional<GrowthFit> FitExponential(std::span<const Sample> samples) {
  if (!Enough(samples)) return std::nullopt;
  GrowthFit fit;
  fit.model = GrowthModel::kExponential;
  fit.origin = samples.front().at;
  std::vector<double> x, y;
  for (const Sample& s : samples) {
    if (!(s.value > 0)) return std::nullopt;
    x.push_back(Days(s.at, fit.origin));
    y.push_back(std::log(s.value));
  }
  if (!LeastSquares(x, y, fit.a, fit.b)) return std::nullopt;
  fit.samples = static_cast<int>(samples.size());
  fit.rss = Rss(fit, samples);
  return fit;
}

std::optional<GrowthFit> FitGrowth(std::span<const Sample> samples) {
  auto lin = FitLinear(samples);
  auto exp = FitExponential(samples);
  if (!exp) return lin;
  if (!lin) return exp;
  // Prefer the simpler linear model unless the exponential one is clearly better.
  return exp->rss < lin->rss * 0.98 ? exp : lin;
}

std::string HumanNumber(double v) {
  const double a = std::abs(v);
  if (a >= 1e12) return fmt::format("{:.3g} T", v / 1e12);
  if (a >= 1e9) return fmt::format("{:.3g} G", v / 1e9);
  if (a >= 1e6) return fmt::format("{:.3g} M", v / 1e6);
  if (a >= 1e4) return fmt::format("{:.3g} k", v / 1e3);
  if (a >= 10 || v == std::floor(v)) return fmt::format("{:.0f}", v);
  return fmt::format("{:.2g}", v);
}

namespace {

std::optional<double> FirstNumber(const std::string& text) {
  static const std::regex kNumber(R"([-+]?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?)");
  std::smatch m;
  if (!std::regex_search(text, m, kNumber)) return std::nullopt;
  try {
    return std::stod(m[0].str());
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

Result<double> PathSize(const Measure& m) {
  std::error_code ec;
  auto status = std::filesystem::status(m.path, ec);
  if (ec || !std::filesystem::exists(status)) {
    return Fail(Error::Io(fmt::format("measure \"{}\": {}: not found", m.name, m.path.string())));
  }
  if (std::filesystem::is_regular_file(status)) {
    auto size = std::filesystem::file_size(m.path, ec);
    if (ec) return Fail(Error::Io(fmt::format("measure \"{}\": {}: {}", m.name, m.path.string(), ec.message())));
    return static_cast<double>(size);
  }
  double total = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(
           m.path, std::filesystem::directory_options::skip_permission_denied, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code fe;
    if (it->is_regular_file(fe) && !it->is_symlink(fe)) total += static_cast<double>(it->file_size(fe));
  }
  if (ec) return Fail(Error::Io(fmt::format("measure \"{}\": {}: {}", m.name, m.path.string(), ec.message())));
  return total;
}

Result<double> SqlValue(const Measure& m) {
  if (!std::filesystem::exists(m.database)) {
    return Fail(Error::Io(fmt::format("measure \"{}\": {}: database not found", m.name, m.database.string())));
  }
  sqlite3* db = nullptr;
  std::string uri = "file:" + m.database.string() + "?mode=ro";
  int rc = sqlite3_open_v2(uri.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr);
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> guard(db, &sqlite3_close);
  if (rc != SQLITE_OK) {
    return Fail(Error::Io(fmt::format("measure \"{}\": {}: cannot open: {}", m.name, m.database.string(),
                                      db ? sqlite3_errmsg(db) : sqlite3_errstr(rc))));
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, m.sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    return Fail(Error::Invalid(fmt::format("measure \"{}\": sql: {}", m.name, sqlite3_errmsg(db))));
  }
  std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> sguard(stmt, &sqlite3_finalize);
  rc = sqlite3_step(stmt);
  if (rc != SQLITE_ROW) {
    return Fail(Error::Invalid(fmt::format("measure \"{}\": sql returned no row{}", m.name,
                                           rc == SQLITE_DONE ? "" : std::string(": ") + sqlite3_errmsg(db))));
  }
  int type = sqlite3_column_type(stmt, 0);
  if (type != SQLITE_INTEGER && type != SQLITE_FLOAT) {
    return Fail(Error::Invalid(fmt::format("measure \"{}\": sql: expected a number in the first column", m.name)));
  }
  return sqlite3_column_double(stmt, 0);
}

}  // namespace

Result<double> TakeMeasure(const Measure& m) {
  if (!m.sql.empty()) return SqlValue(m);
  if (!m.path.empty()) return PathSize(m);
  backups::CommandResult r = backups::RunCommand({m.command, {}, {}, m.timeout});
  if (!r.ok) return Fail(Error::Io(fmt::format("measure \"{}\": command {}", m.name, r.error)));
  auto v = FirstNumber(r.last_line);
  if (!v) {
    return Fail(Error::Invalid(fmt::format("measure \"{}\": command printed no number (last line: \"{}\")", m.name,
                                           r.last_line)));
  }
  return *v;
}

}  // namespace ctodesk::radar
