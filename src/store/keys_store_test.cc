// The key registry, usage and audit parts of the store contract, against both
// implementations; and, for SQLite, what another process's connection sees.
#include <sqlite3.h>
#include <unistd.h>

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

}  // namespace
}  // namespace ctodesk
