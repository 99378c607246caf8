#include "desks/keys/access_log.h"

#include <fstream>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "desks/keys/ingest.h"
#include "desks/keys/key_format.h"
#include "desks/keys/registry.h"
#include "desks/keys/test_util.h"

namespace ctodesk::keys {
namespace {

using testing::At;
using testing::TempDir;

TEST(AccessLogTest, ParsesCombinedLinesWithAndWithoutAKeyField) {
  std::string error;
  auto r = ParseCombinedLine(
      R"(203.0.113.7 - - [27/Nov/2026:09:00:01 +0100] "GET /customers/17?api_key=secret HTTP/1.1" 200 512 "-" "python-requests/2.31" "key_0a1b2c3d4e5f")",
      &error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->event.ip, "203.0.113.7");
  EXPECT_EQ(r->event.at_ms, ToUnix(At("2026-11-27T08:00:01Z")) * 1000);
  EXPECT_EQ(r->event.method, "GET");
  EXPECT_EQ(r->event.path, "/customers/17") << "query dropped";
  EXPECT_EQ(r->event.status, 200);
  EXPECT_EQ(r->event.user_agent, "python-requests/2.31");
  EXPECT_EQ(r->key, "key_0a1b2c3d4e5f");

  r = ParseCombinedLine(
      R"(10.0.0.1 - key_aaaaaaaaaaaa [01/Jan/2026:00:00:00 +0000] "POST /orders HTTP/2.0" 201 0 "https://x/" "curl/8.0")",
      &error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->key, "key_aaaaaaaaaaaa") << "from $remote_user";
  r = ParseCombinedLine(R"(10.0.0.1 - - [01/Jan/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 0 "-" "-")", &error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->key, "");
}

TEST(AccessLogTest, SaysWhatIsWrongWithABadLine) {
  struct Case {
    const char* line;
    const char* expect;
  } cases[] = {
      {"", "empty"},
      {"garbage", "expected"},
      {R"(1.2.3.4 - - [32/Nov/2026:09:00:01 +0000] "GET / HTTP/1.1" 200 1 "-" "-")", "bad time"},
      {R"(1.2.3.4 - - [27/Nov/2026:09:00:01 +0000] "GET / HTTP/1.1" abc 1 "-" "-")", "bad status"},
      {R"(1.2.3.4 - - [27/Nov/2026:09:00:01 +0000] "GET / HTTP/1.1 200 1)", "quoted"},
      {"\x01\x02\xff\xfe binary junk", "expected"},
  };
  for (const Case& c : cases) {
    std::string error;
    EXPECT_FALSE(ParseCombinedLine(c.line, &error)) << c.line;
    EXPECT_NE(error.find(c.expect), std::string::npos) << c.line << " -> " << error;
  }
}

TEST(AccessLogTest, ParsesJsonLines) {
  JsonLineParser p("api_key_id");
  std::string error;
  auto r = p.Parse(R"({"time":"2026-11-27T09:00:01Z","remote_addr":"10.1.1.1","method":"GET","uri":"/customers/9?x=1","status":200,"user_agent":"Go-http-client/1.1","api_key_id":"key_000000000001"})", &error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->event.path, "/customers/9");
  EXPECT_EQ(r->event.status, 200);
  EXPECT_EQ(r->key, "key_000000000001");
  r = p.Parse(R"({"time":1796202001.5,"path":"/x","status":"404"})", &error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->event.at_ms, 1796202001500);
  EXPECT_EQ(r->event.status, 404);
  for (const char* bad : {"{", "[1,2]", R"({"path":"/x"})", R"({"time":"yesterday","path":"/x"})",
                          "not json", R"({"time":1,"path":"/x"} trailing)"}) {
    EXPECT_FALSE(p.Parse(bad, &error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(IngestTest, CountsMalformedLinesWithNumbersAndCarriesOn) {
  auto dir = TempDir();
  auto store = NewMemoryStore();
  const TimePoint now = At("2026-11-27T12:00:00Z");
  IssueRequest req;
  req.prefix = "acme";
  req.owner = "alice";
  auto k = IssueKey(*store, req, now - std::chrono::days(1));
  ASSERT_TRUE(k);
  const std::string id = k->record.id;
  std::string log;
  auto line = [&](int sec, const std::string& path, const std::string& key) {
    return fmt::format(R"(198.51.100.4 - - [27/Nov/2026:09:00:{:02} +0000] "GET {} HTTP/1.1" 200 10 "-" "scraper/1.0" "{}")",
                       sec, path, key) + "\n";
  };
  log += line(1, "/customers/1", id);                     // 1
  log += "this is not a log line\n";                      // 2
  log += line(2, "/customers/2", id);                     // 3
  log += std::string("\x00\x01\x02\xff", 4) + "\n";       // 4
  log += line(3, "/customers/3", "key_unknown00000");      // 5
  log += line(4, "/customers/4?api_key=" + k->plain_key, k->plain_key);  // 6: a plain key logged
  log += line(5, "/customers/5", "-");                     // 7
  log += line(6, "/customers/6", id);                      // 8, no newline: still being written
  log.pop_back();
  std::ofstream(dir / "gateway.log", std::ios::binary) << log;

  Settings settings;
  settings.prefix = "acme";
  auto report = IngestLog(*store, settings, dir / "gateway.log", {}, now);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->lines, 7);
  EXPECT_EQ(report->malformed, 2);
  ASSERT_EQ(report->problems.size(), 2u);
  EXPECT_EQ(report->problems[0].line, 2);
  EXPECT_EQ(report->problems[1].line, 4);
  EXPECT_EQ(report->unknown_key, 1);
  EXPECT_EQ(report->no_key, 1);
  EXPECT_EQ(report->plain_keys, 1);
  EXPECT_EQ(report->events, 3);
  auto events = store->Usage(id, 0, ToUnix(now) * 1000);
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[2].path, "/customers/4") << "the ?api_key= never reaches the store";
  EXPECT_EQ((*events)[0].source, "gateway.log");

  // Resuming from end_offset picks up the line once it is complete.
  std::ofstream(dir / "gateway.log", std::ios::binary | std::ios::app) << "\n";
  IngestOptions again;
  again.start_offset = report->end_offset;
  auto second = IngestLog(*store, settings, dir / "gateway.log", again, now);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->lines, 1);
  EXPECT_EQ(second->events, 1);
  EXPECT_EQ(store->Usage(id, 0, ToUnix(now) * 1000)->size(), 4u);

  EXPECT_FALSE(IngestLog(*store, settings, dir / "missing.log", {}, now)) << "unreadable file";
}

TEST(IngestTest, DetectsAScraperInALogAndSuspendsIt) {
  auto dir = TempDir();
  auto store = NewMemoryStore();
  const TimePoint now = At("2026-11-27T12:00:00Z");
  IssueRequest req;
  req.owner = "dana";
  req.client = "Umbrella";
  req.plan = "partner";
  auto scraper = IssueKey(*store, req, now - std::chrono::days(1));
  req.owner = "erin";
  auto normal = IssueKey(*store, req, now - std::chrono::days(1));
  ASSERT_TRUE(scraper && normal);
  std::string log;
  for (int i = 0; i < 300; ++i) {
    log += fmt::format(R"(198.51.100.4 - - [27/Nov/2026:09:{:02}:{:02} +0000] "GET /customers/{} HTTP/1.1" 200 10 "-" "scraper/1.0" "{}")",
                       i / 60, i % 60, 10000 + i, scraper->record.id) + "\n";
    log += fmt::format(R"(10.0.0.8 - - [27/Nov/2026:09:{:02}:{:02} +0000] "GET /customers/{} HTTP/1.1" 200 10 "-" "app/2.0" "{}")",
                       i / 60, i % 60, (i * 7919) % 5000, normal->record.id) + "\n";
  }
  std::ofstream(dir / "gateway.log", std::ios::binary) << log;
  Settings settings;
  settings.objects = {*ParseObjectPattern("/customers/{id}")};
  settings.plans.push_back({.name = "partner", .rate_per_minute = 1000, .sequential_walk = 50});
  auto report = IngestLog(*store, settings, dir / "gateway.log", {}, now);
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_EQ(report->trips.size(), 1u);
  EXPECT_EQ(report->trips[0].key_id, scraper->record.id);
  EXPECT_EQ(report->trips[0].decision.rule, "sequential-walk");
  auto k = store->GetKey(scraper->record.id);
  EXPECT_TRUE((*k)->suspended_at) << "the automatic stop";
  EXPECT_FALSE((*store->GetKey(normal->record.id))->suspended_at);
  EXPECT_EQ(store->AuditTrail()->back().action, "suspend");
  EXPECT_EQ(report->events, 600) << "every line is still recorded";
}

// The usage store behind `keys audit` changed shape (rows -> compressed
// blocks, written on a second thread): an ingest into the SQLite store must
// give exactly the answers of the plain in-memory list, for every key and
// window, with malformed lines, plain keys, unknown keys, ties, time going
// backwards and more lines than one write batch.
TEST(IngestTest, AuditAnswersMatchThePlainListAfterABigIngest) {
  auto dir = TempDir();
  auto sqlite = OpenSqliteStore(dir / "desk.db");
  ASSERT_TRUE(sqlite) << sqlite.error().message;
  auto memory = NewMemoryStore();
  const TimePoint now = At("2026-11-28T12:00:00Z");
  std::vector<IssuedKey> keys;
  for (int i = 0; i < 8; ++i) {
    IssueRequest req;
    req.prefix = "acme";
    req.owner = fmt::format("owner{}", i);
    req.plan = i == 7 ? "partner" : "default";
    auto k = IssueKey(**sqlite, req, now - std::chrono::days(10));
    ASSERT_TRUE(k);
    ASSERT_TRUE(memory->SaveKey(k->record, AuditEntry{0, now, "test", "issue", k->record.id, "{}", "", ""}));
    keys.push_back(*k);
  }
  std::mt19937 rng(17);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const char* agents[] = {"AcmeApp/4.2 (iOS 17)", "python-requests/2.31", "okhttp/4.12", "-"};
  std::string log;
  std::int64_t t = ToUnix(At("2026-11-27T00:00:00Z"));
  int walked = 0;
  for (int i = 0; i < 60'000; ++i) {
    t += pick(0, 9) == 0 ? -pick(0, 30) : pick(0, 1);
    if (i % 9973 == 0) {
      log += "garbage\n";
      continue;
    }
    int k = pick(0, 9);
    std::string key = k < 7 ? keys[k].record.id : k == 7 ? keys[7].record.id  // the walker
                      : k == 8 ? "key_0000deadbeef" : keys[2].plain_key;
    std::string path = k == 7 ? fmt::format("/customers/{}", 5000 + walked++)
                              : fmt::format("/customers/{}", pick(1, 3000));
    std::string when = FormatTime(FromUnix(t));  // 2026-11-27T00:00:00Z
    std::string nginx_time = fmt::format("{}/Nov/2026:{}:{}:{} +0000", when.substr(8, 2), when.substr(11, 2),
                                         when.substr(14, 2), when.substr(17, 2));
    log += fmt::format(R"(10.0.{}.{} - - [{}] "GET {} HTTP/1.1" {} 99 "-" "{}" "{}")", pick(0, 3), pick(1, 50),
                       nginx_time, path, pick(0, 20) ? 200 : 404, agents[pick(0, 3)], key) + "\n";
  }
  std::ofstream(dir / "gateway.log", std::ios::binary) << log;
  Settings settings;
  settings.prefix = "acme";
  settings.objects = {*ParseObjectPattern("/customers/{id}")};
  settings.plans.push_back({.name = "partner", .rate_per_minute = 100000, .sequential_walk = 200});

  auto want = IngestLog(*memory, settings, dir / "gateway.log", {}, now);
  auto got = IngestLog(**sqlite, settings, dir / "gateway.log", {}, now);
  ASSERT_TRUE(want && got) << (got ? "" : got.error().message);
  EXPECT_GT(got->events, 50'000) << "more than one write batch";
  EXPECT_EQ(got->lines, want->lines);
  EXPECT_EQ(got->events, want->events);
  EXPECT_EQ(got->malformed, want->malformed);
  EXPECT_EQ(got->malformed, 7);
  ASSERT_EQ(got->problems.size(), want->problems.size());
  for (size_t i = 0; i < got->problems.size(); ++i) EXPECT_EQ(got->problems[i].line, want->problems[i].line);
  EXPECT_EQ(got->problems.front().line, 1);
  EXPECT_EQ(got->unknown_key, want->unknown_key);
  EXPECT_GT(got->plain_keys, 0);
  EXPECT_EQ(got->plain_keys, want->plain_keys);
  ASSERT_EQ(got->trips.size(), 1u);
  EXPECT_EQ(got->trips[0].key_id, keys[7].record.id);
  EXPECT_EQ(got->trips[0].at_ms, want->trips[0].at_ms);

  auto summary_text = [](const UsageSummary& u) {
    std::string out = fmt::format("{} {} {} {}", u.count, u.first_ms.value_or(-1), u.last_ms.value_or(-1),
                                  u.distinct_paths);
    for (const auto* v : {&u.ips, &u.user_agents, &u.paths, &u.statuses}) {
      for (const auto& [k, n] : *v) out += fmt::format(" {}={}", k, n);
      out += " |";
    }
    return out;
  };
  for (const IssuedKey& k : keys) {
    for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
             {"2026-01-01T00:00:00Z", "2026-12-31T00:00:00Z"},
             {"2026-11-27T03:00:00Z", "2026-11-27T03:00:05Z"},
             {"2026-11-27T05:10:00Z", "2026-11-27T09:00:00Z"},
             {"2026-11-27T20:00:00Z", "2026-11-28T00:00:00Z"}}) {
      std::int64_t f = ToUnix(At(from.c_str())) * 1000, e = ToUnix(At(to.c_str())) * 1000;
      auto w = memory->Usage(k.record.id, f, e);
      auto g = (*sqlite)->Usage(k.record.id, f, e);
      ASSERT_TRUE(w && g);
      EXPECT_EQ(summary_text(Summarize(*g)), summary_text(Summarize(*w))) << k.record.id << " " << from;
    }
    auto w = WasUsedWhileExposed(*memory, k.record, At("2026-11-27T10:00:00Z"), now);
    auto g = WasUsedWhileExposed(**sqlite, k.record, At("2026-11-27T10:00:00Z"), now);
    ASSERT_TRUE(w && g);
    EXPECT_EQ(g->used, w->used);
    EXPECT_EQ(g->refused, w->refused);
    EXPECT_EQ(summary_text(g->usage), summary_text(w->usage));
  }
  EXPECT_EQ(*(*sqlite)->LastUses(), *memory->LastUses());
}

}  // namespace
}  // namespace ctodesk::keys
