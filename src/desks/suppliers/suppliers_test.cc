// Tests for the suppliers desk: delivery formats (CSV dialects, JSON lines and
// arrays, gzip and zstd, broken input with line numbers), every quality rule
// passing and failing, schedules in time zones across daylight-saving changes,
// the desk's findings and reliability over a memory store at a fixed instant,
// and the [suppliers] config reader's exact messages. Files live in a fresh
// temporary folder per test.
#include "desks/suppliers/suppliers.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <sstream>
#include <sys/mman.h>
#include <cstring>
#include <cmath>
#include <charconv>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "core/config.h"
#include "core/csv.h"
#include "desks/suppliers/csv_scan.h"
#include "store/store.h"

namespace ctodesk::suppliers {
namespace {

using namespace std::chrono_literals;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "suppliers_test.XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

void WriteFile(const std::filesystem::path& p, const std::string& bytes) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << bytes;
}

std::string Gzip(const std::string& text) {
  z_stream zs{};
  deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, static_cast<uLong>(text.size())) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  zs.avail_in = static_cast<uInt>(text.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string Zstd(const std::string& text) {
  std::string out(ZSTD_compressBound(text.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), text.data(), text.size(), 3);
  out.resize(n);
  return out;
}

void SetMtime(const std::filesystem::path& p, TimePoint t) {
  std::filesystem::last_write_time(p, std::chrono::file_clock::from_sys(t));
}

// Collects what a reader produced.
struct Collect : RecordSink {
  std::vector<std::string> columns;
  std::vector<std::pair<std::int64_t, std::vector<std::string>>> rows;
  std::vector<std::pair<std::int64_t, std::string>> malformed;
  void Columns(const std::vector<std::string>& c) override { columns = c; }
  void Row(std::int64_t line, const std::vector<std::string_view>& v) override {
    rows.emplace_back(line, std::vector<std::string>(v.begin(), v.end()));
  }
  void Malformed(std::int64_t line, std::string_view file, std::string what) override {
    malformed.emplace_back(line, MalformedMessage(file, line, what));
  }
};

// ------------------------------------------------------------------- formats

TEST(ReaderTest, FormatsAndCompression) {
  const std::string csv = "id,name,city\n1,Ann,Oslo\n2,\"Bo, Jr\",\"Line\nbreak\"\n3,Cy,\n";
  const std::string semi = "\xEF\xBB\xBFid;name;city\n1;Ann;Oslo\n2;\"Bo, Jr\";\"Line\nbreak\"\n3;Cy;\n";
  const std::string jsonl = "{\"id\":1,\"name\":\"Ann\",\"city\":\"Oslo\"}\n"
                            "{\"id\":2,\"name\":\"Bo, Jr\",\"city\":\"Line\\nbreak\"}\n\n"
                            "{\"id\":3,\"name\":\"Cy\",\"city\":null}\n";
  const std::string array = "[\n {\"id\":1,\"name\":\"Ann\",\"city\":\"Oslo\"},\n"
                            " {\"id\":2,\"name\":\"Bo, Jr\",\"city\":\"Line\\nbreak\"},\n"
                            " {\"id\":3,\"name\":\"Cy\"}\n]\n";
  struct Case {
    std::string name, file, bytes;
    Format format;
    Compression compression;
    std::vector<std::int64_t> lines;
  };
  const std::vector<Case> cases = {
      {"csv", "d.csv", csv, Format::kCsv, Compression::kNone, {2, 3, 5}},
      {"csv semicolon with BOM", "d.csv", semi, Format::kCsv, Compression::kNone, {2, 3, 5}},
      {"csv gzip", "d.csv.gz", Gzip(csv), Format::kCsv, Compression::kGzip, {2, 3, 5}},
      {"csv zstd", "d.csv.zst", Zstd(csv), Format::kCsv, Compression::kZstd, {2, 3, 5}},
      {"gzip without an extension", "delivery", Gzip(csv), Format::kCsv, Compression::kGzip, {2, 3, 5}},
      {"json lines", "d.jsonl", jsonl, Format::kJsonLines, Compression::kNone, {1, 2, 4}},
      {"json lines zstd", "d.ndjson.zst", Zstd(jsonl), Format::kJsonLines, Compression::kZstd, {1, 2, 4}},
      {"json array", "d.json", array, Format::kJsonArray, Compression::kNone, {2, 3, 4}},
      {"json array gzip", "d.json.gz", Gzip(array), Format::kJsonArray, Compression::kGzip, {2, 3, 4}},
  };
  TempDir dir;
  for (const Case& c : cases) {
    SCOPED_TRACE("case \"" + c.name + "\"");
    WriteFile(dir.path() / c.file, c.bytes);
    Collect sink;
    auto stats = ReadDelivery(dir.path() / c.file, Format::kAuto, sink);
    ASSERT_TRUE(stats.has_value()) << stats.error().message;
    EXPECT_EQ(stats->format, c.format);
    EXPECT_EQ(stats->compression, c.compression);
    EXPECT_EQ(stats->rows, 3);
    EXPECT_EQ(sink.columns, (std::vector<std::string>{"id", "name", "city"}));
    ASSERT_EQ(sink.rows.size(), 3u);
    EXPECT_TRUE(sink.malformed.empty()) << sink.malformed[0].second;
    std::vector<std::int64_t> lines;
    for (const auto& r : sink.rows) lines.push_back(r.first);
    EXPECT_EQ(lines, c.lines);
    EXPECT_EQ(sink.rows[1].second, (std::vector<std::string>{"2", "Bo, Jr", "Line\nbreak"}));
    EXPECT_EQ(sink.rows[2].second[2], "");  // empty, null or missing: all null
  }
}

TEST(ReaderTest, LargeGzipStreamsAcrossBuffers) {
  std::string csv = "n,text\n";
  for (int i = 0; i < 200000; ++i) csv += std::to_string(i) + ",\"row " + std::to_string(i) + "\"\n";
  TempDir dir;
  WriteFile(dir.path() / "big.csv.gz", Gzip(csv));
  WriteFile(dir.path() / "big.csv.zst", Zstd(csv));
  for (const char* name : {"big.csv.gz", "big.csv.zst"}) {
    SCOPED_TRACE(name);
    Collect sink;
    auto stats = ReadDelivery(dir.path() / name, Format::kAuto, sink);
    ASSERT_TRUE(stats.has_value()) << stats.error().message;
    EXPECT_EQ(stats->rows, 200000);
    EXPECT_EQ(sink.rows.back().second[1], "row 199999");
    EXPECT_EQ(sink.rows.back().first, 200001);
  }
}

TEST(ReaderTest, MalformedInputNamesTheLine) {
  struct Case {
    std::string name, file, bytes;
    std::string fatal;                                  // error that stops the read
    std::vector<std::pair<std::int64_t, std::string>> malformed;  // per-record problems
  };
  std::string csv = "id,name\n1,Ann\n2,Bo\n";
  const std::vector<Case> cases = {
      {"unterminated quote", "a.csv", "id,name\n1,Ann\n2,\"Bo\n3,Cy\n",
       "a.csv:5: unterminated quoted field (opened on line 3)", {}},
      {"ragged rows", "b.csv", "id,name,city\n1,Ann,Oslo\n2,Bo\n3,Cy,Rome,extra\n", "",
       {{3, "b.csv:3: expected 3 fields as in the header, got 2"},
        {4, "b.csv:4: expected 3 fields as in the header, got 4"}}},
      {"invalid utf-8", "c.csv", "id,name\n1,Ann\n2,B\xC3\x28o\n", "",
       {{3, "c.csv:3: invalid UTF-8 in column \"name\""}}},
      {"invalid utf-8 in the header", "d.csv", "id,n\xFF\n1,Ann\n",
       "d.csv:1: invalid UTF-8 in the header, column 2", {}},
      {"broken json line", "e.jsonl", "{\"id\":1}\n{\"id\":2,\n{\"id\":3}\n", "",
       {{2, "e.jsonl:2: not valid JSON"}}},
      {"json line not an object", "f.jsonl", "{\"id\":1}\n[1,2]\n", "",
       {{2, "f.jsonl:2: expected a JSON object"}}},
      {"unterminated json array", "g.json", "[\n{\"id\":1},\n{\"id\":2\n", 
       "g.json:4: unterminated JSON array element (opened on line 3)", {}},
      {"not an array", "h.json", "  \"hello\"", "", {{1, "h.json:1: expected a JSON object"}}},
      {"truncated gzip", "i.csv.gz", Gzip(csv).substr(0, 20), "i.csv.gz: truncated gzip data", {}},
      {"corrupt zstd", "j.csv.zst", std::string("\x28\xb5\x2f\xfd") + std::string(40, 'x'),
       "j.csv.zst: corrupt zstd data", {}},
  };
  TempDir dir;
  for (const Case& c : cases) {
    SCOPED_TRACE("case \"" + c.name + "\"");
    WriteFile(dir.path() / c.file, c.bytes);
    Collect sink;
    auto stats = ReadDelivery(dir.path() / c.file, Format::kAuto, sink);
    if (!c.fatal.empty()) {
      ASSERT_FALSE(stats.has_value());
      EXPECT_EQ(stats.error().message.rfind(c.fatal, 0), 0u) << stats.error().message;
      continue;
    }
    ASSERT_TRUE(stats.has_value()) << stats.error().message;
    ASSERT_EQ(sink.malformed.size(), c.malformed.size());
    for (size_t i = 0; i < c.malformed.size(); ++i) {
      EXPECT_EQ(sink.malformed[i].first, c.malformed[i].first);
      EXPECT_EQ(sink.malformed[i].second.rfind(c.malformed[i].second, 0), 0u) << sink.malformed[i].second;
    }
  }
}

// --------------------------------------------------------------- quality rules

std::vector<RuleResult> Check(const Rules& rules, const std::string& csv,
                              std::optional<PreviousDelivery> previous = std::nullopt,
                              TimePoint arrival = FromUnix(1'795'000'000)) {
  QualityChecker checker(rules, arrival, std::move(previous));
  std::istringstream in(csv);
  auto stats = ReadRecords(in, Format::kCsv, "d.csv", "d.csv", checker);
  std::optional<Error> fatal;
  if (!stats) fatal = stats.error();
  return checker.Finish(stats ? stats->rows : checker.records_seen(), fatal);
}

TEST(QualityTest, EveryRulePassingAndFailing) {
  // 2026-11-18T08:53:20Z is the arrival used by Check().
  struct Case {
    std::string name;
    Rules rules;
    std::string csv;
    std::optional<PreviousDelivery> previous;
    std::string rule, column;
    bool ok;
    std::vector<std::int64_t> rows;
    std::string message;  // a prefix; empty: not checked
  };
  auto col = [](std::string name) {
    ColumnRule r;
    r.name = std::move(name);
    return r;
  };
  auto typed = [&](std::string name, ColumnType t) {
    ColumnRule r = col(std::move(name));
    r.type = t;
    return r;
  };
  auto with = [](ColumnRule r, auto f) {
    f(r);
    return r;
  };
  const std::string good = "id,status,price,day,paid\n1,new,9.5,2026-11-17,true\n2,paid,10,2026-11-18,false\n"
                           "3,new,-1e3,2026-11-16,yes\n";
  auto rules_of = [](std::vector<ColumnRule> c) {
    Rules r;
    r.columns = std::move(c);
    return r;
  };
  Rules rows_rule;
  rows_rule.min_rows = 2;
  rows_rule.max_rows = 3;
  Rules rows_too_few = rows_rule;
  rows_too_few.min_rows = 5;
  rows_too_few.max_rows = 10;
  Rules change;
  change.max_row_change = 0.5;
  Rules key;
  key.unique_key = {"id", "status"};
  Rules drift;
  const std::vector<Case> cases = {
      {"required column present", rules_of({col("status")}), good, {}, "required-column", "status", true, {}, "present"},
      {"required column missing", rules_of({col("region")}), good, {}, "required-column", "region", false, {},
       "column \"region\" is missing"},
      {"int type ok", rules_of({typed("id", ColumnType::kInt)}), good, {}, "type", "id", true, {}, ""},
      {"int type bad", rules_of({typed("price", ColumnType::kInt)}), good, {}, "type", "price", false, {2, 4},
       "2 values in \"price\" are not int (rows 2, 4)"},
      {"number type ok", rules_of({typed("price", ColumnType::kNumber)}), good, {}, "type", "price", true, {}, ""},
      {"number type bad", rules_of({typed("status", ColumnType::kNumber)}), good, {}, "type", "status", false,
       {2, 3, 4}, ""},
      {"date type ok", rules_of({typed("day", ColumnType::kDate)}), good, {}, "type", "day", true, {}, ""},
      {"date type bad", rules_of({typed("day", ColumnType::kDate)}), "day\n2026-02-29\n2026-02-28\n", {}, "type",
       "day", false, {2}, "1 value in \"day\" is not date (rows 2)"},
      {"datetime type", rules_of({typed("at", ColumnType::kDateTime)}), "at\n2026-11-17T10:00:00Z\nyesterday\n", {},
       "type", "at", false, {3}, ""},
      {"bool type", rules_of({typed("paid", ColumnType::kBool)}), good, {}, "type", "paid", true, {}, ""},
      {"null rate ok", rules_of({with(col("city"), [](ColumnRule& r) { r.max_null_rate = 0.5; })}),
       "id,city\n1,Oslo\n2,\n3,Rome\n4,Oslo\n", {}, "null-rate", "city", true, {}, "25.0% of \"city\" empty"},
      {"null rate over", rules_of({with(col("city"), [](ColumnRule& r) { r.max_null_rate = 0.1; })}),
       "id,city\n1,Oslo\n2,\n3,\n4,Oslo\n", {}, "null-rate", "city", false, {3, 4},
       "50.0% of \"city\" empty (2 of 4 rows), limit 10.0% (rows 3, 4)"},
      {"unique ok", rules_of({with(col("id"), [](ColumnRule& r) { r.unique = true; })}), good, {}, "unique", "id",
       true, {}, ""},
      {"unique duplicates", rules_of({with(col("status"), [](ColumnRule& r) { r.unique = true; })}), good, {},
       "unique", "status", false, {4}, "1 duplicate value in \"status\" (rows 4)"},
      {"composite key ok", key, good, {}, "unique", "id+status", true, {}, ""},
      {"composite key duplicate", key, "id,status\n1,a\n1,b\n1,a\n", {}, "unique", "id+status", false, {4}, ""},
      {"allowed ok", rules_of({with(col("status"), [](ColumnRule& r) { r.allowed = {"new", "paid"}; })}), good, {},
       "allowed-values", "status", true, {}, ""},
      {"allowed outside", rules_of({with(col("status"), [](ColumnRule& r) { r.allowed = {"new"}; })}), good, {},
       "allowed-values", "status", false, {3}, "1 value in \"status\" outside the allowed list (rows 3)"},
      {"fresh", rules_of({with(typed("day", ColumnType::kDate), [](ColumnRule& r) { r.max_age = 48h; })}), good,
       {}, "freshness", "day", true, {}, "newest \"day\" is 2026-11-18"},
      {"stale", rules_of({with(typed("day", ColumnType::kDate), [](ColumnRule& r) { r.max_age = 48h; })}),
       "day\n2026-11-01\n2026-11-10\n2026-11-05\n", {}, "freshness", "day", false, {3},
       "newest \"day\" is 2026-11-10 (8 days before arrival), limit 2d"},
      {"row count ok", rows_rule, good, {}, "row-count", "", true, {}, "3 rows, expected 2 to 3"},
      {"row count low", rows_too_few, good, {}, "row-count", "", false, {}, "3 rows, expected 5 to 10"},
      {"row change ok", change, good, PreviousDelivery{{"id", "status", "price", "day", "paid"}, 4}, "row-change",
       "", true, {}, "rows moved from 4 to 3 (-25.0%), limit 50.0%"},
      {"row change too big", change, good, PreviousDelivery{{"id", "status", "price", "day", "paid"}, 10},
       "row-change", "", false, {}, "rows moved from 10 to 3 (-70.0%), limit 50.0%"},
      {"same schema", drift, good, PreviousDelivery{{"id", "status", "price", "day", "paid"}, 3}, "schema-drift",
       "", true, {}, ""},
      {"schema drift", drift, good, PreviousDelivery{{"id", "state", "price", "day", "paid"}, 3}, "schema-drift",
       "", false, {}, "columns changed since the previous delivery: removed \"state\"; added \"status\""},
      {"columns reordered", drift, good, PreviousDelivery{{"status", "id", "price", "day", "paid"}, 3},
       "schema-drift", "", false, {}, "the same columns as the previous delivery, in a different order"},
      {"well-formed", Rules{}, good, {}, "format", "", true, {}, "all records well-formed"},
      {"ragged row", Rules{}, "a,b\n1,2\n3\n4,5\n", {}, "format", "", false, {3},
       "1 malformed record; first: d.csv:3: expected 2 fields as in the header, got 1"},
      {"unterminated quote", Rules{}, "a,b\n1,\"2\n", {}, "format", "", false, {},
       "d.csv:3: unterminated quoted field (opened on line 2)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("case \"" + c.name + "\"");
    auto results = Check(c.rules, c.csv, c.previous);
    auto it = std::find_if(results.begin(), results.end(), [&](const RuleResult& r) {
      return r.rule == c.rule && r.column == c.column;
    });
    ASSERT_NE(it, results.end()) << "no result for " << c.rule << " " << c.column;
    EXPECT_EQ(it->ok, c.ok) << it->message;
    EXPECT_EQ(it->rows, c.rows) << it->message;
    if (!c.message.empty()) {
      EXPECT_EQ(it->message.rfind(c.message, 0), 0u) << it->message;
    }
    // Every other result of a case built to pass one rule passes.
    for (const RuleResult& r : results) {
      if (&r != &*it && c.ok && r.rule != "required-column") {
        EXPECT_TRUE(r.ok) << r.rule << ": " << r.message;
      }
    }
  }
}

TEST(QualityTest, UniqueOverManyRowsAndForksCountsEveryRepeat) {
  // Past 2^20 hashes the repeats are counted on two threads, and forks are
  // joined in order: the count and the first rows must be a plain pass's.
  Rules rules;
  ColumnRule id;
  id.name = "id";
  id.unique = true;
  rules.columns = {id};
  rules.unique_key = {"id", "id"};
  const int n = 1'200'000;
  auto value_of = [](int i) { return i % 100000 == 0 ? 7 : i; };  // every 100,000th row repeats row 7's id
  for (int forks : {1, 3}) {
    SCOPED_TRACE(fmt::format("{} part(s)", forks));
    QualityChecker checker(rules, FromUnix(0), std::nullopt);
    checker.Columns({"id"});
    std::vector<std::unique_ptr<RecordSink>> parts;
    for (int f = 1; f < forks; ++f) {
      parts.push_back(checker.Fork());
      parts.back()->Columns({"id"});
    }
    std::vector<std::string_view> row(1);
    std::string text;
    // A fork counts lines from its part's start, as the reader's forks do.
    std::vector<std::int64_t> offsets(static_cast<size_t>(forks), -1);
    for (int i = 1; i <= n; ++i) {
      const int part = (i - 1) * forks / n;
      std::int64_t& offset = offsets[static_cast<size_t>(part)];
      if (offset < 0) offset = part == 0 ? 0 : i;  // row i is on line i + 1
      text = std::to_string(value_of(i));
      row[0] = text;
      (part == 0 ? static_cast<RecordSink&>(checker) : *parts[static_cast<size_t>(part - 1)]).Row(i + 1 - offset, row);
    }
    for (size_t p = 0; p < parts.size(); ++p) checker.Join(*parts[p], offsets[p + 1]);
    auto results = checker.Finish(n, std::nullopt);
    int seen = 0;
    for (const RuleResult& r : results) {
      if (r.rule != "unique") continue;
      ++seen;
      EXPECT_FALSE(r.ok);
      EXPECT_EQ(r.rows, (std::vector<std::int64_t>{100001, 200001, 300001, 400001, 500001})) << r.column;
      EXPECT_NE(r.message.find("12 duplicate"), std::string::npos) << r.message;
    }
    EXPECT_EQ(seen, 2);  // the column and the key
  }
}

TEST(QualityTest, JsonColumnsAppearingLateCountAsNullBefore) {
  Rules rules;
  ColumnRule r;
  r.name = "email";
  r.max_null_rate = 0.5;
  rules.columns = {r};
  QualityChecker checker(rules, FromUnix(0), PreviousDelivery{{"email", "id"}, 4});
  checker.SetColumnsOrdered(false);
  std::istringstream in("{\"id\":1}\n{\"id\":2}\n{\"id\":3,\"email\":\"a@b.c\"}\n{\"email\":\"x\",\"id\":4}\n");
  auto stats = ReadRecords(in, Format::kJsonLines, "d.jsonl", "d.jsonl", checker);
  ASSERT_TRUE(stats.has_value());
  auto results = checker.Finish(stats->rows, std::nullopt);
  for (const RuleResult& res : results) {
    if (res.rule == "null-rate") {
      EXPECT_TRUE(res.ok) << res.message;
      EXPECT_EQ(res.message.rfind("50.0% of \"email\" empty (2 of 4 rows)", 0), 0u) << res.message;
    }
    if (res.rule == "schema-drift") {
      EXPECT_TRUE(res.ok) << "JSON key order is not drift: " << res.message;
    }
  }
}

// ------------------------------------------------------------------ schedules

TEST(ScheduleTest, SlotsInTimeZonesAcrossDaylightSaving) {
  struct Case {
    std::string name, cron, zone;
    std::string since, now;
    Duration grace;
    std::vector<std::string> arrivals;
    std::vector<std::pair<std::string, std::string>> slots;  // due (UTC), status
  };
  const std::vector<Case> cases = {
      {"London daily 06:00 across the spring change", "0 6 * * *", "Europe/London", "2026-03-27T00:00:00Z",
       "2026-03-30T12:00:00Z", 1h,
       // 28th 06:00 GMT = 06:00Z; 29th and 30th 06:00 BST = 05:00Z.
       {"2026-03-28T06:20:00Z", "2026-03-29T05:30:00Z", "2026-03-30T06:30:00Z"},
       {{"2026-03-27T06:00:00Z", "missing"},
        {"2026-03-28T06:00:00Z", "on-time"},
        {"2026-03-29T05:00:00Z", "on-time"},
        {"2026-03-30T05:00:00Z", "late"}}},
      {"New York 02:30 falls in the spring gap: fires at 03:00 EDT", "30 2 * * *", "America/New_York",
       "2026-03-07T12:00:00Z", "2026-03-09T12:00:00Z", 30min,
       {"2026-03-08T07:10:00Z", "2026-03-09T06:45:00Z"},
       {{"2026-03-08T07:00:00Z", "on-time"}, {"2026-03-09T06:30:00Z", "on-time"}}},
      {"New York 01:30 occurs twice in the autumn: fires once", "30 1 * * *", "America/New_York",
       "2026-10-31T12:00:00Z", "2026-11-02T12:00:00Z", 30min, {"2026-11-01T05:35:00Z"},
       {{"2026-11-01T05:30:00Z", "on-time"}, {"2026-11-02T06:30:00Z", "missing"}}},
      {"weekdays only, Friday to Monday, early delivery counts", "0 9 * * 1-5", "Europe/Berlin",
       "2026-11-19T00:00:00Z", "2026-11-23T09:00:00Z", 2h,
       {"2026-11-19T08:01:00Z", "2026-11-20T07:00:00Z", "2026-11-23T07:30:00Z"},
       {{"2026-11-19T08:00:00Z", "on-time"},
        {"2026-11-20T08:00:00Z", "on-time"},
        {"2026-11-23T08:00:00Z", "on-time"}}},
      {"hourly, one extra delivery in a window and one pending", "0 * * * *", "UTC", "2026-11-27T08:00:00Z",
       "2026-11-27T10:10:00Z", 15min, {"2026-11-27T08:05:00Z", "2026-11-27T08:06:00Z", "2026-11-27T09:40:00Z"},
       {{"2026-11-27T08:00:00Z", "on-time"}, {"2026-11-27T09:00:00Z", "late"}, {"2026-11-27T10:00:00Z", "pending"}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("case \"" + c.name + "\"");
    auto cron = CronSchedule::Parse(c.cron, c.zone);
    ASSERT_TRUE(cron.has_value()) << cron.error().message;
    std::vector<TimePoint> arrivals;
    for (const auto& a : c.arrivals) arrivals.push_back(*ParseTime(a));
    auto slots = MatchSlots(*cron, c.grace, *ParseTime(c.since), *ParseTime(c.now), arrivals);
    std::vector<std::pair<std::string, std::string>> got;
    for (const Slot& s : slots) got.emplace_back(FormatTime(s.due), std::string(SlotStatusName(s.status)));
    EXPECT_EQ(got, c.slots);
  }
}

// ----------------------------------------------------------------- the desk

struct Parsed {
  std::unique_ptr<ConfigReader> reader;
  Settings settings;
};

Parsed Parse(const std::string& toml, const std::filesystem::path& base = "/srv/ctodesk") {
  Parsed out;
  auto reader = ConfigReader::FromString(toml, "ctodesk.toml", base);
  EXPECT_TRUE(reader.has_value()) << (reader ? "" : reader.error().message);
  if (!reader) return out;
  out.reader = std::move(*reader);
  auto section = out.reader->Root().Table("suppliers", true);
  if (section) out.settings = ReadSettings(*section);
  out.reader->Finish();
  return out;
}

const Finding* FindKind(const std::vector<Finding>& fs, const std::string& subject, const std::string& kind) {
  for (const Finding& f : fs) {
    if (f.subject == subject && f.kind == kind) return &f;
  }
  return nullptr;
}

TEST(SuppliersDeskTest, FindingsFromDeliveries) {
  TempDir dir;
  // Now: Friday 2026-11-27 12:00 UTC. Daily feeds at 06:00 UTC, grace 1h.
  const TimePoint now = *ParseTime("2026-11-27T12:00:00Z");
  const TimePoint day0 = *ParseTime("2026-11-20T06:00:00Z");
  auto rates_csv = [](int rows, bool drifted) {
    std::string s = drifted ? "zone,carrier,price_eur\n" : "zone,carrier,price\n";
    for (int i = 0; i < rows; ++i) s += std::to_string(i) + ",dhl," + std::to_string(10 + i) + "\n";
    return s;
  };
  // rates: daily for a week; late on 25th (3h) and today (5h), today's with new columns.
  for (int d = 0; d < 8; ++d) {
    TimePoint due = day0 + std::chrono::days(d);
    bool late = d == 5 || d == 7;
    auto file = dir.path() / "rates" / fmt::format("rates-{}.csv.gz", d);
    WriteFile(file, Gzip(rates_csv(100, d == 7)));
    SetMtime(file, due + (late ? (d == 7 ? 5h : 3h) : 10min));
  }
  // orders: delivered until the 25th, then nothing (missing today, downstream named).
  for (int d = 0; d < 6; ++d) {
    auto file = dir.path() / "orders" / fmt::format("orders-{}.jsonl.zst", d);
    std::string body;
    for (int i = 0; i < 20; ++i) {
      body += fmt::format("{{\"id\":{},\"status\":\"{}\"}}\n", i, d == 5 && i == 7 ? "lost" : "new");
    }
    WriteFile(file, Zstd(body));
    SetMtime(file, day0 + std::chrono::days(d) + 5min);
  }
  auto parsed = Parse(R"(
[suppliers]
[[suppliers.feeds]]
name = "rates"
supplier = "Northwind"
folder = "rates"
glob = "rates-*.csv.gz"
schedule = "0 6 * * *"
grace = "1h"
max_row_change = "20%"
[[suppliers.feeds.columns]]
name = "price"
type = "number"

[[suppliers.feeds]]
name = "orders"
supplier = "Contoso"
folder = "orders"
glob = "orders-*"
schedule = "0 6 * * *"
grace = "1h"
downstream = ["billing"]
[[suppliers.feeds.columns]]
name = "status"
allowed = ["new", "paid"]
)",
                      dir.path());
  ASSERT_EQ(parsed.reader->IssuesText(), "");
  SuppliersDesk desk(parsed.settings);
  auto store = NewMemoryStore();
  FixedClock clock(now);
  DeskContext ctx{*store, clock, dir.path()};
  auto report = desk.Run(ctx);
  ASSERT_TRUE(report.has_value()) << report.error().message;
  const auto& fs = report->findings;
  for (const Finding& f : fs) SCOPED_TRACE(f.kind + ": " + f.title);

  const Finding* late = FindKind(fs, "rates", "late");
  ASSERT_NE(late, nullptr);
  EXPECT_EQ(late->severity, Severity::kToday);
  EXPECT_EQ(late->title, "rates from Northwind arrived 5 hours late");
  EXPECT_NE(late->detail.find("Late 2 times in the last 7 days"), std::string::npos) << late->detail;

  const Finding* drift = FindKind(fs, "rates", "schema-drift");
  ASSERT_NE(drift, nullptr);
  EXPECT_EQ(drift->severity, Severity::kActNow);
  EXPECT_NE(drift->detail.find("removed \"price\"; added \"price_eur\""), std::string::npos) << drift->detail;
  const Finding* missing_col = FindKind(fs, "rates", "quality:required-column:price");
  ASSERT_NE(missing_col, nullptr);
  EXPECT_EQ(missing_col->severity, Severity::kToday);

  const Finding* missing = FindKind(fs, "orders", "missing");
  ASSERT_NE(missing, nullptr);
  EXPECT_EQ(missing->severity, Severity::kActNow);  // billing depends on it
  EXPECT_NE(missing->detail.find("2 scheduled deliveries missed in a row"), std::string::npos) << missing->detail;
  const Finding* allowed = FindKind(fs, "orders", "quality:allowed-values:status");
  ASSERT_NE(allowed, nullptr);
  EXPECT_NE(allowed->detail.find("rows 8"), std::string::npos) << allowed->detail;
  EXPECT_EQ(FindKind(fs, "rates", "missing"), nullptr);

  // Each delivery is recorded once with each rule's result; a second run reads nothing new.
  auto records = store->Checks("suppliers", "rates", now - std::chrono::days(30));
  ASSERT_TRUE(records.has_value());
  ASSERT_EQ(records->size(), 8u);
  auto d = DeliveryFromRecord(records->back());
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->rows, 100);
  EXPECT_EQ(d->compression, "gzip");
  EXPECT_FALSE(d->ok);
  auto again = desk.Scan(ctx);
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->empty());

  auto rel = desk.ReliabilityOver(ctx, 30);
  ASSERT_TRUE(rel.has_value());
  ASSERT_EQ(rel->size(), 2u);
  const Reliability& northwind = (*rel)[0];
  EXPECT_EQ(northwind.supplier, "Northwind");
  EXPECT_EQ(northwind.due, 8);
  EXPECT_EQ(northwind.late, 2);
  EXPECT_EQ(northwind.on_time, 6);
  ASSERT_TRUE(northwind.mean_lateness.has_value());
  EXPECT_EQ(*northwind.mean_lateness, Duration(4h));
  EXPECT_EQ(northwind.deliveries, 8);
  EXPECT_EQ(northwind.passed, 7);
  const Reliability& contoso = (*rel)[1];
  EXPECT_EQ(contoso.missing, 2);
  EXPECT_EQ(contoso.passed, 5);

  // A good delivery today resolves what was wrong with the rates feed's schema.
  clock.Set(now + 24h);
  auto file = dir.path() / "rates" / "rates-8.csv.gz";
  WriteFile(file, Gzip(rates_csv(100, true)));
  SetMtime(file, now + 18h + 5min);
  auto next = desk.Run(ctx);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(FindKind(next->findings, "rates", "schema-drift"), nullptr);
  EXPECT_EQ(FindKind(next->findings, "rates", "late"), nullptr);
  EXPECT_NE(FindKind(next->findings, "rates", "often-late"), nullptr);
}

TEST(SuppliersDeskTest, MissingWithoutDownstreamIsToday) {
  TempDir dir;
  auto parsed = Parse(R"(
[suppliers]
[[suppliers.feeds]]
name = "fx"
supplier = "Fabrikam"
folder = "nowhere"
schedule = "@daily"
)",
                      dir.path());
  ASSERT_EQ(parsed.reader->IssuesText(), "");
  SuppliersDesk desk(parsed.settings);
  auto store = NewMemoryStore();
  FixedClock clock(*ParseTime("2026-11-26T12:00:00Z"));
  DeskContext ctx{*store, clock, dir.path()};
  ASSERT_TRUE(desk.Run(ctx).has_value());  // first run: monitoring starts, nothing due yet
  clock.Set(*ParseTime("2026-11-27T12:00:00Z"));
  auto report = desk.Run(ctx);
  ASSERT_TRUE(report.has_value());
  const Finding* missing = FindKind(report->findings, "fx", "missing");
  ASSERT_NE(missing, nullptr);
  EXPECT_EQ(missing->severity, Severity::kToday);
  EXPECT_NE(missing->detail.find("The folder does not exist."), std::string::npos);
}

// ------------------------------------------------------------------- config

TEST(SuppliersConfigTest, Errors) {
  struct Case {
    std::string name, toml;
    std::vector<std::string> issues;  // "line: field: message"
  };
  const std::string head = "[suppliers]\n[[suppliers.feeds]]\nname = \"f\"\nsupplier = \"s\"\nfolder = \"d\"\n";
  const std::vector<Case> cases = {
      {"no feeds", "[suppliers]\n", {"1: suppliers.feeds: expected at least one [[suppliers.feeds]] table"}},
      {"missing schedule", head, {"2: suppliers.feeds[0]: missing required key \"schedule\""}},
      {"bad cron", head + "schedule = \"0 25 * * *\"\n",
       {"6: suppliers.feeds[0].schedule: cron expression \"0 25 * * *\": hour field \"25\": expected 0-23"}},
      {"bad zone", head + "schedule = \"@daily\"\ntimezone = \"Mars/Olympus\"\n",
       {"7: suppliers.feeds[0].timezone: unknown time zone \"Mars/Olympus\"; expected an IANA name such as "
        "\"UTC\" or \"Europe/London\""}},
      {"bad percentage", head + "schedule = \"@daily\"\nmax_row_change = \"half\"\n",
       {"7: suppliers.feeds[0].max_row_change: expected a percentage such as \"5%\", got \"half\""}},
      {"column type", head + "schedule = \"@daily\"\n[[suppliers.feeds.columns]]\nname = \"x\"\ntype = \"integer\"\n",
       {"9: suppliers.feeds[0].columns[0].type: expected one of \"string\", \"int\", \"number\", \"bool\", "
        "\"date\", \"datetime\", got \"integer\""}},
      {"null rate over 100%", head + "schedule = \"@daily\"\n[[suppliers.feeds.columns]]\nname = \"x\"\n"
                                      "max_null_rate = \"120%\"\n",
       {"9: suppliers.feeds[0].columns[0].max_null_rate: expected a percentage such as \"5%\" from 0% to 100%, "
        "got \"120%\""}},
      {"freshness on a number", head + "schedule = \"@daily\"\n[[suppliers.feeds.columns]]\nname = \"x\"\n"
                                        "type = \"int\"\nmax_age = \"1d\"\n",
       {"10: suppliers.feeds[0].columns[0].max_age: freshness needs a column of type \"date\" or \"datetime\", "
        "not \"int\""}},
      {"min over max", head + "schedule = \"@daily\"\nmin_rows = 10\nmax_rows = 5\n",
       {"8: suppliers.feeds[0].max_rows: expected at least min_rows (10), got 5"}},
      {"duplicate feed", head + "schedule = \"@daily\"\n" + head.substr(12) + "schedule = \"@daily\"\n",
       {"8: suppliers.feeds[1].name: another feed is already named \"f\""}},
      {"typo", head + "schedule = \"@daily\"\ngrase = \"1h\"\n",
       {"7: suppliers.feeds[0].grase: unknown key; did you mean \"grace\"?"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("case \"" + c.name + "\"");
    auto parsed = Parse(c.toml);
    ASSERT_TRUE(parsed.reader);
    std::vector<std::string> got;
    for (const ConfigIssue& issue : parsed.reader->issues()) {
      got.push_back(std::to_string(issue.line) + ": " + issue.field + ": " + issue.message);
    }
    EXPECT_EQ(got, c.issues) << parsed.reader->IssuesText();
  }
}

TEST(SuppliersConfigTest, ValidConfig) {
  auto parsed = Parse(R"(
[suppliers]
lookback_days = 30
[[suppliers.feeds]]
name = "rates"
supplier = "Northwind"
folder = "drops/northwind"
glob = "rates-*.csv.gz"
schedule = "0 6 * * 1-5"
timezone = "Europe/Berlin"
grace = "2h"
downstream = ["pricing API", "invoices"]
format = "csv"
min_rows = 1
max_rows = 1000
max_row_change = "50%"
unique_key = ["zone", "carrier"]
schema_drift = false
[[suppliers.feeds.columns]]
name = "zone"
type = "int"
required = true
max_null_rate = "0.5%"
allowed = ["1", "2"]
unique = true
[[suppliers.feeds.columns]]
name = "valid_from"
type = "date"
max_age = "2d"
)");
  ASSERT_EQ(parsed.reader->IssuesText(), "");
  ASSERT_EQ(parsed.settings.feeds.size(), 1u);
  const Feed& f = parsed.settings.feeds[0];
  EXPECT_EQ(parsed.settings.lookback_days, 30);
  EXPECT_EQ(f.folder, std::filesystem::path("/srv/ctodesk/drops/northwind"));
  EXPECT_EQ(f.schedule->time_zone(), "Europe/Berlin");
  EXPECT_EQ(f.grace, Duration(2h));
  EXPECT_EQ(f.downstream, (std::vector<std::string>{"pricing API", "invoices"}));
  EXPECT_EQ(f.format, Format::kCsv);
  EXPECT_EQ(f.rules.max_row_change, 0.5);
  EXPECT_FALSE(f.rules.schema_drift);
  ASSERT_EQ(f.rules.columns.size(), 2u);
  EXPECT_DOUBLE_EQ(*f.rules.columns[0].max_null_rate, 0.005);
  EXPECT_TRUE(f.rules.columns[0].unique);
  EXPECT_EQ(f.rules.columns[1].max_age, Duration(48h));
}


// ------------------------------------------------ the in-place CSV scanner

// Draws from a fixed-seed generator, the same on every platform.
class Draw {
 public:
  explicit Draw(std::uint32_t seed) : gen_(seed) {}
  std::uint32_t Below(std::uint32_t n) { return static_cast<std::uint32_t>(gen_() % n); }
  bool OneIn(std::uint32_t n) { return Below(n) == 0; }

 private:
  std::mt19937 gen_;
};

struct ScannedRecords {
  std::vector<std::pair<std::int64_t, std::vector<std::string>>> records;
  std::string error;
};

// The reference: core's CsvReader over the whole text.
ScannedRecords ReadWithCoreReader(const std::string& text) {
  std::istringstream in(text);
  CsvReader reader(in, CsvDialect{}, "in.csv");
  ScannedRecords out;
  std::vector<std::string> fields;
  while (reader.Next(fields)) out.records.emplace_back(reader.line(), fields);
  if (reader.error()) out.error = reader.error()->message;
  return out;
}

// CsvScanner fed `text` in pieces of 1..max_piece bytes, as a stream would.
ScannedRecords ReadWithScanner(const std::string& text, Draw& draw, std::uint32_t max_piece) {
  CsvScanner scanner(CsvDialect{});
  ScannedRecords out;
  std::string buf;
  size_t fed = 0, start = 0;
  for (;;) {
    size_t piece = std::min<size_t>(text.size() - fed, 1 + draw.Below(max_piece));
    buf.append(text, fed, piece);
    fed += piece;
    const bool final = fed == text.size();
    const char* pos = buf.data() + start;
    const char* end = buf.data() + buf.size();
    auto stop = scanner.Scan(pos, end, final, end,
                             [&](std::int64_t line, const std::vector<std::string_view>& f, const char*,
                                 const char*) {
                               out.records.emplace_back(line, std::vector<std::string>(f.begin(), f.end()));
                               return true;
                             });
    start = static_cast<size_t>(pos - buf.data());
    if (stop == CsvScanner::Stop::kError) {
      out.error = fmt::format("in.csv:{}: unterminated quoted field (opened on line {})", scanner.error_line(),
                              scanner.error_opened_on());
      return out;
    }
    if (stop == CsvScanner::Stop::kEnd) return out;
    EXPECT_EQ(stop, CsvScanner::Stop::kNeedMore);
    if (final) return out;
  }
}

TEST(CsvScanTest, SameRecordsAsTheCoreReaderOnRandomText) {
  // Text made mostly of the bytes that matter, so every rule meets every
  // other: quotes opening, closing, doubled and stray; CR, LF, CRLF; blank
  // lines; delimiters inside and outside quotes; the end of input anywhere.
  const std::string alphabet[] = {"a", "b", ",", ",", "\"", "\"", "\"\"", "\n", "\n", "\r\n", "\r", " ", "\xC3\xA9"};
  Draw draw(20261128);
  int with_error = 0, with_quotes = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const std::uint32_t n = draw.Below(60);
    for (std::uint32_t i = 0; i < n; ++i) text += alphabet[draw.Below(std::size(alphabet))];
    SCOPED_TRACE(fmt::format("round {}: {:?}", round, text));
    ScannedRecords want = ReadWithCoreReader(text);
    for (std::uint32_t max_piece : {1u, 7u, 1000u}) {
      ScannedRecords got = ReadWithScanner(text, draw, max_piece);
      ASSERT_EQ(got.error, want.error) << "pieces up to " << max_piece;
      ASSERT_EQ(got.records, want.records) << "pieces up to " << max_piece;
    }
    with_error += !want.error.empty();
    with_quotes += text.find('"') != std::string::npos && want.error.empty();
  }
  // The generator does reach both outcomes.
  EXPECT_GT(with_error, 300);
  EXPECT_GT(with_quotes, 300);
}

// ------------------------------------------------ reading on several threads

// A delivery with every kind of trouble the rules look for, spread over the
// whole file: repeated ids far apart, disallowed codes, bad numbers and dates,
// empty emails, ragged rows, invalid UTF-8, quoted notes with newlines and
// doubled quotes. Lines end in LF, CRLF, or (kMixed) any of LF, CRLF and a
// lone CR, drawn row by row.
enum class Eol { kLf, kCrlf, kMixed };
std::string RandomDelivery(Draw& draw, int rows, Eol endings) {
  const char* eol = endings == Eol::kLf ? "\n" : "\r\n";
  std::string out = std::string("id,code,amount,day,email,note") + eol;
  const char* codes[] = {"new", "paid", "shipped", "void"};
  for (int i = 0; i < rows; ++i) {
    if (endings == Eol::kMixed) eol = std::array{"\n", "\r\n", "\r"}[draw.Below(3)];
    std::string id = std::to_string(100000 + (draw.OneIn(50) ? draw.Below(static_cast<std::uint32_t>(i + 1)) : i));
    std::string code = draw.OneIn(40) ? "lost" : codes[draw.Below(3)];
    std::string amount = draw.OneIn(60) ? "n/a" : fmt::format("{}.{:02}", draw.Below(1000), draw.Below(100));
    std::string day = draw.OneIn(70) ? "2026-02-30" : fmt::format("2026-11-{:02}", 1 + draw.Below(28));
    std::string email = draw.OneIn(15) ? "" : fmt::format("u{}@example.com", draw.Below(5000));
    std::string note;
    switch (draw.Below(6)) {
      case 0: note = "plain"; break;
      case 1: note = "\"with, comma\""; break;
      case 2: note = fmt::format("\"line one{}line two\nline three\"", eol); break;
      case 3: note = "\"she said \"\"hi\"\"\""; break;
      case 4: note = draw.OneIn(10) ? "bad \xC3\x28 byte" : "caf\xC3\xA9"; break;
      default: note = ""; break;
    }
    if (draw.OneIn(120)) {
      out += id + "," + code + eol;  // ragged
      continue;
    }
    if (draw.OneIn(200)) out += eol;  // a blank line
    out += id + "," + code + "," + amount + "," + day + "," + email + "," + note + eol;
  }
  return out;
}

Rules DeliveryRules() {
  Rules rules;
  rules.columns = {ColumnRule{.name = "id", .type = ColumnType::kInt, .unique = true},
                   ColumnRule{.name = "code", .allowed = {"new", "paid", "shipped", "void"}},
                   ColumnRule{.name = "amount", .type = ColumnType::kNumber},
                   ColumnRule{.name = "day", .type = ColumnType::kDate, .max_age = std::chrono::hours(24 * 3)},
                   ColumnRule{.name = "email", .max_null_rate = 0.01, .unique = true},
                   ColumnRule{.name = "note"}};
  rules.unique_key = {"code", "day"};
  rules.min_rows = 1;
  rules.max_rows = 1000000;
  return rules;
}

struct CheckRun {
  std::vector<RuleResult> results;
  int parts = 0;
  std::string fatal;
};

CheckRun CheckFile(const std::filesystem::path& file, const Rules& rules, ReadTuning tuning) {
  QualityChecker checker(rules, FromUnix(1'795'000'000), std::nullopt);
  auto stats = ReadDelivery(file, Format::kAuto, checker, nullptr, tuning);
  CheckRun run;
  std::optional<Error> fatal;
  if (stats) run.parts = stats->parts;
  else fatal = stats.error(), run.fatal = stats.error().message;
  run.results = checker.Finish(stats ? stats->rows : checker.records_seen(), fatal);
  return run;
}

std::string Describe(const std::vector<RuleResult>& results) {
  std::string out;
  for (const RuleResult& r : results) {
    out += fmt::format("{} {} {} [{}] {}\n", r.rule, r.column, r.ok ? "ok" : "FAIL",
                       fmt::join(r.rows, ","), r.message);
  }
  return out;
}

TEST(ParallelReadTest, SameResultsAsOneThreadOnRandomDeliveries) {
  Draw draw(42);
  TempDir dir;
  const Rules rules = DeliveryRules();
  int split_runs = 0;
  for (int round = 0; round < 12; ++round) {
    SCOPED_TRACE(fmt::format("round {}", round));
    const Eol eol = round % 4 == 3 ? Eol::kMixed : round % 3 == 2 ? Eol::kCrlf : Eol::kLf;
    const std::string csv = RandomDelivery(draw, 2000 + static_cast<int>(draw.Below(3000)), eol);
    const auto file = dir.path() / fmt::format("d{}.csv", round);
    WriteFile(file, csv);
    // Compression is recognised by its magic bytes: same name, other folder.
    WriteFile(dir.path() / "gz" / fmt::format("d{}.csv", round), Gzip(csv));
    ReadTuning one;
    one.threads = 1;
    const CheckRun want = CheckFile(file, rules, one);
    const std::string expected = Describe(want.results);
    ASSERT_TRUE(want.fatal.empty()) << want.fatal;
    ASSERT_NE(expected.find("unique id FAIL"), std::string::npos) << expected;
    ASSERT_NE(expected.find("format  FAIL"), std::string::npos) << expected;
    for (unsigned threads : {2u, 3u, 7u}) {
      ReadTuning tuning;
      tuning.threads = threads;
      tuning.min_parallel_bytes = 0;
      tuning.block_bytes = 1 + draw.Below(20000);
      tuning.parts_per_thread = 1 + draw.Below(4);
      CheckRun got = CheckFile(file, rules, tuning);
      EXPECT_EQ(Describe(got.results), expected) << threads << " threads, blocks of " << tuning.block_bytes;
      split_runs += got.parts > 1;
    }
    // The stream path (decompressed), with small blocks so records straddle them.
    ReadTuning small;
    small.block_bytes = 64;
    CheckRun streamed = CheckFile(dir.path() / "gz" / fmt::format("d{}.csv", round), rules, small);
    EXPECT_EQ(Describe(streamed.results), expected) << "gzip, blocks of 64 bytes";
  }
  EXPECT_GT(split_runs, 18);  // most runs did read in parts
}

TEST(ParallelReadTest, QuotedNewlineAtTheSplitPoint) {
  // A quoted field full of newlines sits across the middle of the file, so the
  // first line end after the midpoint is inside quotes: the second part's
  // guess is wrong and must be dropped, the first part reading on.
  std::string head = "id,note\n";
  for (int i = 1; i <= 200; ++i) head += fmt::format("{},row {}\n", i, i);
  std::string quoted = "201,\"";
  for (int i = 0; i < 200; ++i) quoted += fmt::format("inside line {}, with a comma\n", i);
  quoted += "end of note\"\n";
  std::string tail;
  for (int i = 202; i <= 400; ++i) tail += fmt::format("{},row {}\n", i == 300 ? 7 : i, i);
  // After the wrong guess the closing quote opens a field that never closes:
  // the dropped part fails, which must not fail the read.
  const std::string csv = head + quoted + tail;
  ASSERT_GT(head.size() + quoted.size() / 2, csv.size() / 2 - quoted.size() / 2);

  Rules rules;
  ColumnRule id;
  id.name = "id";
  id.type = ColumnType::kInt;
  id.unique = true;
  rules.columns = {id};
  TempDir dir;
  WriteFile(dir.path() / "q.csv", csv);
  ReadTuning one;
  one.threads = 1;
  ReadTuning two;  // two parts: the guessed boundary is the first line end past the middle
  two.threads = 2;
  two.parts_per_thread = 1;
  two.min_parallel_bytes = 0;
  CheckRun want = CheckFile(dir.path() / "q.csv", rules, one);
  CheckRun got = CheckFile(dir.path() / "q.csv", rules, two);
  EXPECT_EQ(got.parts, 1);  // the guess was rejected
  EXPECT_TRUE(got.fatal.empty()) << got.fatal;
  EXPECT_EQ(Describe(got.results), Describe(want.results));
  // Row 300 repeats id 7 on line 501: 201 lines before the note, 201 in it.
  ASSERT_GE(got.results.size(), 3u);
  EXPECT_EQ(got.results[3].rule, "unique");
  EXPECT_EQ(got.results[3].rows, (std::vector<std::int64_t>{501}));

  // The same rows without the long note split cleanly, with a blank line and
  // a CRLF right at the split.
  std::string clean = head + "\r\n\n" + tail;
  WriteFile(dir.path() / "c.csv", clean);
  want = CheckFile(dir.path() / "c.csv", rules, one);
  got = CheckFile(dir.path() / "c.csv", rules, two);
  EXPECT_EQ(got.parts, 2);
  EXPECT_EQ(Describe(got.results), Describe(want.results));
  EXPECT_EQ(got.results[3].rows, (std::vector<std::int64_t>{302}));  // after 2 blank lines
}

TEST(ParallelReadTest, UnterminatedQuoteInALaterPartIsTheFileError) {
  std::string csv = "id,note\n";
  for (int i = 1; i <= 500; ++i) csv += fmt::format("{},\"row {}\"\n", i, i);
  csv += "501,\"never closed\n502,x\n";
  TempDir dir;
  WriteFile(dir.path() / "u.csv", csv);
  Rules rules;
  ReadTuning one;
  one.threads = 1;
  ReadTuning three;
  three.threads = 3;
  three.min_parallel_bytes = 0;
  CheckRun want = CheckFile(dir.path() / "u.csv", rules, one);
  CheckRun got = CheckFile(dir.path() / "u.csv", rules, three);
  EXPECT_EQ(want.fatal, "u.csv:504: unterminated quoted field (opened on line 502)");
  EXPECT_EQ(got.fatal, want.fatal);
  EXPECT_EQ(Describe(got.results), Describe(want.results));
}

TEST(ParallelReadTest, FaultsInLaterPartsCarryTheirFileLines) {
  // Parts after the first count lines from their own start and are shifted
  // when joined: every sample row, duplicate, malformed record and the
  // unterminated quote found in a later part must name the line of the file.
  // Lines end in LF, CRLF and lone CRs; notes hold quoted LFs, CRLFs and
  // lone CRs (only a LF inside quotes counts as a line).
  const char* endings[] = {"\n", "\r\n", "\r"};
  std::string csv = "id,code,email,note\n";
  std::int64_t line = 2;  // of the next row
  std::map<std::string, std::vector<std::int64_t>> planted;
  std::int64_t first_ragged = 0;
  const int n = 900;
  for (int i = 0; i < n; ++i) {
    std::string id = std::to_string(i + 1), code = "new", email = fmt::format("u{}@example.com", i), note = "ok";
    int extra = 0;  // lines inside the note
    if (i % 37 == 0) note = "\"one\ntwo\"", extra = 1;
    if (i % 41 == 0) note = "\"one\r\ntwo\nthree\"", extra = 2;
    if (i % 11 == 0) note = "\"lone\rcarriage, return\"", extra = 0;
    if (i == 700 || i == 850) id = std::to_string(i - 695), planted["unique id"].push_back(line);
    if (i == 810) id = "x12", planted["type id"].push_back(line);
    if (i == 640 || i == 641) code = "lost", planted["allowed-values code"].push_back(line);
    if (i == 890) email = "", planted["null-rate email"].push_back(line);
    if (i == 780) note = "bad \xC3\x28 byte", extra = 0, planted["format"].push_back(line);
    if (i == 620) {
      csv += id + "," + code + "," + email + endings[i % 3];  // ragged
      planted["format"].insert(planted["format"].begin(), line);
      first_ragged = line;
      line += 1;
      continue;
    }
    csv += id + "," + code + "," + email + "," + note + endings[i % 3];
    line += 1 + extra;
  }
  Rules rules;
  rules.columns = {ColumnRule{.name = "id", .type = ColumnType::kInt, .unique = true},
                   ColumnRule{.name = "code", .allowed = {"new"}},
                   ColumnRule{.name = "email", .max_null_rate = 0.0}};

  TempDir dir;
  WriteFile(dir.path() / "f.csv", csv);
  const ReadTuning one{.threads = 1};
  const ReadTuning many{.threads = 3, .min_parallel_bytes = 0, .block_bytes = 1000, .parts_per_thread = 4};
  const CheckRun want = CheckFile(dir.path() / "f.csv", rules, one);
  ASSERT_TRUE(want.fatal.empty()) << want.fatal;
  const CheckRun got = CheckFile(dir.path() / "f.csv", rules, many);
  ASSERT_TRUE(got.fatal.empty()) << got.fatal;
  EXPECT_EQ(got.parts, 12);  // every guessed start was a record boundary
  EXPECT_EQ(Describe(got.results), Describe(want.results));
  std::map<std::string, std::vector<std::int64_t>> found;
  for (const RuleResult& r : got.results) {
    if (!r.ok) found[r.column.empty() ? r.rule : r.rule + " " + r.column] = r.rows;
  }
  EXPECT_EQ(found, planted);
  const std::string first = fmt::format("f.csv:{}: expected 4 fields as in the header, got 3", first_ragged);
  EXPECT_NE(got.results[0].message.find("2 malformed records; first: " + first), std::string::npos)
      << got.results[0].message;

  // Any split, any block size: the same as one thread. Blocks shorter than
  // a record (the first rounds) make the reader take records from the
  // mapping instead of its buffer.
  Draw draw(23);
  int split = 0;
  for (int round = 0; round < 12; ++round) {
    ReadTuning tuning;
    tuning.threads = round == 0 ? 1 : 2 + draw.Below(3);
    tuning.parts_per_thread = 1 + draw.Below(8);
    tuning.min_parallel_bytes = 0;
    tuning.block_bytes = round < 4 ? 1 + draw.Below(48) : 1 + draw.Below(5000);
    const CheckRun again = CheckFile(dir.path() / "f.csv", rules, tuning);
    split += again.parts > 1;
    EXPECT_EQ(Describe(again.results), Describe(want.results))
        << tuning.threads << " threads, " << tuning.parts_per_thread << " parts each, blocks of " << tuning.block_bytes;
  }
  EXPECT_GE(split, 7);  // a guess inside a quoted note drops the parts after it

  // A quote left open near the end: the error names the file's lines.
  const std::string opened = "901,new,u@example.com,\"never closed\r\n902,new,a,b\r\n903,new,c,d";
  WriteFile(dir.path() / "f.csv", csv + opened);
  const CheckRun want_open = CheckFile(dir.path() / "f.csv", rules, one);
  const CheckRun got_open = CheckFile(dir.path() / "f.csv", rules, many);
  EXPECT_EQ(want_open.fatal,
            fmt::format("f.csv:{}: unterminated quoted field (opened on line {})", line + 2, line));
  EXPECT_EQ(got_open.fatal, want_open.fatal);
  EXPECT_EQ(Describe(got_open.results), Describe(want_open.results));
}

// ------------------------------------------------ fast paths of the checker

// The type tests as plain byte loops: what the word-at-a-time tests must agree with.
bool ReferenceInt(std::string_view v) {
  if (!v.empty() && (v[0] == '-' || v[0] == '+')) v.remove_prefix(1);
  return !v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
}
bool ReferenceNumber(std::string_view v) {
  if (ReferenceInt(v)) return true;
  std::string_view u = v;
  if (!u.empty() && (u[0] == '-' || u[0] == '+')) u.remove_prefix(1);
  size_t dot = u.find('.');
  if (dot != std::string_view::npos && dot > 0 && dot + 1 < u.size() && ReferenceInt(u.substr(0, dot)) &&
      u[0] != '-' && u[0] != '+' && ReferenceInt(u.substr(dot + 1)) && u[dot + 1] != '-' && u[dot + 1] != '+') {
    return true;
  }
  if (!v.empty() && v[0] == '+') v.remove_prefix(1);
  double d = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  return ec == std::errc() && p == v.data() + v.size() && std::isfinite(d);
}
bool ReferenceDate(std::string_view v) {
  if (v.size() != 10 || v[4] != '-' || v[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (v[i] < '0' || v[i] > '9') return false;
  }
  int y = std::stoi(std::string(v.substr(0, 4))), m = std::stoi(std::string(v.substr(5, 2))),
      d = std::stoi(std::string(v.substr(8, 2)));
  if (m < 1 || m > 12 || d < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int max = kDays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 1 : 0);
  return d <= max;
}

TEST(CsvScanTest, MaskFunctionForThisCpuAgreesWithThePortableOne) {
  // The masks made with AVX2 (when the CPU has it) are the SSE2/plain ones.
  Draw draw(3);
  const std::string alphabet = ",;\"'\r\na b\t\x80\xff";
  std::string text(64 * 40, ' ');
  for (int round = 0; round < 50; ++round) {
    for (char& c : text) c = alphabet[draw.Below(static_cast<std::uint32_t>(alphabet.size()))];
    for (char delim : {',', ';', '\t'}) {
      std::uint64_t fast[40], plain[40];
      const size_t blocks = 1 + draw.Below(40);
      CsvMaskFunction()(text.data(), blocks, delim, '"', fast);
      CsvPortableMaskFunction()(text.data(), blocks, delim, '"', plain);
      for (size_t b = 0; b < blocks; ++b) {
        std::uint64_t want = 0;
        for (int i = 0; i < 64; ++i) {
          const char c = text[64 * b + static_cast<size_t>(i)];
          if (c == delim || c == '"' || c == '\n' || c == '\r') want |= std::uint64_t{1} << i;
        }
        ASSERT_EQ(plain[b], want) << "block " << b;
        ASSERT_EQ(fast[b], want) << "block " << b;
      }
    }
  }
}

TEST(QualityTest, TypeTestsAgreeWithByteLoopsAnywhereInMemory) {
  // Each value is also placed so it ends right before an unreadable page:
  // the 8-byte loads must not read past a page they may not touch.
  const long page = sysconf(_SC_PAGESIZE);
  void* mem = mmap(nullptr, static_cast<size_t>(page) * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(mem, MAP_FAILED);
  ASSERT_EQ(mprotect(static_cast<char*>(mem) + page, static_cast<size_t>(page), PROT_NONE), 0);
  char* page_end = static_cast<char*>(mem) + page;
  std::vector<std::string> values = {
      "0", "-0", "+0", "7", "-", "+", ".", "1.", ".5", "1.5", "-1.5", "+1.5", "1..5", "1.5.", "12345678",
      "123456789", "-12345678", "+12345678", "1234567.", "1234.567", "12345.678", "1e5", "1E-5", "-1e400", "inf",
      "nan", "0x10", " 1", "1 ", "1,5", "١", "12\xC3\xA9", "2024-02-29", "2023-02-29", "2000-02-29", "1900-02-29",
      "2026-13-01", "2026-00-10", "2026-11-31", "2026-12-31", "2026-01-00", "2026/11/01", "2026-11-0a",
      "2026-1-011", "+026-11-01", "2026-11-01T", ":026-11-01", "2026-11-01", "9999-99-99", "12.50", "-.5",
      std::string("1\0" "2", 3), std::string(300, '9'), std::string(301, '9') + ".5", "1" + std::string(20, '0')};
  Draw draw(7);
  const std::string alphabet = "0123456789-+.eE x/:\x7f\x80\xff";
  for (int i = 0; i < 20000; ++i) {
    std::string v;
    const auto n = draw.Below(13);
    const bool digits = draw.OneIn(2);
    for (std::uint32_t k = 0; k < n; ++k) {
      v.push_back(digits && !draw.OneIn(6) ? static_cast<char>('0' + draw.Below(10))
                                            : alphabet[draw.Below(static_cast<std::uint32_t>(alphabet.size()))]);
    }
    if (draw.OneIn(4)) v = fmt::format("{:04}-{:02}-{:02}", draw.Below(3000), draw.Below(14), draw.Below(33));
    values.push_back(v);
  }
  for (const std::string& v : values) {
    if (v.empty()) continue;
    ASSERT_LE(v.size(), static_cast<size_t>(page));
    char* at_end = page_end - v.size();
    std::memcpy(at_end, v.data(), v.size());
    for (std::string_view view : {std::string_view(v), std::string_view(at_end, v.size())}) {
      EXPECT_EQ(ValueHasType(view, ColumnType::kInt), ReferenceInt(v)) << "int: " << v;
      EXPECT_EQ(ValueHasType(view, ColumnType::kNumber), ReferenceNumber(v)) << "number: " << v;
      EXPECT_EQ(ValueHasType(view, ColumnType::kDate), ReferenceDate(v)) << "date: " << v;
    }
  }
  munmap(mem, static_cast<size_t>(page) * 2);
}

TEST(QualityTest, FreshnessFindsTheNewestValueAcrossBatchesAndParts) {
  // Values of equal length differing only in their last bytes, longer and
  // shorter ones: the newest is the greatest as text (the first of equal
  // ones), whatever batch or part it came in.
  Rules rules;
  ColumnRule at;
  at.name = "at";
  at.type = ColumnType::kDateTime;
  at.max_age = std::chrono::hours(1);  // fails, so the result names the newest value's line
  rules.columns = {at};
  std::vector<std::string> values = {"2026-11-20T10:00:00Z", "2026-11-20T10:00:09Z", "2026-11-20T10:00:10Z",
                                     "2026-11-20T10:00:10Z", "2026-11-20", "2026-11-20T10:00:1",
                                     "2026-11-19T23:59:59Z", ""};
  Draw draw(17);
  for (int round = 0; round < 20; ++round) {
    std::vector<std::string> rows = values;
    std::shuffle(rows.begin(), rows.end(), std::mt19937(static_cast<unsigned>(round)));
    std::int64_t want_line = 0;
    std::string want;
    for (size_t i = 0; i < rows.size(); ++i) {
      if (!rows[i].empty() && rows[i] > want) want = rows[i], want_line = static_cast<std::int64_t>(i) + 2;
    }
    QualityChecker checker(rules, FromUnix(1'800'000'000), std::nullopt);
    checker.Columns({"at"});
    auto fork = checker.Fork();
    fork->Columns({"at"});
    const size_t cut = draw.Below(static_cast<std::uint32_t>(rows.size()));
    // The fork counts lines from its first row's (row cut, on line cut + 2).
    const auto fork_offset = static_cast<std::int64_t>(cut) + 1;
    for (size_t i = 0; i < rows.size();) {
      const size_t batch = std::min<size_t>(1 + draw.Below(3), (i < cut ? cut : rows.size()) - i);
      std::vector<std::int64_t> lines;
      std::vector<std::string_view> views;
      for (size_t k = i; k < i + batch; ++k) {
        lines.push_back(static_cast<std::int64_t>(k) + 2 - (i < cut ? 0 : fork_offset));
        views.push_back(rows[k]);
      }
      (i < cut ? static_cast<RecordSink&>(checker) : *fork).Rows(lines.data(), views.data(), batch, 1);
      i += batch;
    }
    checker.Join(*fork, fork_offset);
    auto results = checker.Finish(static_cast<std::int64_t>(rows.size()), std::nullopt);
    auto it = std::find_if(results.begin(), results.end(), [](const RuleResult& r) { return r.rule == "freshness"; });
    ASSERT_NE(it, results.end());
    EXPECT_EQ(want, "2026-11-20T10:00:10Z");  // a prefix is smaller; two rows hold it
    EXPECT_NE(it->message.find("newest \"at\" is " + want), std::string::npos) << it->message;
    EXPECT_EQ(it->rows, (std::vector<std::int64_t>{want_line})) << it->message;
  }
}

TEST(QualityTest, UniqueIntegersExactlyAcrossPartsWithTheirRows) {
  // Plain integers are compared as numbers, everything else as text: "7",
  // "07", "+7", "7.0" and "-0" are five different values; the same rows read
  // in one part and split into several (sequential runs cut anywhere,
  // repeats across the cuts) give the same count and the same first rows as
  // a plain set of strings.
  Draw draw(11);
  for (int round = 0; round < 30; ++round) {
    SCOPED_TRACE(fmt::format("round {}", round));
    std::vector<std::string> values;
    const int n = round % 3 == 1 ? 3000 + static_cast<int>(draw.Below(6000)) : 200 + static_cast<int>(draw.Below(3000));
    std::int64_t next = draw.OneIn(2) ? 1 : -1000;
    for (int i = 0; i < n; ++i) {
      if (round % 3 == 1 && i > 100) {
        // Keys in no order (a part goes straight to exact keys after its
        // first runs), a few of them repeated; now and then a short run.
        values.push_back(draw.OneIn(50) ? std::to_string(next++) : std::to_string(draw.Below(40000)));
        continue;
      }
      switch (draw.Below(round % 3 == 0 ? 1000 : 12)) {
        case 0: values.push_back(std::to_string(draw.Below(50))); break;               // a small number, may repeat
        case 1: values.push_back(fmt::format("0{}", draw.Below(50))); break;          // leading zero: text
        case 2: values.push_back(fmt::format("+{}", draw.Below(50))); break;          // plus sign: text
        case 3: values.push_back(draw.OneIn(2) ? "-0" : "0"); break;
        case 4: values.push_back(fmt::format("{}", 1234567890123456780LL + draw.Below(3))); break;  // 19 digits
        case 5: values.push_back(fmt::format("{}", 123456789012345670LL + draw.Below(3))); break;   // 18 digits
        case 6: values.push_back(fmt::format("id-{}", draw.Below(40))); break;
        case 7: next = static_cast<std::int64_t>(draw.Below(5000)) - 2500; [[fallthrough]];  // a new run
        default: values.push_back(std::to_string(next++)); break;
      }
    }
    // What a set of strings says, in file order (row i is on line i + 2).
    std::set<std::string> seen;
    std::int64_t want_repeats = 0;
    std::vector<std::int64_t> want_rows;
    for (size_t i = 0; i < values.size(); ++i) {
      if (!seen.insert(values[i]).second) {
        ++want_repeats;
        if (want_rows.size() < QualityChecker::kSampleRows) want_rows.push_back(static_cast<std::int64_t>(i) + 2);
      }
    }
    Rules rules;
    ColumnRule id;
    id.name = "id";
    id.unique = true;
    rules.columns = {id};
    for (int parts : {1, 2, 5}) {
      QualityChecker checker(rules, FromUnix(0), std::nullopt);
      checker.Columns({"id"});
      std::vector<std::unique_ptr<RecordSink>> forks;
      std::vector<size_t> cuts = {0};
      for (int p = 1; p < parts; ++p) cuts.push_back(draw.Below(static_cast<std::uint32_t>(values.size())));
      std::sort(cuts.begin(), cuts.end());
      cuts.push_back(values.size());
      for (size_t p = 0; p + 1 < cuts.size(); ++p) {
        RecordSink* sink = &checker;
        if (p > 0) {
          forks.push_back(checker.Fork());
          forks.back()->Columns({"id"});
          sink = forks.back().get();
        }
        // Batches of varied size, as the reader hands them over; a fork
        // counts lines from its part's start (row cuts[p], on line cuts[p] + 2).
        const std::int64_t offset = p == 0 ? 0 : static_cast<std::int64_t>(cuts[p]) + 1;
        for (size_t i = cuts[p]; i < cuts[p + 1];) {
          const size_t batch = std::min<size_t>(1 + draw.Below(40), cuts[p + 1] - i);
          std::vector<std::int64_t> lines;
          std::vector<std::string_view> views;
          for (size_t k = i; k < i + batch; ++k) {
            lines.push_back(static_cast<std::int64_t>(k) + 2 - offset);
            views.push_back(values[k]);
          }
          sink->Rows(lines.data(), views.data(), batch, 1);
          i += batch;
        }
      }
      for (size_t f = 0; f < forks.size(); ++f) checker.Join(*forks[f], static_cast<std::int64_t>(cuts[f + 1]) + 1);
      auto results = checker.Finish(static_cast<std::int64_t>(values.size()), std::nullopt);
      auto it = std::find_if(results.begin(), results.end(), [](const RuleResult& r) { return r.rule == "unique"; });
      ASSERT_NE(it, results.end());
      EXPECT_EQ(it->ok, want_repeats == 0) << parts << " parts: " << it->message;
      EXPECT_EQ(it->rows, want_rows) << parts << " parts: " << it->message;
      if (want_repeats > 0) {
        EXPECT_EQ(it->message.rfind(fmt::format("{} duplicate", want_repeats), 0), 0u) << parts << " parts: " << it->message;
      }
    }
  }
}

TEST(QualityTest, UniqueIntegersShuffledManyRunsAndOneRepeat) {
  // Over 2^20 runs (a shuffled id column) the runs are spelled out and
  // counted exactly; one planted repeat is found with its line.
  const int n = 1'100'000;
  std::vector<std::int64_t> ids(n);
  for (int i = 0; i < n; ++i) ids[static_cast<size_t>(i)] = i * 3;  // gaps: every value a run of its own
  std::mt19937 gen(5);
  std::shuffle(ids.begin(), ids.end(), gen);
  ids[900'000] = ids[123];  // line 900,002 repeats line 125
  Rules rules;
  ColumnRule id;
  id.name = "id";
  id.unique = true;
  id.type = ColumnType::kInt;
  rules.columns = {id};
  QualityChecker checker(rules, FromUnix(0), std::nullopt);
  checker.Columns({"id"});
  auto fork = checker.Fork();
  fork->Columns({"id"});
  std::vector<std::string> text(256);
  std::vector<std::string_view> views(256);
  std::vector<std::int64_t> lines(256);
  std::int64_t fork_offset = -1;  // the fork counts lines from its first row's
  for (int i = 0; i < n; i += 256) {
    const size_t batch = static_cast<size_t>(std::min(256, n - i));
    const bool in_fork = i >= n / 2;
    if (in_fork && fork_offset < 0) fork_offset = i + 1;
    for (size_t k = 0; k < batch; ++k) {
      text[k] = std::to_string(ids[static_cast<size_t>(i) + k]);
      views[k] = text[k];
      lines[k] = i + static_cast<std::int64_t>(k) + 2 - (in_fork ? fork_offset : 0);
    }
    (in_fork ? *fork : static_cast<RecordSink&>(checker)).Rows(lines.data(), views.data(), batch, 1);
  }
  checker.Join(*fork, fork_offset);
  auto results = checker.Finish(n, std::nullopt);
  auto it = std::find_if(results.begin(), results.end(), [](const RuleResult& r) { return r.rule == "unique"; });
  ASSERT_NE(it, results.end());
  EXPECT_FALSE(it->ok);
  EXPECT_EQ(it->rows, (std::vector<std::int64_t>{900'002}));
  EXPECT_EQ(it->message.rfind("1 duplicate value", 0), 0u) << it->message;
}

TEST(ReaderTest, LargeCompressedDeliveriesReadAheadInOrder) {
  // Several MiB decompressed: read on a thread of its own a few 1 MiB chunks
  // ahead of the checks (when there is a second core). Every row arrives,
  // in order, on its line, as from the plain file; a corrupt stretch in the
  // middle is reported after the rows before it.
  std::string csv = "id,note\n";
  for (int i = 1; i <= 200000; ++i) csv += fmt::format("{},\"note {} of many, quoted\"\n", i, i);
  ASSERT_GT(csv.size(), 6u << 20);
  TempDir dir;
  WriteFile(dir.path() / "plain.csv", csv);
  WriteFile(dir.path() / "d.csv.gz", Gzip(csv));
  WriteFile(dir.path() / "d.csv.zst", Zstd(csv));
  Collect plain;
  ASSERT_TRUE(ReadDelivery(dir.path() / "plain.csv", Format::kAuto, plain).has_value());
  ASSERT_EQ(plain.rows.size(), 200000u);
  for (const char* name : {"d.csv.gz", "d.csv.zst"}) {
    SCOPED_TRACE(name);
    Collect got;
    auto stats = ReadDelivery(dir.path() / name, Format::kAuto, got);
    ASSERT_TRUE(stats.has_value()) << stats.error().message;
    EXPECT_EQ(stats->rows, 200000);
    EXPECT_TRUE(got.rows == plain.rows) << "rows differ from the plain file's";
  }

  std::string gz = Gzip(csv);
  for (size_t i = gz.size() / 2; i < gz.size() / 2 + 4096; ++i) gz[i] = static_cast<char>(gz[i] ^ 0x5a);
  WriteFile(dir.path() / "broken.csv.gz", gz);
  Collect partial;
  auto broken = ReadDelivery(dir.path() / "broken.csv.gz", Format::kAuto, partial);
  ASSERT_FALSE(broken.has_value());
  EXPECT_EQ(broken.error().message.rfind("broken.csv.gz: corrupt gzip data", 0), 0u) << broken.error().message;
  EXPECT_GT(partial.rows.size(), 1000u) << "the rows before the damage were read";

  // A header that is not UTF-8 stops the read at once; the decompressing
  // thread, chunks ahead and waiting for room, is stopped, not waited out.
  WriteFile(dir.path() / "early.csv.zst", Zstd("id,n\xFF\n" + csv.substr(csv.find('\n') + 1)));
  Collect early;
  auto stopped = ReadDelivery(dir.path() / "early.csv.zst", Format::kAuto, early);
  ASSERT_FALSE(stopped.has_value());
  EXPECT_EQ(stopped.error().message, "early.csv.zst:1: invalid UTF-8 in the header, column 2");
  EXPECT_TRUE(early.rows.empty());
}

TEST(ReaderTest, AFileThatShrinksWhileReadIsAnErrorNamingIt) {
  // A supplier's upload rewrites the file while the check reads it: the
  // read ends with a clear error, not a crash (its pages are read with
  // pread, so a short file is an end of data, never a fault in a mapping).
  std::string csv = "id,note\n";
  for (int i = 1; i <= 20000; ++i) csv += fmt::format("{},row {}\n", i, i);
  TempDir dir;
  const auto file = dir.path() / "s.csv";
  WriteFile(file, csv);
  struct Shrinking : Collect {
    std::filesystem::path path;
    void Row(std::int64_t line, const std::vector<std::string_view>& v) override {
      if (rows.empty()) std::filesystem::resize_file(path, 64 << 10);
      Collect::Row(line, v);
    }
  } sink;
  sink.path = file;
  ReadTuning small;
  small.threads = 1;
  small.block_bytes = 16 << 10;
  auto stats = ReadDelivery(file, Format::kAuto, sink, nullptr, small);
  ASSERT_FALSE(stats.has_value());
  EXPECT_EQ(stats.error().message, "s.csv: the file shrank while it was read");
  EXPECT_FALSE(sink.rows.empty());
}

TEST(ReaderTest, BatchesKeepDecodedFieldsAndLines) {
  // Fields rewritten by the scanner (doubled quotes) live in its own buffer,
  // reused for the next record: in a batch of rows each must keep its value.
  std::string csv = "id,note\n";
  for (int i = 1; i <= 700; ++i) {
    csv += i % 3 == 0 ? fmt::format("{},\"say \"\"{}\"\"\"\n", i, i) : fmt::format("{},\"plain {}\"\n", i, i);
    if (i % 250 == 0) csv += "\n";  // a blank line shifts the lines after it
  }
  TempDir dir;
  WriteFile(dir.path() / "b.csv", csv);
  Collect got;
  ReadTuning one;
  one.threads = 1;
  auto stats = ReadDelivery(dir.path() / "b.csv", Format::kAuto, got, nullptr, one);
  ASSERT_TRUE(stats.has_value()) << stats.error().message;
  ASSERT_EQ(got.rows.size(), 700u);
  for (int i = 1; i <= 700; ++i) {
    const auto& [line, row] = got.rows[static_cast<size_t>(i - 1)];
    EXPECT_EQ(line, i + 1 + (i - 1) / 250) << i;
    EXPECT_EQ(row[1], i % 3 == 0 ? fmt::format("say \"{}\"", i) : fmt::format("plain {}", i)) << i;
  }
}

}  // namespace
}  // namespace ctodesk::suppliers
