// Schedules are derived from `now` (today's delivery of each feed was due a
// few hours before the demo runs), so the demo tells the same story at any
// time of day. Generation is seeded, so two demos write the same data.
#include "demo/demo_suppliers.h"

#include <algorithm>
#include <array>
#include <vector>
#include <fstream>
#include <random>

#include <fmt/format.h>

#include "desks/suppliers/reader.h"

namespace ctodesk {

namespace {

Result<void> Write(const std::filesystem::path& path, const std::string& bytes, TimePoint mtime) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
    if (!out) return Fail(Error::Io(fmt::format("{}: cannot write", path.string())));
  }
  std::filesystem::last_write_time(path, std::chrono::file_clock::from_sys(mtime), ec);
  if (ec) return Fail(Error::Io(fmt::format("{}: cannot set mtime: {}", path.string(), ec.message())));
  return {};
}

std::string Day(TimePoint t) { return FormatTime(t).substr(0, 10); }

}  // namespace

Result<std::string> WriteDemoSuppliers(const std::filesystem::path& dir, TimePoint now) {
  using std::chrono::hours;
  using std::chrono::minutes;
  std::mt19937 rng(42);
  std::error_code ec;
  std::filesystem::remove_all(dir / "drops", ec);
  const TimePoint minute = std::chrono::floor<minutes>(now);
  const TimePoint rates_due = minute - hours(8);    // today's rates were due 8 h ago
  const TimePoint customs_due = minute - hours(6);  // today's customs codes 6 h ago
  constexpr int kDays = 21;

  const std::array<const char*, 4> carriers = {"DHL", "UPS", "DPD", "GLS"};
  for (int d = kDays - 1; d >= 0; --d) {
    const TimePoint due = rates_due - std::chrono::days(d);
    std::string csv = "carrier,zone,weight_max_kg,price_eur,valid_from\n";
    for (const char* c : carriers) {
      for (int zone = 1; zone <= 12; ++zone) {
        for (int w : {1, 2, 5, 10, 20, 31}) {
          csv += fmt::format("{},{},{},{:.2f},{}\n", c, zone, w, 3.5 + zone * 0.8 + w * 0.35 + (rng() % 50) / 100.0,
                             Day(due));
        }
      }
    }
    auto path = dir / "drops" / "northwind" / fmt::format("parcel-rates-{}.csv.gz", Day(due));
    if (auto w = Write(path, suppliers::Compress(csv, suppliers::Compression::kGzip),
                       due + minutes(4 + static_cast<int>(rng() % 12)));
        !w) {
      return Fail(w.error());
    }
  }

  const std::array<const char*, 6> goods = {"parcels of books", "phone cases", "coffee beans",
                                            "cotton t-shirts", "bicycle parts", "ceramic mugs"};
  for (int d = kDays - 1; d >= 0; --d) {
    const TimePoint due = customs_due - std::chrono::days(d);
    // Late twice this week: three days ago by 4 h, today by 5 h, when the
    // supplier also renamed "hs_code" to "tariff_code".
    const bool today = d == 0;
    const auto delay = today ? hours(5) : d == 3 ? hours(4) : minutes(9 + static_cast<int>(rng() % 20));
    std::string jsonl;
    for (int i = 0; i < 150; ++i) {
      jsonl += fmt::format(R"({{"{}":"{:04d}.{:02d}","description":"{}","country":"{}","duty_rate":{:.1f}}})",
                           today ? "tariff_code" : "hs_code", 4800 + i * 3, (d * 7 + i) % 100,
                           goods[rng() % goods.size()],
                           std::array{"CN", "US", "VN", "TR", "IN"}[rng() % 5], (rng() % 120) / 10.0);
      jsonl += "\n";
    }
    auto path = dir / "drops" / "fabrikam" / fmt::format("customs-codes-{}.jsonl.zst", Day(due));
    if (auto w = Write(path, suppliers::Compress(jsonl, suppliers::Compression::kZstd), due + delay); !w) {
      return Fail(w.error());
    }
  }

  auto cron = [](TimePoint t) {
    std::string s = FormatTime(t);  // 2026-11-27T08:15:00Z
    return fmt::format("{} {} * * *", std::stoi(s.substr(14, 2)), std::stoi(s.substr(11, 2)));
  };
  return fmt::format(R"toml(
[suppliers]

[[suppliers.feeds]]
name = "parcel rates"
supplier = "Northwind Data"
folder = "drops/northwind"
glob = "parcel-rates-*.csv.gz"
schedule = "{rates}"
timezone = "UTC"
grace = "1h"
downstream = ["pricing API"]
min_rows = 100
max_row_change = "20%"
unique_key = ["carrier", "zone", "weight_max_kg"]
[[suppliers.feeds.columns]]
name = "carrier"
allowed = ["DHL", "UPS", "DPD", "GLS"]
[[suppliers.feeds.columns]]
name = "price_eur"
type = "number"
max_null_rate = "0%"
[[suppliers.feeds.columns]]
name = "valid_from"
type = "date"
max_age = "2d"

[[suppliers.feeds]]
name = "customs codes"
supplier = "Fabrikam Trade"
folder = "drops/fabrikam"
glob = "customs-codes-*.jsonl.zst"
schedule = "{customs}"
timezone = "UTC"
grace = "2h"
downstream = ["checkout", "customs declarations"]
min_rows = 50
[[suppliers.feeds.columns]]
name = "hs_code"
unique = true
[[suppliers.feeds.columns]]
name = "duty_rate"
type = "number"
)toml",
                     fmt::arg("rates", cron(rates_due)), fmt::arg("customs", cron(customs_due)));
}

Result<std::string> WriteDemoSupport(const std::filesystem::path& dir, TimePoint now) {
  std::mt19937 rng(7);
  struct Theme {
    std::vector<const char*> subjects;
    std::vector<const char*> bodies;
    std::array<int, 6> per_week;  // oldest first; [5] = the last 7 days
    bool enterprise;
  };
  const std::vector<Theme> themes = {
      {{"Password reset email never arrives", "Cannot reset my password", "Password reset link expired"},
       {"I requested a password reset three times and no email came.",
        "The reset link says it has expired as soon as I open it.",
        "Locked out of my account, the password reset does not work."},
       {14, 16, 13, 15, 14, 15}, false},
      {{"Tracking page not updating", "Parcel tracking shows wrong status", "Tracking stuck"},
       {"The tracking page has shown 'in transit' for four days.",
        "My customer says the parcel arrived but tracking still shows it in the depot.",
        "Tracking status is not updated since Monday."},
       {11, 12, 10, 12, 11, 12}, false},
      {{"Label printing slow", "Shipping label printer error", "Labels print blank margins"},
       {"Printing a shipping label takes over a minute.",
        "The label printer integration throws an error on every second label.",
        "Shipping labels print with a blank margin and the barcode is cut."},
       {8, 9, 8, 7, 9, 8}, false},
      {{"Invoice PDF is blank", "Blank invoice PDF", "Invoice download empty"},
       {"Since the last update the invoice PDF downloads as a blank page.",
        "Our accountant says every invoice PDF this month is empty.",
        "The invoice PDF opens but it is completely blank, we need it for our books."},
       {1, 2, 1, 2, 3, 24}, false},
      {{"SSO login fails", "SAML SSO error", "SSO login loop"},
       {"Our SSO login fails with a SAML assertion error for all users.",
        "After the IdP certificate change, SSO login redirects in a loop.",
        "SSO login is broken for our whole team since this morning."},
       {2, 1, 2, 2, 2, 6}, true},
  };
  const std::vector<const char*> names = {"Maria", "John", "Aisha", "Wei", "Lukas", "Sofia", "Tom", "Priya"};
  std::string csv = "Ticket ID,Created at,Subject,Description,Organization,Plan,ARR\n";
  int id = 52000;
  std::vector<std::pair<TimePoint, std::string>> rows;
  for (const Theme& t : themes) {
    for (int w = 0; w < 6; ++w) {
      for (int k = 0; k < t.per_week[static_cast<size_t>(w)]; ++k) {
        TimePoint created = now - std::chrono::days(42 - 7 * w) +
                            std::chrono::minutes(1 + rng() % (7 * 24 * 60 - 2));
        const char* name = names[rng() % names.size()];
        std::string body = fmt::format("Hi, {} Please call me on +44 20 7946 {:04d} or write to {}.{}@example.com. "
                                       "Thanks, {}",
                                       t.bodies[rng() % t.bodies.size()], static_cast<int>(rng() % 10000), name,
                                       static_cast<int>(rng() % 100), name);
        std::string org, plan, arr;
        if (t.enterprise) {
          org = fmt::format("Globex {}", rng() % 3);
          plan = "enterprise";
          arr = fmt::format("{}", 180000 + (rng() % 5) * 10000);
        } else {
          org = fmt::format("Shop {}", rng() % 150);
          plan = std::array{"free", "starter", "pro"}[rng() % 3];
          arr = plan == std::string("free") ? "0" : fmt::format("{}", 300 + rng() % 4000);
        }
        // Quote the free text: it contains commas.
        auto q = [](std::string s) {
          std::string out = "\"";
          for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
          return out + "\"";
        };
        rows.emplace_back(created, fmt::format("{},{},{},{},{},{},{}\n", id++,
                                               FormatTime(created).replace(10, 1, " ").substr(0, 19),
                                               q(t.subjects[rng() % t.subjects.size()]), q(body), q(org), plan, arr));
      }
    }
  }
  std::sort(rows.begin(), rows.end());
  for (const auto& [t, row] : rows) csv += row;
  auto path = dir / "support" / "tickets.csv";
  if (auto w = Write(path, csv, now - std::chrono::minutes(30)); !w) return Fail(w.error());
  return std::string(R"toml(
[feedback]
source = "support/tickets.csv"
free_plans = ["free"]
top_revenue_share = "10%"
[feedback.columns]
id = "Ticket ID"
created = "Created at"
subject = "Subject"
body = "Description"
customer = "Organization"
plan = "Plan"
revenue = "ARR"
)toml");
}

}  // namespace ctodesk
