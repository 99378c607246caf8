#include "desks/keys/audit.h"

#include <sqlite3.h>

#include <gtest/gtest.h>

#include "desks/keys/registry.h"
#include "desks/keys/test_util.h"

namespace ctodesk::keys {
namespace {

using testing::At;
using testing::OpenStore;
using testing::TempDir;

// A store with 5 audit entries (3 issues, a revoke, a suspend); the test then
// tampers with the file directly, as someone with write access could.
class AuditChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = TempDir() / "desk.db";
    auto store = OpenStore(path_);
    ASSERT_TRUE(store);
    const TimePoint now = At("2026-11-27T08:00:00Z");
    std::vector<std::string> ids;
    for (const char* owner : {"alice", "bob", "carol"}) {
      IssueRequest r;
      r.owner = owner;
      auto k = IssueKey(*store, r, now);
      ASSERT_TRUE(k);
      ids.push_back(k->record.id);
    }
    ASSERT_TRUE(RevokeKey(*store, ids[0], "leaked", "cli", now));
    ASSERT_TRUE(SuspendKey(*store, ids[1], "scraping", R"({"rule":"sequential-walk"})", "guard", now));
    auto v = VerifyAuditChain(*store);
    ASSERT_TRUE(v);
    ASSERT_TRUE(v->ok);
    ASSERT_EQ(v->entries, 5);
  }

  void Sql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
  }

  ChainVerdict Verify() {
    auto store = OpenStore(path_);
    auto v = VerifyAuditChain(*store);
    EXPECT_TRUE(v);
    return v ? *v : ChainVerdict{};
  }

  std::filesystem::path path_;
};

TEST_F(AuditChainTest, AnUntouchedChainVerifies) {
  ChainVerdict v = Verify();
  EXPECT_TRUE(v.ok);
  EXPECT_TRUE(v.problems.empty());
}

TEST_F(AuditChainTest, DetectsAnEditedEntry) {
  Sql("UPDATE audit_log SET detail = '{\"reason\":\"routine\"}' WHERE seq = 4");
  ChainVerdict v = Verify();
  ASSERT_FALSE(v.ok);
  EXPECT_EQ(v.problems.front().seq, 4);
  EXPECT_NE(v.problems.front().what.find("edited"), std::string::npos) << v.problems.front().what;
}

TEST_F(AuditChainTest, DetectsAnEditedActorOrTime) {
  Sql("UPDATE audit_log SET at = at - 86400 WHERE seq = 2");
  EXPECT_FALSE(Verify().ok) << "time";
}

TEST_F(AuditChainTest, DetectsADeletedEntry) {
  Sql("DELETE FROM audit_log WHERE seq = 3");
  ChainVerdict v = Verify();
  ASSERT_FALSE(v.ok);
  EXPECT_EQ(v.problems.front().seq, 4);
  EXPECT_NE(v.problems.front().what.find("missing"), std::string::npos);
}

TEST_F(AuditChainTest, DetectsADeletedLastEntry) {
  Sql("DELETE FROM audit_log WHERE seq = 5");
  ChainVerdict v = Verify();
  ASSERT_FALSE(v.ok);
  EXPECT_EQ(v.problems.front().seq, 0) << "the head catches it";
}

TEST_F(AuditChainTest, DetectsAnInsertedEntryInTheMiddle) {
  // Make room after entry 2, insert a forged entry 3 that chains correctly to
  // entry 2 and carries a correct hash of its own.
  Sql("UPDATE audit_log SET seq = seq + 1000 WHERE seq >= 3;"
      "UPDATE audit_log SET seq = seq - 999 WHERE seq >= 1003;");
  AuditEntry forged{3, At("2026-11-27T08:00:00Z"), "cli", "limits", "key_x", "{}", "", ""};
  {
    auto store = OpenStore(path_);
    auto trail = store->AuditTrail();
    forged.prev_hash = (*trail)[1].hash;
  }
  forged.hash = AuditEntryHash(forged);
  Sql("INSERT INTO audit_log (seq, at, actor, action, key_id, detail, prev_hash, hash) VALUES (3, " +
      std::to_string(ToUnix(forged.at)) + ", 'cli', 'limits', 'key_x', '{}', '" + forged.prev_hash +
      "', '" + forged.hash + "')");
  ChainVerdict v = Verify();
  ASSERT_FALSE(v.ok);
  EXPECT_EQ(v.problems.front().seq, 4) << "the entry after the forged one no longer chains";
}

TEST_F(AuditChainTest, DetectsAnEntryAppendedBehindTheStoresBack) {
  AuditEntry forged{6, At("2026-11-28T08:00:00Z"), "cli", "issue", "key_x", "{}", "", ""};
  {
    auto store = OpenStore(path_);
    forged.prev_hash = (*store->AuditTrail()).back().hash;
  }
  forged.hash = AuditEntryHash(forged);
  Sql("INSERT INTO audit_log (seq, at, actor, action, key_id, detail, prev_hash, hash) VALUES (6, " +
      std::to_string(ToUnix(forged.at)) + ", 'cli', 'issue', 'key_x', '{}', '" + forged.prev_hash +
      "', '" + forged.hash + "')");
  ChainVerdict v = Verify();
  ASSERT_FALSE(v.ok);
  EXPECT_EQ(v.problems.front().seq, 0) << "the head catches it";
}

TEST(AuditChainPureTest, EmptyTrailIsFine) {
  EXPECT_TRUE(VerifyAuditChain({}, std::nullopt).ok);
  EXPECT_FALSE(VerifyAuditChain({}, std::pair<std::int64_t, std::string>(3, "x")).ok);
}

}  // namespace
}  // namespace ctodesk::keys
