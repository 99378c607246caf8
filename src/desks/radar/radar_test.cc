// The radar desk: end-of-life table, growth fits with known crossing dates,
// the radar file round trip and its ring history, the findings, and a whole
// run over repositories on disk.
#include "desks/radar/radar.h"

#include <cmath>
#include <fstream>
#include <random>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "desks/radar/svg.h"
#include "git/history.h"

namespace ctodesk::radar {
namespace {

TimePoint At(const char* s) { return *ParseTime(s); }

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("radar_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }
  void Write(const std::string& rel, const std::string& text) const {
    auto p = path_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

// --- settings ---

TEST(Settings, ReadsReposEolOverridesAndMeasures) {
  auto reader = ConfigReader::FromString(R"toml(
[radar]
radar_file = "radar.csv"
active_days = 30
[[radar.repos]]
path = "repos/shop-web"
[[radar.repos]]
name = "admin"
path = "repos/admin-console"
[[radar.eol]]
product = "NodeJS"
cycle = "18"
date = 2030-01-01
[[radar.measures]]
name = "orders"
database = "shop.db"
sql = "SELECT count(*) FROM orders"
threshold = 5e8
unit = "rows"
[[radar.measures]]
name = "uploads"
path = "uploads"
threshold = 1e12
)toml",
                                         "ctodesk.toml", "/srv/acme");
  ASSERT_TRUE(reader);
  auto root = (*reader)->Root();
  auto section = root.Table("radar");
  ASSERT_TRUE(section);
  Settings s = ReadSettings(*section);
  (*reader)->Finish();
  EXPECT_EQ((*reader)->IssuesText(), "");
  ASSERT_EQ(s.repos.size(), 2u);
  EXPECT_EQ(s.repos[0].name, "shop-web");
  EXPECT_EQ(s.repos[1].name, "admin");
  EXPECT_EQ(s.repos[1].path, std::filesystem::path("/srv/acme/repos/admin-console"));
  EXPECT_EQ(s.active_days, 30);
  RadarDesk desk(s);
  EXPECT_EQ(FindEol(desk.EolTable(), "nodejs", "18.19")->eol, std::chrono::sys_days(std::chrono::year{2030} / 1 / 1));
  ASSERT_EQ(s.measures.size(), 2u);
  EXPECT_EQ(s.measures[0].threshold, 5e8);
  EXPECT_EQ(s.measures[1].unit, "bytes");
}

TEST(Settings, ReposFromListsEverySubfolder) {
  TempDir dir;
  dir.Write("checkouts/beta/package.json", R"({"dependencies": {"react": "^18"}})");
  dir.Write("checkouts/alpha/go.mod", "module a\n\ngo 1.22\n");
  dir.Write("checkouts/.cache/package.json", "{}");
  dir.Write("checkouts/notes.txt", "not a repository");
  auto reader = ConfigReader::FromString("[radar]\nrepos_from = \"checkouts\"\n[[radar.repos]]\nname = \"beta\"\n"
                                         "path = \"elsewhere/beta\"\n",
                                         "ctodesk.toml", dir.path());
  ASSERT_TRUE(reader);
  auto section = (*reader)->Root().Table("radar");
  RadarDesk desk(ReadSettings(*section));
  (*reader)->Finish();
  EXPECT_EQ((*reader)->IssuesText(), "");
  auto repos = desk.Repositories();
  ASSERT_EQ(repos.size(), 2u);  // the configured beta wins over checkouts/beta
  EXPECT_EQ(repos[0].path, dir.path() / "elsewhere/beta");
  EXPECT_EQ(repos[1].name, "alpha");
  Inventory inv = desk.ReadRepos();
  EXPECT_NE(inv.Find("go"), nullptr);
  EXPECT_EQ(inv.Find("npm:react"), nullptr);  // elsewhere/beta does not exist
  EXPECT_FALSE(inv.repos[0].error.empty());
}

TEST(Settings, ErrorsNameTheKey) {
  auto reader = ConfigReader::FromString(R"toml(
[radar]
[[radar.repos]]
path = "a"
[[radar.repos]]
path = "b/a"
[[radar.measures]]
name = "orders"
sql = "SELECT 1"
threshold = -3
)toml",
                                         "ctodesk.toml", "/srv");
  ASSERT_TRUE(reader);
  auto section = (*reader)->Root().Table("radar");
  ReadSettings(*section);
  std::string issues = (*reader)->IssuesText();
  EXPECT_NE(issues.find("ctodesk.toml:6:8: radar.repos[1].path: another repository is already named \"a\""),
            std::string::npos) << issues;
  EXPECT_NE(issues.find("radar.measures[0].database: sql and database go together"), std::string::npos) << issues;
  EXPECT_NE(issues.find("radar.measures[0].threshold: expected a number above 0, got -3"), std::string::npos)
      << issues;
}

// --- end of life ---

TEST(Eol, BuiltinTableParsesAndHasRealDates) {
  const auto& table = BuiltinEol();
  ASSERT_GT(table.size(), 80u);
  auto node16 = FindEol(table, "nodejs", "^16.2.0");
  ASSERT_TRUE(node16);
  EXPECT_EQ(FormatTime(TimePoint(node16->eol.time_since_epoch())), "2023-09-11T00:00:00Z");
  auto py310 = FindEol(table, "python", "3.10.4");
  ASSERT_TRUE(py310);
  EXPECT_EQ(py310->cycle, "3.10");  // never "3.1"
  EXPECT_EQ(FindEol(table, "postgresql", "13-alpine")->cycle, "13");
  EXPECT_EQ(FindEol(table, "debian", "bullseye-slim")->cycle, "11");
  EXPECT_FALSE(FindEol(table, "postgresql", "latest"));
  EXPECT_FALSE(FindEol(table, "nodejs", "99"));
}

TEST(Eol, OverridesReplaceAndExtend) {
  auto merged = MergeEol(BuiltinEol(), {{"nodejs", "18", std::chrono::sys_days(std::chrono::year{2030} / 1 / 1)},
                                        {"acme-runtime", "2", std::chrono::sys_days(std::chrono::year{2027} / 6 / 1)}});
  EXPECT_EQ(FindEol(merged, "nodejs", "18.19.0")->eol, std::chrono::sys_days(std::chrono::year{2030} / 1 / 1));
  EXPECT_TRUE(FindEol(merged, "acme-runtime", "2.4"));
  EXPECT_EQ(merged.size(), BuiltinEol().size() + 1);
}

TEST(Eol, BadTableNamesLine) {
  auto bad = ParseEolTable("product,cycle,eol\nnodejs,18,2025-04-30\nnodejs,20,soon\n", "eol.csv");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "eol.csv:3: expected a date such as 2026-04-30, got \"soon\"");
}

TEST(Eol, ProductsOfDependencies) {
  EXPECT_EQ(EolProduct({"docker", "bitnami/postgresql", "14"}), "postgresql");
  EXPECT_EQ(EolProduct({"docker", "golang", "1.19"}), "go");
  EXPECT_EQ(EolProduct({"runtime", "node", "16"}), "nodejs");
  EXPECT_EQ(EolProduct({"gem", "rails", "6.1"}), "rails");
  EXPECT_EQ(EolProduct({"npm", "react", "18"}), "");
}

// --- growth ---

std::vector<Sample> Series(TimePoint start, int days, const std::function<double(double)>& f, double noise = 0) {
  std::mt19937 rng(42);
  std::normal_distribution<double> n(0, 1);
  std::vector<Sample> out;
  for (int d = 0; d < days; d += 3) {
    double v = f(d);
    out.push_back({start + std::chrono::days(d), v * (1 + noise * n(rng))});
  }
  return out;
}

TEST(Growth, LinearSeriesCrossesWhenExpected) {
  // 100 M rows growing 1 M a day: 500 M on day 400.
  const TimePoint start = At("2026-01-01");
  auto samples = Series(start, 90, [](double d) { return 100e6 + 1e6 * d; });
  auto fit = FitGrowth(samples);
  ASSERT_TRUE(fit);
  EXPECT_EQ(fit->model, GrowthModel::kLinear);
  auto crossing = fit->Crossing(500e6);
  ASSERT_TRUE(crossing);
  EXPECT_LE(std::abs(std::chrono::duration<double>(*crossing - (start + std::chrono::days(400))).count()), 3600.0);
}

TEST(Growth, ExponentialSeriesIsChosenAndCrossesWhenExpected) {
  // Doubling every 60 days from 10 M: 320 M after 5 doublings, day 300.
  const TimePoint start = At("2026-01-01");
  auto samples = Series(start, 120, [](double d) { return 10e6 * std::pow(2.0, d / 60.0); }, 0.01);
  auto fit = FitGrowth(samples);
  ASSERT_TRUE(fit);
  EXPECT_EQ(fit->model, GrowthModel::kExponential);
  auto crossing = fit->Crossing(320e6);
  ASSERT_TRUE(crossing);
  const double off_days = std::chrono::duration<double>(*crossing - (start + std::chrono::days(300))).count() / 86400;
  EXPECT_LT(std::abs(off_days), 10.0) << off_days;
  // The linear fit of the same series would be far later.
  auto lin = FitLinear(samples);
  ASSERT_TRUE(lin);
  EXPECT_GT(lin->rss, fit->rss);
  EXPECT_GT(*lin->Crossing(320e6), *crossing + std::chrono::days(60));
}

TEST(Growth, FlatOrTooFewSamplesNeverCross) {
  const TimePoint start = At("2026-01-01");
  auto flat = Series(start, 60, [](double) { return 5.0; });
  auto fit = FitGrowth(flat);
  ASSERT_TRUE(fit);
  EXPECT_FALSE(fit->Crossing(10));
  std::vector<Sample> two = {{start, 1}, {start + std::chrono::days(1), 2}};
  EXPECT_FALSE(FitGrowth(two));
  std::vector<Sample> same_time = {{start, 1}, {start, 2}, {start, 3}};
  EXPECT_FALSE(FitGrowth(same_time));
  std::vector<Sample> with_zero = {{start, 0}, {start + std::chrono::days(1), 2}, {start + std::chrono::days(2), 4}};
  EXPECT_FALSE(FitExponential(with_zero));
  EXPECT_TRUE(FitGrowth(with_zero));  // linear still fits
}

TEST(Growth, MeasuresSqlPathAndCommand) {
  TempDir dir;
  const auto db_path = dir.path() / "shop.db";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE orders(id INTEGER); INSERT INTO orders VALUES (1),(2),(3);", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  Measure sql{"orders", "orders", "", {}, db_path, "SELECT count(*) FROM orders", 10};
  EXPECT_EQ(TakeMeasure(sql).value(), 3);
  Measure bad_sql = sql;
  bad_sql.sql = "SELECT count(*) FROM nope";
  auto e = TakeMeasure(bad_sql);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("measure \"orders\": sql: no such table: nope"), std::string::npos);
  dir.Write("data/a.bin", std::string(1000, 'x'));
  dir.Write("data/sub/b.bin", std::string(234, 'y'));
  Measure size{"data", "data", "", dir.path() / "data"};
  EXPECT_EQ(TakeMeasure(size).value(), 1234);
  Measure cmd{"queue", "queue", "echo 'depth: 42.5'"};
  EXPECT_EQ(TakeMeasure(cmd).value(), 42.5);
  Measure words{"queue", "queue", "echo nothing"};
  ASSERT_FALSE(TakeMeasure(words));
  EXPECT_NE(TakeMeasure(words).error().message.find("printed no number"), std::string::npos);
}

// --- the radar file ---

std::vector<Blip> SampleRadar() {
  return {{"React", Ring::kAdopt, "Languages & Frameworks", false, "Our UI standard"},
          {"AngularJS", Ring::kHold, "Languages & Frameworks", false, "End of life; migrate to React"},
          {"PostgreSQL", Ring::kAdopt, "Platforms", false, "Default database, \"boring\" on purpose"},
          {"Elasticsearch", Ring::kTrial, "Platforms", true, "Search, in trial, with commas, and quotes"}};
}

TEST(RadarFile, CsvRoundTrip) {
  auto radar = SampleRadar();
  std::string csv = RadarToCsv(radar);
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "name,ring,quadrant,isNew,description");
  auto back = ParseRadar(csv, "radar.csv");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, radar);
}

TEST(RadarFile, JsonRoundTripAndByorStatus) {
  auto radar = SampleRadar();
  auto back = ParseRadar(RadarToJson(radar), "radar.json");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, radar);
  // A BYOR export with "status" instead of isNew, capitalised rings, a BOM.
  auto byor = ParseRadarCsv("\xEF\xBB\xBFname,ring,quadrant,status,description\nKafka,Trial,Platforms,New,x\n"
                            "Redis,ADOPT,Platforms,Moved In,\n",
                            "byor.csv");
  ASSERT_TRUE(byor) << byor.error().message;
  ASSERT_EQ(byor->size(), 2u);
  EXPECT_TRUE((*byor)[0].is_new);
  EXPECT_EQ((*byor)[1].ring, Ring::kAdopt);
  EXPECT_FALSE((*byor)[1].is_new);
}

TEST(RadarFile, NamesFoldCaseAndPunctuationButKeepLanguages) {
  EXPECT_EQ(NormalizeName("Node.js"), "nodejs");
  EXPECT_EQ(NormalizeName("PostgreSQL"), NormalizeName("postgresql"));
  EXPECT_NE(NormalizeName("C++"), NormalizeName("C"));
  EXPECT_NE(NormalizeName("C#"), NormalizeName("C"));
  EXPECT_NE(NormalizeName("C#"), NormalizeName("C++"));
  // C and C++ on one radar are two blips, not a duplicate.
  auto both = ParseRadar("name,ring,quadrant,isNew,description\nC,hold,Languages,FALSE,\nC++,adopt,Languages,FALSE,\n",
                         "radar.csv");
  ASSERT_TRUE(both) << both.error().message;
  EXPECT_EQ(both->size(), 2u);
}

TEST(RadarFile, BadFilesNameLineAndField) {
  auto ring = ParseRadar("name,ring,quadrant,isNew,description\nReact,adopt,Tools,FALSE,\nVue,maybe,Tools,FALSE,\n",
                         "radar.csv");
  ASSERT_FALSE(ring);
  EXPECT_EQ(ring.error().message, "radar.csv:3: ring: expected adopt, trial, assess or hold, got \"maybe\"");
  auto header = ParseRadar("name,ring,isNew\nReact,adopt,FALSE\n", "radar.csv");
  ASSERT_FALSE(header);
  EXPECT_NE(header.error().message.find("radar.csv:1: header: missing column \"quadrant\""), std::string::npos);
  auto dup = ParseRadar("name,ring,quadrant,isNew,description\nReact,adopt,Tools,FALSE,\nreact,hold,Tools,FALSE,\n",
                        "radar.csv");
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.error().message.find("radar.csv:3: name: \"react\" is already on the radar"), std::string::npos);
  auto five = ParseRadar(R"([{"name":"a","ring":"adopt","quadrant":"1","isNew":false},
 {"name":"b","ring":"adopt","quadrant":"2","isNew":false},{"name":"c","ring":"adopt","quadrant":"3","isNew":false},
 {"name":"d","ring":"adopt","quadrant":"4","isNew":false},{"name":"e","ring":"adopt","quadrant":"5","isNew":false}])",
                         "radar.json");
  ASSERT_FALSE(five);
  EXPECT_NE(five.error().message.find("radar.json: entry 5: quadrant: a radar has at most four quadrants"),
            std::string::npos);
  auto is_new = ParseRadar(R"([{"name":"a","ring":"adopt","quadrant":"1","isNew":"perhaps"}])", "radar.json");
  ASSERT_FALSE(is_new);
  EXPECT_NE(is_new.error().message.find("radar.json: entry 1: isNew: expected TRUE or FALSE"), std::string::npos);
  auto not_json = ParseRadar("[\n{\"name\": }\n]", "radar.json");
  ASSERT_FALSE(not_json);
  EXPECT_EQ(not_json.error().message, "radar.json:2: not valid JSON");
}

TEST(RadarFile, RingHistoryRecordsMovesOnly) {
  auto store = NewMemoryStore();
  auto radar = SampleRadar();
  auto first = RecordRadar(*store, radar, At("2026-06-01"), true);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->added, 4);
  auto again = RecordRadar(*store, radar, At("2026-07-01"), true);
  EXPECT_EQ(again->unchanged, 4);
  radar[3].ring = Ring::kAdopt;  // Elasticsearch: trial -> adopt
  radar.erase(radar.begin() + 1);  // AngularJS leaves the radar
  auto moved = RecordRadar(*store, radar, At("2026-09-01"), true);
  EXPECT_EQ(moved->moved, 1);
  EXPECT_EQ(moved->removed, 1);
  auto history = RingHistory(*store, "elastic search");  // any spelling
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ(history->at(0).ring, Ring::kTrial);
  EXPECT_EQ(history->at(1).ring, Ring::kAdopt);
  EXPECT_EQ(history->at(1).at, At("2026-09-01"));
  auto current = CurrentRadar(*store);
  ASSERT_TRUE(current);
  EXPECT_EQ(current->size(), 3u);
  auto angular = RingHistory(*store, "AngularJS");
  ASSERT_EQ(angular->size(), 2u);
  EXPECT_FALSE(angular->back().ring.has_value());
}

TEST(RadarSvg, SelfContainedWithTitleDescAndEscaping) {
  auto radar = SampleRadar();
  radar.push_back({"<script>", Ring::kAssess, "Tools", false, ""});
  std::string svg = RadarSvg(radar, {"angularjs", "react"}, "Acme & Co", {{"angularjs", Ring::kTrial}});
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_NE(svg.find("<title id=\"radar-title\">Acme &amp; Co Technology radar</title>"), std::string::npos);
  EXPECT_NE(svg.find("<desc id=\"radar-desc\">5 technologies in 3 quadrants"), std::string::npos);
  EXPECT_NE(svg.find("1 hold-ring technology in use is drawn in red"), std::string::npos);
  EXPECT_EQ(svg.find("<script>"), std::string::npos);
  EXPECT_NE(svg.find("&lt;script&gt;"), std::string::npos);
  EXPECT_EQ(svg.find("href"), std::string::npos);
  EXPECT_NE(svg.find("AngularJS (hold, Languages &amp; Frameworks), in use, moved from trial</title>"),
            std::string::npos);
}

// --- findings ---

Inventory TwoRepos() {
  ParsedManifest admin;
  admin.deps = {{"npm", "angular", "1.8.3", "package.json", 5},
                {"docker", "node", "16-alpine", "Dockerfile", 1},
                {"npm", "lodash", "^3.10.1", "package.json", 6}};
  ParsedManifest billing;
  billing.deps = {{"docker", "python", "3.7-slim", "Dockerfile", 1},
                  {"runtime", "nodejs", ">=12", "package.json", 2},  // a lower bound: no release line
                  {"docker", "postgres", "13", "docker-compose.yml", 4},
                  {"npm", "lodash", "^4.17.21", "package.json", 3},
                  {"npm", "left-pad", "^1.3.0", "package.json", 4}};
  ParsedManifest web;
  web.deps = {{"npm", "lodash", "2.4.2", "package.json", 3}, {"npm", "react", "^18.2.0", "package.json", 4}};
  web.issues = {{"web/package-lock.json", 12, "not valid JSON: syntax error"}};
  Inventory inv = BuildInventory({{"admin", admin}, {"billing", billing}, {"web", web}});
  inv.repos = {{"admin", "/r/admin", 2, At("2026-11-20")},
               {"billing", "/r/billing", 3, At("2026-11-01")},
               {"web", "/r/web", 1, At("2026-01-01")}};
  return inv;
}

const Finding* FindKind(const std::vector<Finding>& fs, std::string_view kind, std::string_view subject) {
  for (const Finding& f : fs) {
    if (f.kind == kind && f.subject == subject) return &f;
  }
  return nullptr;
}

TEST(Assess, HoldEolUnknownMajorsAndUnreadable) {
  const TimePoint now = At("2026-11-27T08:00:00Z");
  Settings settings;
  auto findings = AssessInventory(TwoRepos(), SampleRadar(), BuiltinEol(), settings, now);

  const Finding* hold = FindKind(findings, "hold-in-use", "AngularJS");
  ASSERT_NE(hold, nullptr);
  EXPECT_EQ(hold->severity, Severity::kThisWeek);
  EXPECT_NE(hold->title.find("admin, changed 7 days ago"), std::string::npos) << hold->title;
  EXPECT_FALSE(hold->plain.risk.empty());

  const Finding* node = FindKind(findings, "end-of-life", "Node.js 16");
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->severity, Severity::kToday);
  EXPECT_NE(node->title.find("2023-09-11"), std::string::npos);
  EXPECT_NE(node->plain.risk.find("11 September 2023"), std::string::npos);
  const Finding* python = FindKind(findings, "end-of-life", "Python 3.7");
  ASSERT_NE(python, nullptr);
  EXPECT_NE(python->title.find("billing"), std::string::npos);
  const Finding* angular_eol = FindKind(findings, "end-of-life", "AngularJS 1");
  ASSERT_NE(angular_eol, nullptr);
  EXPECT_EQ(FindKind(findings, "end-of-life", "Node.js 12"), nullptr);
  // PostgreSQL 13 ended 2025-11-13: passed too; nothing is "soon" here.
  EXPECT_NE(FindKind(findings, "end-of-life", "PostgreSQL 13"), nullptr);

  const Finding* majors = FindKind(findings, "many-major-versions", "lodash");
  ASSERT_NE(majors, nullptr);
  EXPECT_EQ(majors->severity, Severity::kFyi);
  EXPECT_NE(majors->detail.find("2 in web; 3 in admin; 4 in billing"), std::string::npos) << majors->detail;

  EXPECT_NE(FindKind(findings, "not-on-radar", "Node.js"), nullptr);
  EXPECT_NE(FindKind(findings, "not-on-radar", "Python"), nullptr);
  EXPECT_EQ(FindKind(findings, "not-on-radar", "PostgreSQL"), nullptr);  // on the radar
  const Finding* libs = FindKind(findings, "not-on-radar", "libraries");
  ASSERT_NE(libs, nullptr);
  EXPECT_NE(libs->detail.find("left-pad (1)"), std::string::npos);
  EXPECT_EQ(libs->detail.find("react"), std::string::npos);  // React is on the radar

  const Finding* unreadable = FindKind(findings, "manifest-unreadable", "web/package-lock.json");
  ASSERT_NE(unreadable, nullptr);
  EXPECT_EQ(unreadable->title, "web/package-lock.json:12 could not be read: not valid JSON: syntax error");
  for (const Finding& f : findings) {
    EXPECT_FALSE(f.plain.risk.empty()) << f.kind << " " << f.subject;
    EXPECT_EQ(f.plain.risk.find(".json"), std::string::npos) << f.plain.risk;
  }
}

TEST(Assess, HoldInQuietRepositoryAndEolSoon) {
  Inventory inv = TwoRepos();
  inv.repos[0].last_change = At("2026-06-01");  // admin quiet for months
  Settings settings;
  auto findings = AssessInventory(inv, SampleRadar(), BuiltinEol(), settings, At("2026-11-27"));
  EXPECT_EQ(FindKind(findings, "hold-in-use", "AngularJS"), nullptr);
  // Node.js 20 ends 2026-04-30: 60 days before that it is "soon".
  ParsedManifest m;
  m.deps = {{"runtime", "node", "20.11.0", ".nvmrc", 1}};
  Inventory soon = BuildInventory({{"api", m}});
  auto f = AssessInventory(soon, {}, BuiltinEol(), settings, At("2026-03-01"));
  const Finding* eol = FindKind(f, "end-of-life-soon", "Node.js 20");
  ASSERT_NE(eol, nullptr);
  EXPECT_EQ(eol->severity, Severity::kThisWeek);
  EXPECT_NE(eol->title.find("in 60 days"), std::string::npos) << eol->title;
  EXPECT_TRUE(AssessInventory(soon, {}, BuiltinEol(), settings, At("2025-06-01")).size() == 1);  // only not-on-radar
}

TEST(Assess, MeasureCrossingWithinSixMonths) {
  Settings settings;
  Measure m{"orders rows", "orders", "", {}, "shop.db", "SELECT 1", 500e6, "rows", "plan the move to a warehouse"};
  MeasureStatus s;
  s.measure = &m;
  const TimePoint now = At("2026-11-27");
  // 200 M now, +1.5 M a day: 500 M in 200 days (about 7 months).
  s.samples = Series(now - std::chrono::days(90), 91, [](double d) { return 65e6 + 1.5e6 * d; });
  s.latest = s.samples.back().value;
  s.fit = FitGrowth(s.samples);
  s.crossing = s.fit->Crossing(m.threshold);
  settings.horizon_days = 183;
  EXPECT_TRUE(AssessMeasures({s}, settings, now).empty());  // 200 days away: beyond 6 months
  settings.horizon_days = 240;
  auto f = AssessMeasures({s}, settings, now);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].severity, Severity::kThisWeek);
  EXPECT_EQ(f[0].title.rfind("orders will pass 500 M rows in about 7 months (", 0), 0u) << f[0].title;
  EXPECT_NE(f[0].title.find("): plan the move to a warehouse"), std::string::npos);
  s.latest = 501e6;
  auto past = AssessMeasures({s}, settings, now);
  ASSERT_EQ(past.size(), 1u);
  EXPECT_EQ(past[0].kind, "threshold-passed");
}

TEST(Inventory, WorkspaceMembersAreNotDependencies) {
  ParsedManifest root;
  root.package = "shop";
  root.workspaces = {"packages/*"};
  root.deps = {{"npm", "ui-kit", "^1.0.0", "package.json", 4}, {"npm", "react", "^18", "package.json", 5}};
  ParsedManifest member;
  member.package = "ui-kit";
  member.deps = {{"npm", "react", "^18", "packages/ui-kit/package.json", 3}};
  ParsedManifest other;  // another repository depending on the published ui-kit
  other.deps = {{"npm", "ui-kit", "^1.0.0", "package.json", 2}};
  Inventory inv = BuildInventory({{"shop", root}, {"shop", member}, {"admin", other}});
  const Technology* kit = inv.Find("npm:ui-kit");
  ASSERT_NE(kit, nullptr);
  EXPECT_EQ(kit->Repos(), std::set<std::string>{"admin"});
  EXPECT_EQ(inv.Find("npm:react")->usages.size(), 2u);
}

TEST(Assess, GithubActionsMatchTheirRadarEntry) {
  ParsedManifest ci;
  ci.deps = {{"github-action", "actions/checkout", "v4", ".github/workflows/ci.yml", 6}};
  Inventory inv = BuildInventory({{"web", ci}});
  std::vector<Blip> radar = {{"GitHub Actions", Ring::kAdopt, "Tools", false, ""}};
  ASSERT_NE(MatchBlip(inv.technologies.at(0), radar), nullptr);
  EXPECT_TRUE(AssessInventory(inv, radar, BuiltinEol(), Settings{}, At("2026-11-27")).empty());
}

// --- a whole run ---

TEST(RadarDesk, RunsOverRepositoriesOnDisk) {
  TempDir dir;
  // A git repository whose last commit is recent, using AngularJS (hold).
  auto writer = git::RepoWriter::Create(dir.path() / "admin");
  ASSERT_TRUE(writer);
  const TimePoint now = At("2026-11-27T08:00:00Z");
  ASSERT_TRUE((*writer)->Commit({"Ann", "ann@example.com"}, ToUnix(now) - 5 * 86400,
                                {{"package.json", R"({"dependencies": {"angular": "1.8.3"}})"},
                                 {"node_modules/x/package.json", R"({"dependencies": {"evil": "1"}})"}},
                                "init"));
  ASSERT_TRUE((*writer)->Checkout());
  // A plain folder with a broken manifest and an end-of-life image.
  dir.Write("billing/docker-compose.yml", "services:\n  db:\n    image: postgres:11\n");
  dir.Write("billing/requirements.txt", "django==3.2.23\nnot a requirement\n");
  dir.Write("radar.csv", RadarToCsv(SampleRadar()));
  const auto db_path = dir.path() / "shop.db";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE orders(id INTEGER); INSERT INTO orders VALUES (1),(2);", nullptr, nullptr,
                         nullptr),
            SQLITE_OK);
  sqlite3_close(db);

  Settings settings;
  settings.repos = {{"admin", dir.path() / "admin"}, {"billing", dir.path() / "billing"},
                    {"gone", dir.path() / "missing"}};
  settings.radar_file = dir.path() / "radar.csv";
  settings.measures = {{"orders rows", "orders", "", {}, db_path, "SELECT count(*) FROM orders", 3, "rows"}};
  RadarDesk desk(settings);
  auto store = NewMemoryStore();
  // Seed history: 1 row 60 days ago, growing.
  ASSERT_TRUE(store->AppendChecks({{"radar", "measure:orders rows", now - std::chrono::days(60), true, 1.0, "{}"},
                                   {"radar", "measure:orders rows", now - std::chrono::days(30), true, 1.5, "{}"}}));
  FixedClock clock(now);
  DeskContext ctx{*store, clock, dir.path()};
  auto report = desk.Run(ctx);
  ASSERT_TRUE(report) << report.error().message;

  EXPECT_NE(FindKind(report->findings, "hold-in-use", "AngularJS"), nullptr);
  EXPECT_NE(FindKind(report->findings, "end-of-life", "PostgreSQL 11"), nullptr);
  EXPECT_NE(FindKind(report->findings, "end-of-life", "Django 3.2"), nullptr);
  const Finding* broken = FindKind(report->findings, "manifest-unreadable", "billing/requirements.txt");
  ASSERT_NE(broken, nullptr);
  EXPECT_NE(broken->title.find("billing/requirements.txt:2"), std::string::npos);
  EXPECT_NE(FindKind(report->findings, "repo-unreadable", "gone"), nullptr);
  const Finding* growth = FindKind(report->findings, "threshold-ahead", "orders rows");
  ASSERT_NE(growth, nullptr) << "samples 1, 1.5, 2 over 60 days cross 3 in about 2 months";
  for (const Finding& f : report->findings) {
    EXPECT_EQ(f.subject.find("evil"), std::string::npos);  // node_modules is not walked
  }
  ASSERT_EQ(report->figures.size(), 1u);
  EXPECT_NE(report->figures[0].svg.find("AngularJS"), std::string::npos);
  // The measure was recorded; the radar file's entries are in the store's ring history.
  auto samples = store->Checks("radar", "measure:orders rows", TimePoint{});
  ASSERT_EQ(samples->size(), 3u);
  EXPECT_EQ(samples->back().value, 2);
  EXPECT_EQ(CurrentRadar(*store)->size(), 4u);
}

TEST(RadarDesk, BadRadarFileFailsTheDeskNamingTheLine) {
  TempDir dir;
  dir.Write("radar.csv", "name,ring,quadrant,isNew,description\nReact,sometimes,Tools,FALSE,\n");
  Settings settings;
  settings.radar_file = dir.path() / "radar.csv";
  RadarDesk desk(settings);
  auto store = NewMemoryStore();
  FixedClock clock(At("2026-11-27"));
  DeskContext ctx{*store, clock, dir.path()};
  auto report = desk.Run(ctx);
  ASSERT_FALSE(report);
  EXPECT_NE(report.error().message.find("radar.csv:2: ring: expected adopt, trial, assess or hold"), std::string::npos);
}

}  // namespace
}  // namespace ctodesk::radar
