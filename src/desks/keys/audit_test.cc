#include "desks/keys/audit.h"

#include <sqlite3.h>

#include <fstream>

#include <fmt/format.h>
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

// Someone with write access to the database rewrites the whole chain
// consistently (every hash and the head recomputed): the chain alone cannot
// tell, the anchor keyed by the file outside the database can.
TEST_F(AuditChainTest, TheAnchorCatchesAConsistentlyRewrittenChain) {
  const auto key_file = path_.parent_path() / "secrets" / "audit.key";
  {
    auto store = OpenStore(path_);
    auto v = VerifyAuditChain(*store, key_file);
    ASSERT_TRUE(v) << v.error().message;
    EXPECT_TRUE(v->ok) << "first use: the key is created and the head anchored";
    EXPECT_EQ(std::filesystem::status(key_file).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    // Appends after the anchor are fine, and move it on.
    IssueRequest r;
    r.owner = "dave";
    ASSERT_TRUE(IssueKey(*store, r, At("2026-11-27T09:00:00Z")));
    auto again = VerifyAuditChain(*store, key_file);
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->ok);
  }
  // The rewrite: entry 4 (the revoke) now says something else, and every
  // hash from there on and the head are recomputed.
  std::vector<AuditEntry> trail;
  {
    auto store = OpenStore(path_);
    trail = *store->AuditTrail();
  }
  ASSERT_EQ(trail.size(), 6u);
  trail[3].detail = R"({"reason":"routine rotation"})";
  std::string sql = "BEGIN;";
  for (size_t i = 3; i < trail.size(); ++i) {
    if (i > 0) trail[i].prev_hash = trail[i - 1].hash;
    trail[i].hash = AuditEntryHash(trail[i]);
    sql += fmt::format("UPDATE audit_log SET detail = '{}', prev_hash = '{}', hash = '{}' WHERE seq = {};",
                       trail[i].detail, trail[i].prev_hash, trail[i].hash, trail[i].seq);
  }
  sql += fmt::format("UPDATE audit_head SET seq = {}, hash = '{}'; COMMIT;", trail.back().seq, trail.back().hash);
  Sql(sql);
  EXPECT_TRUE(Verify().ok) << "the hash chain alone is fooled: that is the limit the anchor covers";
  {
    auto store = OpenStore(path_);
    auto v = VerifyAuditChain(*store, key_file);
    ASSERT_TRUE(v);
    ASSERT_FALSE(v->ok);
    EXPECT_EQ(v->problems.front().seq, 6);
    EXPECT_NE(v->problems.front().what.find("rewritten"), std::string::npos) << v->problems.front().what;
    // A failed verification does not move the anchor onto the rewritten head.
    auto twice = VerifyAuditChain(*store, key_file);
    ASSERT_TRUE(twice);
    EXPECT_FALSE(twice->ok);
  }
  // Forging the anchor needs the key: one written without it fails its HMAC.
  Sql(fmt::format("UPDATE state SET value = '{{\"seq\":6,\"hash\":\"{}\",\"mac\":\"{}\"}}' "
                  "WHERE ns = 'keys' AND key = 'audit_anchor'",
                  trail.back().hash, std::string(64, 'a')));
  {
    auto store = OpenStore(path_);
    auto v = VerifyAuditChain(*store, key_file);
    ASSERT_TRUE(v);
    ASSERT_FALSE(v->ok);
    EXPECT_NE(v->problems.front().what.find("HMAC"), std::string::npos) << v->problems.front().what;
  }
  // Deleting the anchor is noticed too, since the key file exists.
  Sql("DELETE FROM state WHERE ns = 'keys' AND key = 'audit_anchor'");
  {
    auto store = OpenStore(path_);
    auto v = VerifyAuditChain(*store, key_file);
    ASSERT_TRUE(v);
    ASSERT_FALSE(v->ok);
    EXPECT_NE(v->problems.front().what.find("missing"), std::string::npos) << v->problems.front().what;
  }
  // A key file that is not a key is an error naming it.
  std::ofstream(path_.parent_path() / "bad.key") << "not a key\n";
  auto store = OpenStore(path_);
  auto bad = VerifyAuditChain(*store, path_.parent_path() / "bad.key");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("bad.key:1"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace ctodesk::keys
