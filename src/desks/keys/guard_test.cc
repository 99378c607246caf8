#include "desks/keys/guard.h"

#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "desks/keys/key_format.h"
#include "desks/keys/registry.h"
#include "desks/keys/test_util.h"
#include "loopback/loopback_server.h"

namespace ctodesk::keys {
namespace {

using testing::OpenStore;
using testing::TempDir;

class GuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = TempDir() / "desk.db";
    cli_ = OpenStore(path_);
    ASSERT_TRUE(cli_);
    settings_.prefix = "acme";
    settings_.objects = {*ParseObjectPattern("/customers/{id}")};
    settings_.plans.push_back({.name = "default", .rate_per_minute = 100, .sequential_walk = 10});
    key_ = Issue("alice", "Globex");
  }

  IssuedKey Issue(std::string owner, std::string client) {
    IssueRequest r;
    r.prefix = "acme";
    r.owner = std::move(owner);
    r.client = std::move(client);
    auto k = IssueKey(*cli_, r, SystemClock().Now());
    EXPECT_TRUE(k);
    return *k;
  }

  std::unique_ptr<Guard> Start(GuardOptions options = {}) {
    auto g = Guard::Start(OpenStore(path_), settings_, options);
    EXPECT_TRUE(g) << (g ? "" : g.error().message);
    return g ? std::move(*g) : nullptr;
  }

  static GuardRequest Bearer(const std::string& key, std::string uri = "/customers/1") {
    GuardRequest r;
    r.authorization = "Bearer " + key;
    r.original_uri = std::move(uri);
    r.original_method = "GET";
    r.remote_ip = "127.0.0.1";
    r.user_agent = "test";
    return r;
  }

  static std::string Header(const GuardResponse& r, std::string_view name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return "";
  }

  // Polls until `pred` holds or `limit` passes; returns how long it took.
  template <typename Pred>
  static std::chrono::milliseconds WaitFor(Pred pred, std::chrono::milliseconds limit) {
    auto start = std::chrono::steady_clock::now();
    while (!pred() && std::chrono::steady_clock::now() - start < limit) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  }

  std::filesystem::path path_;
  std::unique_ptr<Store> cli_;
  Settings settings_;
  IssuedKey key_;
};

TEST_F(GuardTest, ExtractsTheKeyFromEachPlace) {
  GuardRequest r;
  r.original_uri = "/x?a=1&api_key=Q&b=2";
  EXPECT_EQ(ExtractKey(r, "api_key"), "Q");
  r.api_key_header = "H";
  EXPECT_EQ(ExtractKey(r, "api_key"), "H");
  r.authorization = "bearer  B ";
  EXPECT_EQ(ExtractKey(r, "api_key"), "B");
  EXPECT_EQ(ExtractKey(GuardRequest{}, "api_key"), "");
}

TEST_F(GuardTest, AnswersEachCase) {
  auto g = Start();
  ASSERT_TRUE(g);
  GuardResponse ok = g->Check(Bearer(key_.plain_key));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(Header(ok, "X-Key-Id"), key_.record.id);
  EXPECT_EQ(Header(ok, "X-Key-Owner"), "alice");

  GuardRequest via_header;
  via_header.api_key_header = key_.plain_key;
  via_header.original_uri = "/customers/2";
  EXPECT_EQ(g->Check(via_header).status, 200) << "X-Api-Key";
  GuardRequest via_query;
  via_query.original_uri = "/customers/3?api_key=" + key_.plain_key;
  EXPECT_EQ(g->Check(via_query).status, 200) << "query parameter";

  EXPECT_EQ(g->Check(GuardRequest{}).status, 401) << "no key";
  std::string bad = key_.plain_key;
  bad.back() = bad.back() == 'a' ? 'b' : 'a';
  GuardResponse r = g->Check(Bearer(bad));
  EXPECT_EQ(r.status, 401) << "bad checksum";
  EXPECT_EQ(g->stats().bad_checksum, 1) << "refused before the registry";
  auto other = GenerateKey("acme");
  EXPECT_EQ(g->Check(Bearer(*other)).status, 401) << "valid checksum, unknown key";
  auto foreign = GenerateKey("else");
  EXPECT_EQ(g->Check(Bearer(*foreign)).status, 401) << "someone else's prefix";
}

TEST_F(GuardTest, RegistryChangesFromAnotherProcessTakeEffectWithinASecond) {
  auto g = Start();
  ASSERT_TRUE(g);
  IssuedKey fresh = Issue("bob", "Initech");  // issued after the guard started
  auto took = WaitFor([&] { return g->Check(Bearer(fresh.plain_key)).status == 200; },
                      std::chrono::milliseconds(3000));
  EXPECT_LT(took.count(), 1000) << "new key took " << took.count() << " ms";

  ASSERT_TRUE(RevokeKey(*cli_, fresh.record.id, "leaked", "cli", SystemClock().Now()));
  took = WaitFor([&] { return g->Check(Bearer(fresh.plain_key)).status == 401; },
                 std::chrono::milliseconds(3000));
  EXPECT_LT(took.count(), 1000) << "revocation took " << took.count() << " ms";

  ASSERT_TRUE(SuspendKey(*cli_, key_.record.id, "by hand", "{}", "cli", SystemClock().Now()));
  took = WaitFor([&] { return g->Check(Bearer(key_.plain_key)).status == 403; },
                 std::chrono::milliseconds(3000));
  EXPECT_LT(took.count(), 1000) << "suspension took " << took.count() << " ms";
  GuardResponse r = g->Check(Bearer(key_.plain_key));
  EXPECT_EQ(Header(r, "X-Guard-Reason"), "suspended: by hand");

  ASSERT_TRUE(ReinstateKey(*cli_, key_.record.id, "cli", SystemClock().Now()));
  took = WaitFor([&] { return g->Check(Bearer(key_.plain_key)).status == 200; },
                 std::chrono::milliseconds(3000));
  EXPECT_LT(took.count(), 1000) << "reinstatement took " << took.count() << " ms";
}

TEST_F(GuardTest, RateLimitAnswers429WithRetryAfter) {
  auto g = Start();
  ASSERT_TRUE(g);
  const std::int64_t t = 1'796'200'000'000;
  for (int i = 0; i < 100; ++i) {
    GuardRequest r = Bearer(key_.plain_key, "/search");
    r.at_ms = t + i;
    ASSERT_EQ(g->Check(r).status, 200) << i;
  }
  GuardRequest r = Bearer(key_.plain_key, "/search");
  r.at_ms = t + 100;
  GuardResponse res = g->Check(r);
  EXPECT_EQ(res.status, 429);
  EXPECT_FALSE(Header(res, "Retry-After").empty());
}

TEST_F(GuardTest, ATrippedRuleSuspendsAuditsAndAlerts) {
  auto hook = LoopbackServer::Start({{"/hook", 200, "ok"}});
  ASSERT_TRUE(hook);
  GuardOptions options;
  options.alerts.push_back({"ops", (*hook)->Url("/hook")});
  auto g = Start(options);
  ASSERT_TRUE(g);
  int status = 200, n = 0;
  for (; n < 50 && status == 200; ++n) {
    status = g->Check(Bearer(key_.plain_key, "/customers/" + std::to_string(500 + n))).status;
  }
  EXPECT_EQ(status, 403);
  EXPECT_EQ(n, 10) << "the 10th consecutive id trips";
  GuardResponse again = g->Check(Bearer(key_.plain_key, "/customers/1"));
  EXPECT_EQ(again.status, 403) << "stays stopped";
  EXPECT_NE(Header(again, "X-Guard-Reason").find("consecutive"), std::string::npos);
  // Another key is unaffected.
  IssuedKey other = Issue("carol", "Hooli");
  WaitFor([&] { return g->Check(Bearer(other.plain_key)).status == 200; }, std::chrono::milliseconds(2000));

  // Recorded in the registry and the audit trail, from the guard's thread.
  WaitFor([&] { return (*cli_->GetKey(key_.record.id))->suspended_at.has_value(); },
          std::chrono::milliseconds(2000));
  auto k = cli_->GetKey(key_.record.id);
  ASSERT_TRUE((*k)->suspended_at);
  auto trail = cli_->AuditTrail();
  const AuditEntry& last = [&]() -> const AuditEntry& {
    for (auto it = trail->rbegin(); it != trail->rend(); ++it) {
      if (it->action == "suspend") return *it;
    }
    return trail->back();
  }();
  EXPECT_EQ(last.action, "suspend");
  EXPECT_EQ(last.actor, "guard");
  EXPECT_NE(last.detail.find("sequential-walk"), std::string::npos) << last.detail;
  g->Stop();
  auto reqs = (*hook)->Requests();
  ASSERT_EQ(reqs.size(), 1u) << "one webhook";
  EXPECT_NE(reqs[0].body.find(key_.record.id), std::string::npos);
  EXPECT_EQ(reqs[0].body.find(key_.plain_key), std::string::npos) << "no plain key in alerts";
  // After a restart the suspension holds (it is in the store).
  auto g2 = Start();
  EXPECT_EQ(g2->Check(Bearer(key_.plain_key)).status, 403);
}

TEST_F(GuardTest, UsageIsWrittenInBatchesAndStopFlushesEverything) {
  GuardOptions options;
  options.flush_interval = std::chrono::milliseconds(200);
  auto g = Start(options);
  ASSERT_TRUE(g);
  for (int i = 0; i < 500; ++i) g->Check(Bearer(key_.plain_key, "/search?q=" + key_.plain_key));
  g->Stop();
  auto events = cli_->Usage(key_.record.id, 0, std::numeric_limits<std::int64_t>::max());
  ASSERT_TRUE(events);
  EXPECT_EQ(events->size(), 500u) << "all acknowledged requests survive Stop()";
  EXPECT_EQ((*events)[0].path, "/search") << "query (with the key) not stored";
  EXPECT_LT(g->stats().flushes, 100) << "group commit: far fewer transactions than requests";
}

TEST_F(GuardTest, AFullBatchIsWrittenWithoutWaitingForTheInterval) {
  GuardOptions options;
  options.flush_interval = std::chrono::seconds(30);
  options.poll_interval = std::chrono::seconds(30);
  options.flush_events = 50;
  settings_.plans[0].rate_per_minute = 0;
  auto g = Start(options);
  ASSERT_TRUE(g);
  for (int i = 0; i < 49; ++i) ASSERT_EQ(g->Check(Bearer(key_.plain_key)).status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(g->stats().events_written, 0) << "49 events wait for the interval";
  ASSERT_EQ(g->Check(Bearer(key_.plain_key)).status, 200);
  WaitFor([&] { return g->stats().events_written >= 50; }, std::chrono::seconds(2));
  EXPECT_EQ(g->stats().events_written, 50) << "the 50th event starts a flush";
  // The slots of the written batch are reused: the next batch is written
  // whole and nothing from the first one is written twice.
  for (int i = 0; i < 50; ++i) ASSERT_EQ(g->Check(Bearer(key_.plain_key, "/orders/" + std::to_string(i))).status, 200);
  WaitFor([&] { return g->stats().events_written >= 100; }, std::chrono::seconds(2));
  EXPECT_EQ(g->stats().events_written, 100);
  g->Stop();
  auto events = cli_->Usage(key_.record.id, 0, std::numeric_limits<std::int64_t>::max());
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 100u);
  std::set<std::string> orders;
  for (const UsageEvent& e : *events) {
    if (e.path.starts_with("/orders/")) orders.insert(e.path);
  }
  EXPECT_EQ(orders.size(), 50u);
}

TEST_F(GuardTest, AFullQueueMakesAnswersWaitForTheWriterNotGrow) {
  GuardOptions options;
  options.flush_interval = std::chrono::seconds(30);
  options.flush_events = 1000;
  options.max_queued_events = 20;
  settings_.plans[0].rate_per_minute = 0;
  auto g = Start(options);
  ASSERT_TRUE(g);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(g->Check(Bearer(key_.plain_key, "/search")).status, 200);
  EXPECT_GE(g->stats().queue_full_waits, 1) << "the 21st answer waited";
  // At most 20 queued and 20 being written: the rest must be in the store,
  // long before the 30 s interval.
  EXPECT_GE(g->stats().events_written, 60) << "the writer took full queues without waiting";
  g->Stop();
  EXPECT_EQ(g->stats().events_written, 100);
  EXPECT_EQ(g->stats().events_dropped, 0);
}

TEST_F(GuardTest, ManyThreadsAtOnce) {
  auto g = Start();
  ASSERT_TRUE(g);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        if (g->Check(Bearer(key_.plain_key, "/search")).status == 200) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 80);
}

}  // namespace
}  // namespace ctodesk::keys
