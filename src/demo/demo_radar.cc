#include "demo/demo_radar.h"

#include <cmath>
#include <fstream>
#include <vector>

#include <fmt/format.h>
#include <sqlite3.h>

#include "desks/radar/radar_file.h"
#include "git/history.h"
#include "store/store.h"

namespace ctodesk {

namespace {

using Edits = std::vector<git::RepoWriter::Edit>;

const git::Identity kMaya{"Maya Lind", "maya@acme-parcels.example"};
const git::Identity kRaj{"Raj Patel", "raj@acme-parcels.example"};

constexpr int kOrdersNow = 30000;      // rows in the demo's orders table today
constexpr double kOrdersLimit = 60000;  // the threshold: a warehouse beyond this
constexpr double kDoublingDays = 100;

Result<void> WriteText(const std::filesystem::path& path, const std::string& text) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) return Fail(Error::Io(fmt::format("{}: cannot write", path.string())));
  return {};
}

Result<void> WriteRepo(const std::filesystem::path& repo, TimePoint now,
                       const std::vector<std::tuple<const git::Identity*, int, Edits, const char*>>& steps) {
  auto w = git::RepoWriter::Create(repo);
  if (!w) return Fail(w.error());
  for (const auto& [who, days_ago, edits, message] : steps) {
    if (auto c = (*w)->Commit(*who, ToUnix(now) - std::int64_t{days_ago} * 86400, edits, message); !c) {
      return Fail(c.error());
    }
  }
  return (*w)->Checkout();
}

const char* kRadarCsv = R"csv(name,ring,quadrant,isNew,description
React,adopt,Languages & Frameworks,FALSE,Our standard for web front ends.
TypeScript,adopt,Languages & Frameworks,FALSE,All new front-end code.
AngularJS,hold,Languages & Frameworks,FALSE,"Unsupported since 2021; move screens to React as they are touched."
Django,trial,Languages & Frameworks,FALSE,Billing only; decide by the spring.
Node.js,adopt,Platforms,FALSE,LTS releases only.
Python,adopt,Platforms,FALSE,
PostgreSQL,adopt,Platforms,FALSE,Default database.
Redis,adopt,Platforms,FALSE,Caches and queues.
Elasticsearch,assess,Platforms,TRUE,Parcel search beyond a few million rows.
ClickHouse,assess,Platforms,TRUE,Candidate warehouse for order analytics.
GitHub Actions,adopt,Tools,FALSE,
Trunk-based development,trial,Techniques,FALSE,
)csv";

Result<void> WriteShopDb(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  std::filesystem::remove(path, ec);
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    sqlite3_close(db);
    return Fail(Error::Io(fmt::format("{}: cannot create the demo database", path.string())));
  }
  std::string sql = fmt::format(
      "CREATE TABLE orders(id INTEGER PRIMARY KEY, customer TEXT, parcels INTEGER);"
      "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < {})"
      " INSERT INTO orders SELECT x, 'customer-' || (x % 997), 1 + x % 5 FROM n;",
      kOrdersNow);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  std::string message = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  if (rc != SQLITE_OK) return Fail(Error::Io(fmt::format("{}: {}", path.string(), message)));
  return {};
}

}  // namespace

Result<std::string> WriteDemoRadar(const std::filesystem::path& dir, TimePoint now) {
  const auto repos = dir / "repos";
  if (auto r = WriteRepo(repos / "shop-web", now,
                         {{&kMaya, 200, {{"package.json", R"({
  "name": "shop-web",
  "private": true,
  "workspaces": ["packages/*"],
  "engines": { "node": ">=22" },
  "dependencies": {
    "react": "^18.3.1",
    "react-dom": "^18.3.1",
    "lodash": "^4.17.21",
    "ui-kit": "workspace:*"
  },
  "devDependencies": { "typescript": "~5.4.5", "vite": "^5.2.0" }
}
)"},
                                         {"packages/ui-kit/package.json", R"({"name": "ui-kit", "peerDependencies": {"react": "^18.0.0"}})"},
                                         {".nvmrc", "22\n"},
                                         {"Dockerfile", "FROM node:22-alpine AS build\nRUN npm ci && npm run build\nFROM nginx:1.27-alpine\n"},
                                         {".github/workflows/ci.yml",
                                          "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
                                          "      - uses: actions/checkout@v4\n      - uses: actions/setup-node@v4\n"}},
                           "shop: first version"},
                          {&kRaj, 3, {{"src/App.tsx", "export const App = () => null;\n"}}, "checkout button"}});
      !r) {
    return Fail(r.error());
  }
  if (auto r = WriteRepo(repos / "admin-console", now,
                         {{&kRaj, 900, {{"package.json", R"({
  "name": "admin-console",
  "dependencies": {
    "angular": "1.8.3",
    "angular-route": "1.8.3",
    "lodash": "^3.10.1",
    "moment": "^2.29.4"
  }
}
)"},
                                         {"Dockerfile", "FROM node:22-alpine\n"}},
                           "admin console"},
                          {&kMaya, 12, {{"app/refunds.js", "// refunds screen\n"}}, "refunds screen for support"}});
      !r) {
    return Fail(r.error());
  }
  if (auto r = WriteRepo(repos / "billing-api", now,
                         {{&kRaj, 400, {{"pyproject.toml", R"([tool.poetry]
name = "billing-api"
version = "2.3.0"

[tool.poetry.dependencies]
python = "^3.7"
django = "^3.2"
celery = { version = "^5.2", extras = ["redis"] }
invoice-pdf = { git = "https://git.acme-parcels.example/invoice-pdf.git", tag = "v1.4" }
)"},
                                         {"Dockerfile", "FROM python:3.7-slim\nCOPY . /app\n"},
                                         {"docker-compose.yml", "services:\n  db:\n    image: postgres:16\n"
                                                                "  cache:\n    image: redis:7.2\n"}},
                           "billing api"},
                          {&kRaj, 30, {{"billing/tax.py", "RATE = 0.2\n"}}, "tax rate"}});
      !r) {
    return Fail(r.error());
  }
  // A plain folder: its last change is the files' modification time.
  if (auto r = WriteText(repos / "docs-site" / "package.json",
                         "{\n  \"name\": \"docs-site\",\n  \"dependencies\": {\n    \"lodash\": \"2.4.2\",\n"
                         "    \"marked\": \"^4.3.0\"\n  }\n}\n");
      !r) {
    return Fail(r.error());
  }
  if (auto r = WriteText(repos / "docs-site" / "search" / "package.json",
                         "{\n  \"name\": \"docs-search\",\n  \"dependencies\": {\n    \"lunr\": \"^2.3.9\"\n"
                         "    \"lodash\": \"^4.17.21\"\n  }\n}\n");
      !r) {
    return Fail(r.error());
  }
  if (auto r = WriteText(dir / "radar.csv", kRadarCsv); !r) return Fail(r.error());
  if (auto r = WriteShopDb(dir / "data" / "shop.db"); !r) return Fail(r.error());

  // The store remembers: the radar as it was a year and half a year ago, and
  // the orders table's size each week since August.
  auto store = OpenSqliteStore(dir / ".ctodesk" / "desk.db");
  if (!store) return Fail(store.error());
  auto radar = radar::ParseRadarCsv(kRadarCsv, "radar.csv");
  if (!radar) return Fail(radar.error());
  auto year_ago = *radar;
  for (auto& b : year_ago) {
    if (b.name == "AngularJS") b.ring = radar::Ring::kTrial;
    if (b.name == "Django") b.ring = radar::Ring::kAssess;
  }
  std::erase_if(year_ago, [](const radar::Blip& b) { return b.is_new; });
  if (auto r = radar::RecordRadar(**store, year_ago, now - std::chrono::days(365), true); !r) return Fail(r.error());
  auto spring = year_ago;
  for (auto& b : spring) {
    if (b.name == "AngularJS") b.ring = radar::Ring::kHold;
  }
  if (auto r = radar::RecordRadar(**store, spring, now - std::chrono::days(200), true); !r) return Fail(r.error());
  std::vector<CheckRecord> samples;
  for (int days_ago = 119; days_ago >= 7; days_ago -= 7) {
    double rows = std::round(kOrdersNow * std::pow(2.0, -days_ago / kDoublingDays));
    samples.push_back({"radar", "measure:orders rows", now - std::chrono::days(days_ago), true, rows,
                       R"({"unit":"rows"})"});
  }
  if (auto r = (*store)->AppendChecks(samples); !r) return Fail(r.error());

  return fmt::format(R"toml(
# Technology: what the repositories use, against the company radar
# (radar.csv, Build Your Own Radar format), end-of-life dates shipped with
# ctodesk, and how fast the orders table grows.
[radar]
radar_file = "radar.csv"

[[radar.repos]]
path = "repos/shop-web"

[[radar.repos]]
path = "repos/admin-console"

[[radar.repos]]
path = "repos/billing-api"

[[radar.repos]]
path = "repos/docs-site"

[[radar.measures]]
name = "orders rows"
plain_name = "the orders table"
database = "data/shop.db"
sql = "SELECT count(*) FROM orders"
threshold = {:.0f}
unit = "rows"
action = "plan the move of order reporting to a warehouse"
)toml",
                     kOrdersLimit);
}

}  // namespace ctodesk
