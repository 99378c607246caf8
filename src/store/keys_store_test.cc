// The key registry, usage and audit parts of the store contract, against both
// implementations; and, for SQLite, what another process's connection sees.
#include <sqlite3.h>
#include <unistd.h>

#include <random>

#include <gtest/gtest.h>

#include "store/store.h"

namespace ctodesk {
namespace {

std::filesystem::path TempDir() {
  auto dir = std::filesystem::temp_directory_path() /
             ("ctodesk-keystore-" + std::to_string(getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

KeyRecord MakeKey(std::string id, std::string hash) {
  KeyRecord k;
  k.id = std::move(id);
  k.hash = std::move(hash);
  k.hint = "acme_...abcd";
  k.owner = "alice";
  k.client = "Globex";
  k.scopes = {"read:customers", "write:orders"};
  k.plan = "standard";
  k.created_at = FromUnix(1'700'000'000);
  k.expires_at = FromUnix(1'800'000'000);
  return k;
}

AuditEntry Why(std::string action, std::string key_id) {
  return {0, FromUnix(1'700'000'000), "test", std::move(action), std::move(key_id), "{}", "", ""};
}

class KeysStoreTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam()) {
      path_ = TempDir() / "desk.db";
      auto s = OpenSqliteStore(path_);
      ASSERT_TRUE(s.has_value()) << s.error().message;
      store_ = std::move(*s);
    } else {
      store_ = NewMemoryStore();
    }
  }
  std::filesystem::path path_;
  std::unique_ptr<Store> store_;
};

TEST_P(KeysStoreTest, SavesFindsAndUpdatesKeys) {
  auto g0 = store_->KeysGeneration();
  ASSERT_TRUE(g0);
  KeyRecord k = MakeKey("key_1", std::string(64, 'a'));
  ASSERT_TRUE(store_->SaveKey(k, Why("issue", k.id)));
  auto g1 = store_->KeysGeneration();
  EXPECT_NE(*g0, *g1) << "generation moves on insert";

  auto got = store_->GetKey("key_1");
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->scopes, k.scopes);
  EXPECT_EQ((*got)->expires_at, k.expires_at);
  EXPECT_FALSE((*got)->revoked_at);
  EXPECT_TRUE(store_->GetKey("key_2")->has_value() == false);

  auto by_hash = store_->FindKeyByHash(std::string(64, 'a'));
  ASSERT_TRUE(by_hash && *by_hash);
  EXPECT_EQ((*by_hash)->id, "key_1");
  EXPECT_FALSE(store_->FindKeyByHash(std::string(64, 'b'))->has_value());
  EXPECT_FALSE(store_->FindKeyByHash("aaaa")->has_value()) << "prefix of a hash";

  k.revoked_at = FromUnix(1'700'000'100);
  k.revoke_reason = "leaked";
  ASSERT_TRUE(store_->SaveKey(k, Why("revoke", k.id)));
  EXPECT_NE(*store_->KeysGeneration(), *g1) << "generation moves on update";
  got = store_->GetKey("key_1");
  EXPECT_EQ((*got)->revoked_at, k.revoked_at);
  EXPECT_EQ((*got)->revoke_reason, "leaked");
  ASSERT_TRUE(store_->SaveKey(MakeKey("key_2", std::string(64, 'c')), Why("issue", "key_2")));
  EXPECT_EQ(store_->ListKeys()->size(), 2u);
}

TEST_P(KeysStoreTest, ChainsAuditEntries) {
  EXPECT_FALSE(store_->AuditHead()->has_value());
  auto a = store_->AppendAudit(Why("issue", "key_1"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->seq, 1);
  EXPECT_EQ(a->prev_hash, std::string(64, '0'));
  EXPECT_EQ(a->hash, AuditEntryHash(*a));
  auto b = store_->SaveKey(MakeKey("key_1", std::string(64, 'a')), Why("revoke", "key_1"));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->seq, 2);
  EXPECT_EQ(b->prev_hash, a->hash);
  auto trail = store_->AuditTrail();
  ASSERT_TRUE(trail);
  ASSERT_EQ(trail->size(), 2u);
  EXPECT_EQ((*trail)[1].hash, b->hash);
  auto head = store_->AuditHead();
  ASSERT_TRUE(head && *head);
  EXPECT_EQ((*head)->first, 2);
  EXPECT_EQ((*head)->second, b->hash);
}

TEST_P(KeysStoreTest, KeepsUsageByKeyAndWindow) {
  std::vector<UsageEvent> events;
  for (int i = 0; i < 10; ++i) {
    events.push_back({i % 2 ? "key_a" : "key_b", 1000 + i * 100, "10.0.0.1", "GET",
                      "/customers/" + std::to_string(i), 200, "curl/8", "guard"});
  }
  ASSERT_TRUE(store_->AppendUsage(events));
  auto a = store_->Usage("key_a", 0, 1'000'000);
  ASSERT_TRUE(a);
  ASSERT_EQ(a->size(), 5u);
  EXPECT_EQ((*a)[0].path, "/customers/1");
  EXPECT_EQ((*a)[0].status, 200);
  EXPECT_EQ(store_->Usage("key_a", 1300, 1700)->size(), 2u) << "from inclusive, to exclusive";
  EXPECT_EQ(store_->Usage("key_a", 0, 1'000'000, 3)->size(), 3u);
  auto last = store_->LastUses();
  ASSERT_TRUE(last);
  ASSERT_EQ(last->size(), 2u);
  EXPECT_EQ((*last)[0], (std::pair<std::string, std::int64_t>("key_a", 1900)));
  EXPECT_EQ((*last)[1], (std::pair<std::string, std::int64_t>("key_b", 1800)));
}

INSTANTIATE_TEST_SUITE_P(Both, KeysStoreTest, ::testing::Values(true, false),
                         [](const auto& p) { return p.param ? "Sqlite" : "Memory"; });

TEST(SqliteKeysStoreTest, AnotherConnectionSeesKeyChanges) {
  auto path = TempDir() / "desk.db";
  auto writer = OpenSqliteStore(path);
  auto reader = OpenSqliteStore(path);
  ASSERT_TRUE(writer && reader);
  auto before = (*reader)->KeysGeneration();
  ASSERT_TRUE(before);
  ASSERT_TRUE((*writer)->SaveKey(MakeKey("key_1", std::string(64, 'a')), Why("issue", "key_1")));
  auto after = (*reader)->KeysGeneration();
  ASSERT_TRUE(after);
  EXPECT_NE(*before, *after);
  EXPECT_TRUE((*reader)->GetKey("key_1")->has_value());
  // Both connections append to one chain.
  auto a = (*reader)->AppendAudit(Why("suspend", "key_1"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->seq, 2);
}

// A store from before the keys desk (schema 2) gains the registry on open and
// keeps what it had.
TEST(SqliteKeysStoreTest, UpgradesAStoreFromBeforeTheKeysDesk) {
  auto path = TempDir() / "desk.db";
  {
    auto store = OpenSqliteStore(path);
    ASSERT_TRUE(store);
    ASSERT_TRUE((*store)->PutState("health", "k", "kept"));
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  for (const char* sql : {"DROP TABLE api_keys", "DROP TABLE api_keys_generation", "DROP TABLE key_usage",
                          "DROP TABLE audit_log", "DROP TABLE audit_head", "PRAGMA user_version = 2"}) {
    ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sql;
  }
  sqlite3_close(db);
  auto store = OpenSqliteStore(path);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ(*(*store)->GetState("health", "k").value(), "kept");
  ASSERT_TRUE((*store)->SaveKey(MakeKey("key_1", std::string(64, 'a')), Why("issue", "key_1")));
  EXPECT_EQ((*store)->ListKeys()->size(), 1u);
  EXPECT_GE(StoreSchemaVersion(), 3);
}

// Usage events as a gateway and an access log produce them: many keys,
// arrival out of time order, ties in the same millisecond, bursts longer
// than a block, gaps longer than a block's span, batches of every size.
std::vector<std::vector<UsageEvent>> GeneratedUsage(unsigned seed) {
  std::mt19937_64 rng(seed);
  auto pick = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  const char* agents[] = {"curl/8", "AcmeApp/4.2 (iOS 17)", "", "Mozilla/5.0 (X11; Linux x86_64)"};
  const char* methods[] = {"GET", "POST", "DELETE"};
  std::vector<std::vector<UsageEvent>> batches;
  std::int64_t t = 1'796'200'000'000;
  for (int b = 0; b < 22; ++b) {
    std::vector<UsageEvent> batch;
    std::int64_t n = b % 7 == 0 ? pick(1500, 2500) : pick(1, 120);
    if (pick(0, 4) == 0) t -= pick(0, 7'200'000);   // an older log arrives late
    if (pick(0, 4) == 0) t += pick(3'600'000, 90'000'000);  // a quiet spell
    for (std::int64_t i = 0; i < n; ++i) {
      t += pick(0, 3) == 0 ? 0 : pick(0, 2000);  // ties in the same millisecond
      std::string key = b % 7 == 0 && pick(0, 9) ? "key_burst" : "key_" + std::to_string(pick(0, 12));
      batch.push_back({key, t, "10.0." + std::to_string(pick(0, 3)) + "." + std::to_string(pick(1, 254)),
                       methods[pick(0, 2)], "/customers/" + std::to_string(pick(1, 100000)),
                       static_cast<int>(pick(0, 9) ? 200 : pick(400, 503)), agents[pick(0, 3)],
                       b % 3 ? "guard" : "gateway-" + std::to_string(b) + ".log"});
    }
    batches.push_back(std::move(batch));
  }
  return batches;
}

void ExpectSameUsage(Store& want, Store& got, unsigned seed) {
  std::mt19937_64 rng(seed);
  auto last_want = want.LastUses();
  auto last_got = got.LastUses();
  ASSERT_TRUE(last_want && last_got);
  ASSERT_EQ(*last_got, *last_want);
  std::vector<std::string> keys;
  for (const auto& [k, ms] : *last_want) keys.push_back(k);
  keys.push_back("key_never_used");
  ASSERT_GE(keys.size(), 10u);
  auto all = want.Usage("key_burst", 0, INT64_MAX);
  ASSERT_TRUE(all);
  ASSERT_GT(all->size(), 2048u) << "some key has more events than one block holds";
  for (const std::string& key : keys) {
    std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t>> windows = {
        {0, INT64_MAX, 1'000'000}, {0, INT64_MAX, 7}};
    for (int i = 0; i < 6; ++i) {
      std::int64_t from = 1'796'190'000'000 + static_cast<std::int64_t>(rng() % 400'000'000);
      std::int64_t span = static_cast<std::int64_t>(rng() % (i % 2 ? 5'000 : 20'000'000));
      windows.emplace_back(from, from + span, i % 3 ? 1'000'000 : 50);
    }
    for (const auto& [from, to, limit] : windows) {
      auto w = want.Usage(key, from, to, limit);
      auto g = got.Usage(key, from, to, limit);
      ASSERT_TRUE(w && g) << (g ? "" : g.error().message);
      ASSERT_EQ(g->size(), w->size()) << key << " [" << from << ", " << to << ") limit " << limit;
      for (size_t i = 0; i < w->size(); ++i) {
        const UsageEvent& a = (*w)[i];
        const UsageEvent& b = (*g)[i];
        ASSERT_EQ(std::tie(b.key_id, b.at_ms, b.ip, b.method, b.path, b.status, b.user_agent, b.source),
                  std::tie(a.key_id, a.at_ms, a.ip, a.method, a.path, a.status, a.user_agent, a.source))
            << key << " event " << i << " of [" << from << ", " << to << ")";
      }
    }
  }
}

// The SQLite store keeps usage in compressed blocks; the in-memory store is
// the plain list it must agree with (its order is the one key_usage gave:
// time, then arrival).
TEST(SqliteKeysStoreTest, UsageBlocksAnswerExactlyAsAPlainListDoes) {
  auto path = TempDir() / "desk.db";
  auto memory = NewMemoryStore();
  {
    auto sqlite = OpenSqliteStore(path);
    ASSERT_TRUE(sqlite) << sqlite.error().message;
    ASSERT_TRUE((*sqlite)->BeginBulkUsage());
    for (const auto& batch : GeneratedUsage(11)) {
      ASSERT_TRUE(memory->AppendUsage(batch));
      ASSERT_TRUE((*sqlite)->AppendUsage(batch));
    }
    ASSERT_TRUE((*sqlite)->EndBulkUsage());
    ExpectSameUsage(*memory, **sqlite, 5);
  }
  // Reopened: nothing comes from the connection's caches.
  auto reopened = OpenSqliteStore(path);
  ASSERT_TRUE(reopened);
  ExpectSameUsage(*memory, **reopened, 6);
  // And a second writer continues the same order.
  auto more = GeneratedUsage(12);
  ASSERT_TRUE(memory->AppendUsage(more[0]));
  ASSERT_TRUE((*reopened)->AppendUsage(more[0]));
  ExpectSameUsage(*memory, **reopened, 7);
}

// A store written before usage blocks (schema 5, usage in key_usage rows)
// upgrades with every event kept, in the same order, and answers the same.
TEST(SqliteKeysStoreTest, UpgradesUsageRowsIntoBlocks) {
  auto path = TempDir() / "desk.db";
  auto memory = NewMemoryStore();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  for (int v = 1; v <= 5; ++v) {
    ASSERT_EQ(sqlite3_exec(db, std::string(StoreMigrationSql(v)).c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << v;
  }
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 5; BEGIN", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_stmt* ins = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "INSERT INTO key_usage (key_id, at_ms, ip, method, path, status, user_agent, "
                               "source) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
                               -1, &ins, nullptr),
            SQLITE_OK);
  auto batches = GeneratedUsage(21);
  for (size_t b = 0; b < 10; ++b) {
    ASSERT_TRUE(memory->AppendUsage(batches[b]));
    for (const UsageEvent& e : batches[b]) {
      sqlite3_reset(ins);
      sqlite3_bind_text(ins, 1, e.key_id.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(ins, 2, e.at_ms);
      sqlite3_bind_text(ins, 3, e.ip.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(ins, 4, e.method.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(ins, 5, e.path.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(ins, 6, e.status);
      sqlite3_bind_text(ins, 7, e.user_agent.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(ins, 8, e.source.c_str(), -1, SQLITE_TRANSIENT);
      ASSERT_EQ(sqlite3_step(ins), SQLITE_DONE);
    }
  }
  sqlite3_finalize(ins);
  ASSERT_EQ(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);

  auto store = OpenSqliteStore(path);
  ASSERT_TRUE(store) << store.error().message;
  ExpectSameUsage(*memory, **store, 8);
  // New events after the upgrade sort after the moved ones on ties.
  for (size_t b = 10; b < 14; ++b) {
    ASSERT_TRUE(memory->AppendUsage(batches[b]));
    ASSERT_TRUE((*store)->AppendUsage(batches[b]));
  }
  ExpectSameUsage(*memory, **store, 9);
}

// A block that does not decode is an error naming the store, not a crash
// or a silently shorter audit.
TEST(SqliteKeysStoreTest, ACorruptUsageBlockIsAnError) {
  auto path = TempDir() / "desk.db";
  {
    auto store = OpenSqliteStore(path);
    ASSERT_TRUE(store);
    ASSERT_TRUE((*store)->AppendUsage(GeneratedUsage(31)[1]));
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE usage_blocks SET data = substr(data, 1, length(data) - 3)", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto store = OpenSqliteStore(path);
  ASSERT_TRUE(store);
  auto last = (*store)->LastUses();
  ASSERT_TRUE(last);
  ASSERT_FALSE(last->empty());
  auto usage = (*store)->Usage(last->front().first, 0, INT64_MAX);
  ASSERT_FALSE(usage);
  EXPECT_NE(usage.error().message.find("corrupt"), std::string::npos) << usage.error().message;
  EXPECT_NE(usage.error().message.find(path.string()), std::string::npos) << usage.error().message;
}

}  // namespace
}  // namespace ctodesk
