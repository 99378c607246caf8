#include "desks/keys/keys.h"

#include <sqlite3.h>

#include <fstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "brief/brief.h"
#include "desks/keys/registry.h"
#include "desks/keys/test_util.h"

namespace ctodesk::keys {
namespace {

using testing::At;
using testing::TempDir;

const Finding* FindKind(const std::vector<Finding>& fs, std::string_view kind, std::string_view subject = {}) {
  for (const Finding& f : fs) {
    if (f.kind == kind && (subject.empty() || f.subject == subject)) return &f;
  }
  return nullptr;
}

TEST(KeysDeskTest, ReportsSuspendedExpiringUnusedAndQuietKeys) {
  auto store = NewMemoryStore();
  FixedClock clock(At("2026-11-27T08:00:00Z"));
  const TimePoint now = clock.Now();
  auto issue = [&](std::string owner, TimePoint at, std::optional<Duration> expires) {
    IssueRequest r;
    r.owner = std::move(owner);
    r.client = "Globex";
    r.expires_in = expires;
    auto k = IssueKey(*store, r, at);
    EXPECT_TRUE(k);
    return k->record;
  };
  KeyRecord fine = issue("fine", now - std::chrono::days(200), std::nullopt);
  KeyRecord expiring = issue("expiring", now - std::chrono::days(80), std::chrono::days(90));
  KeyRecord unused = issue("unused", now - std::chrono::days(120), std::nullopt);
  KeyRecord stopped = issue("stopped", now - std::chrono::days(10), std::nullopt);
  KeyRecord revoked = issue("revoked", now - std::chrono::days(200), std::nullopt);
  ASSERT_TRUE(store->AppendUsage({{fine.id, (ToUnix(now) - 3600) * 1000, "1.1.1.1", "GET", "/a", 200, "x", "guard"},
                                  {expiring.id, (ToUnix(now) - 3600) * 1000, "1.1.1.1", "GET", "/a", 200, "x", "guard"},
                                  {unused.id, (ToUnix(now) - 100 * 86400) * 1000, "1.1.1.1", "GET", "/a", 200, "x", "guard"}}));
  ASSERT_TRUE(SuspendKey(*store, stopped.id, "walked 50 consecutive ids on /customers/{id} (1..50)",
                         R"({"consecutive ids":"50","pattern":"/customers/{id}"})", "guard", now));
  ASSERT_TRUE(RevokeKey(*store, revoked.id, "gone", "cli", now - std::chrono::days(100)));

  KeysDesk desk{Settings{}};
  DeskContext ctx{*store, clock, TempDir()};  // never the working folder: its .ctodesk/ may hold an audit key
  auto report = desk.Run(ctx);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->checked, 5);
  const Finding* s = FindKind(report->findings, "suspended", stopped.id);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->severity, Severity::kActNow);
  EXPECT_NE(s->title.find("walked 50 consecutive ids"), std::string::npos) << s->title;
  bool has_pattern = false;
  for (const auto& [k, v] : s->evidence) has_pattern |= k == "pattern";
  EXPECT_TRUE(has_pattern) << "the evidence from the audit entry";
  const Finding* e = FindKind(report->findings, "expiring", expiring.id);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->severity, Severity::kThisWeek);
  const Finding* u = FindKind(report->findings, "unused", unused.id);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->severity, Severity::kFyi);
  EXPECT_EQ(report->findings.size(), 3u) << "nothing about the fine and the revoked key";
  EXPECT_FALSE(FindKind(report->findings, "audit-chain-broken"));
}

TEST(KeysDeskTest, EachChangeOfLimitsIsAudited) {
  auto store = NewMemoryStore();
  FixedClock clock(At("2026-11-27T08:00:00Z"));
  Settings settings;
  settings.plans.push_back({.name = "standard", .rate_per_minute = 600});
  auto count = [&] {
    int n = 0;
    auto trail = store->AuditTrail();
    for (const AuditEntry& e : *trail) n += e.action == "limits";
    return n;
  };
  DeskContext ctx{*store, clock, TempDir()};  // never the working folder: its .ctodesk/ may hold an audit key
  ASSERT_TRUE(KeysDesk(settings).Run(ctx));
  ASSERT_TRUE(KeysDesk(settings).Run(ctx));
  EXPECT_EQ(count(), 1) << "unchanged limits are recorded once";
  settings.plans[0].rate_per_minute = 1200;
  EXPECT_TRUE(*RecordLimitsIfChanged(*store, settings, "serve", clock.Now()));
  EXPECT_EQ(count(), 2);
  EXPECT_NE(store->AuditTrail()->back().detail.find("1200"), std::string::npos);
}

TEST(KeysDeskTest, ABrokenAuditChainIsActNow) {
  auto dir = TempDir();
  FixedClock clock(At("2026-11-27T08:00:00Z"));
  {
    auto store = testing::OpenStore(dir / "desk.db");
    IssueRequest r;
    r.owner = "alice";
    ASSERT_TRUE(IssueKey(*store, r, clock.Now()));
    ASSERT_TRUE(IssueKey(*store, r, clock.Now()));
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "desk.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE audit_log SET actor = 'nobody' WHERE seq = 1", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto store = testing::OpenStore(dir / "desk.db");
  KeysDesk desk{Settings{}};
  DeskContext ctx{*store, clock, dir};
  auto report = desk.Run(ctx);
  ASSERT_TRUE(report);
  const Finding* f = FindKind(report->findings, "audit-chain-broken");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, Severity::kActNow);
}

TEST(KeysDeskTest, ConfiguredFromTomlIngestsItsLogAndStopsAScraper) {
  auto dir = TempDir();
  std::string config = R"toml(
[keys]
prefix = "acme"
objects = ["/customers/{id}"]
access_logs = ["gateway.log"]

[[keys.plans]]
name = "partner"
rate_per_minute = 1000
sequential_walk = 30
)toml";
  auto setup = LoadSetupFromString(config, "ctodesk.toml", dir);
  ASSERT_TRUE(setup) << setup.error().message;
  auto store = NewMemoryStore();
  FixedClock clock(At("2026-11-27T12:00:00Z"));
  IssueRequest r;
  r.prefix = "acme";
  r.owner = "dana";
  r.client = "Umbrella";
  r.plan = "partner";
  auto k = IssueKey(*store, r, clock.Now() - std::chrono::days(3));
  ASSERT_TRUE(k);
  std::ofstream log(dir / "gateway.log");
  for (int i = 0; i < 100; ++i) {
    log << fmt::format(R"(198.51.100.4 - - [27/Nov/2026:09:{:02}:{:02} +0000] "GET /customers/{} HTTP/1.1" 200 10 "-" "scraper/1.0" "{}")",
                       i / 60, i % 60, 2000 + i, k->record.id) << "\n";
  }
  log << "corrupt line\n";
  log.close();
  auto briefing = RunBriefing(*setup, *store, clock);
  ASSERT_TRUE(briefing) << briefing.error().message;
  const Finding* s = FindKind(briefing->findings, "suspended", k->record.id);
  ASSERT_TRUE(s) << "the desk ingested the log and stopped the scraper";
  EXPECT_EQ(s->severity, Severity::kActNow);
  const Finding* m = FindKind(briefing->findings, "log-malformed");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->evidence.front().first, "line 101");
  // A second run does not ingest the same lines again.
  auto again = RunBriefing(*setup, *store, clock);
  ASSERT_TRUE(again);
  EXPECT_EQ(store->Usage(k->record.id, 0, ToUnix(clock.Now()) * 1000)->size(), 100u);

  auto bad = LoadSetupFromString("[keys]\nprefix = \"Bad!\"\nobjects = [\"nope\"]\n", "c.toml", dir);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("c.toml:2"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("keys.objects"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace ctodesk::keys
