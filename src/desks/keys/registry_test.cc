#include "desks/keys/registry.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "desks/keys/key_format.h"
#include "desks/keys/test_util.h"

namespace ctodesk::keys {
namespace {

using testing::At;
using testing::OpenStore;
using testing::TempDir;

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

IssueRequest Request(std::string owner, std::string client, std::string plan = "standard") {
  IssueRequest r;
  r.prefix = "acme";
  r.owner = std::move(owner);
  r.client = std::move(client);
  r.plan = std::move(plan);
  r.scopes = {"read:customers"};
  r.expires_in = std::chrono::days(90);
  return r;
}

TEST(RegistryTest, NoPlainKeyAnywhereInTheDatabaseFiles) {
  auto dir = TempDir();
  std::vector<std::string> plain;
  {
    auto store = OpenStore(dir / "desk.db");
    ASSERT_TRUE(store);
    const TimePoint now = At("2026-11-27T08:00:00Z");
    for (int i = 0; i < 5; ++i) {
      auto k = IssueKey(*store, Request("alice", "Globex"), now);
      ASSERT_TRUE(k) << k.error().message;
      plain.push_back(k->plain_key);
    }
    auto rotated = RotateKeys(*store, {.all = true, .prefix = "acme"}, now);
    ASSERT_TRUE(rotated);
    ASSERT_EQ(rotated->size(), 5u);
    for (const Rotation& r : *rotated) plain.push_back(r.plain_key);
    // The registry does find them by hash.
    auto found = FindByPlainKey(*store, plain[0]);
    ASSERT_TRUE(found && *found);
  }
  std::string bytes;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) bytes += ReadAll(entry.path());
  ASSERT_GT(bytes.size(), 4096u);
  for (const std::string& k : plain) {
    EXPECT_EQ(bytes.find(k), std::string::npos) << "a plain key is stored";
    // Not even its random part (which is what makes it secret).
    EXPECT_EQ(bytes.find(k.substr(5, 32)), std::string::npos) << "a key's random part is stored";
    EXPECT_NE(bytes.find(HashKey(k)), std::string::npos) << "its hash is stored";
  }
}

TEST(RegistryTest, IssueRevokeAndStatuses) {
  auto store = NewMemoryStore();
  const TimePoint now = At("2026-11-27T08:00:00Z");
  auto k = IssueKey(*store, Request("bob", "Initech"), now);
  ASSERT_TRUE(k);
  EXPECT_EQ(StatusOf(k->record, now), KeyStatus::kActive);
  EXPECT_EQ(StatusOf(k->record, now + std::chrono::days(91)), KeyStatus::kExpired);
  EXPECT_FALSE(IssueKey(*store, Request("", "x"), now)) << "owner required";

  auto r = RevokeKey(*store, k->record.id, "leaked", "cli:test", now + std::chrono::hours(1));
  ASSERT_TRUE(r);
  EXPECT_EQ(StatusOf(*r, now + std::chrono::hours(1)), KeyStatus::kRevoked);
  auto again = RevokeKey(*store, k->record.id, "again", "cli:test", now + std::chrono::hours(2));
  ASSERT_FALSE(again) << "revoking twice";
  EXPECT_EQ(again.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(RevokeKey(*store, "key_nope", "x", "t", now).error().code, ErrorCode::kNotFound);

  auto found = FindByPlainKey(*store, k->plain_key);
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->id, k->record.id);
  EXPECT_FALSE(*FindByPlainKey(*store, "acme_not-a-key"));

  auto trail = store->AuditTrail();
  ASSERT_EQ(trail->size(), 2u);
  EXPECT_EQ((*trail)[0].action, "issue");
  EXPECT_EQ((*trail)[1].action, "revoke");
  EXPECT_EQ((*trail)[1].actor, "cli:test");
  EXPECT_EQ((*trail)[0].detail.find(k->plain_key), std::string::npos) << "plain key in the audit";
}

TEST(RegistryTest, RotateWithoutGraceRevokesAtOnce) {
  auto store = NewMemoryStore();
  const TimePoint now = At("2026-11-27T08:00:00Z");
  auto a = IssueKey(*store, Request("alice", "Globex"), now - std::chrono::days(10));
  auto b = IssueKey(*store, Request("bob", "Initech"), now - std::chrono::days(10));
  auto c = IssueKey(*store, Request("carol", "Globex"), now - std::chrono::days(10));
  ASSERT_TRUE(a && b && c);
  ASSERT_TRUE(RevokeKey(*store, c->record.id, "gone", "t", now - std::chrono::days(1)));

  auto rot = RotateKeys(*store, {.client = "Globex", .prefix = "acme"}, now);
  ASSERT_TRUE(rot) << rot.error().message;
  ASSERT_EQ(rot->size(), 1u) << "only Globex's usable key";
  const Rotation& r = (*rot)[0];
  EXPECT_EQ(r.old_key.id, a->record.id);
  EXPECT_EQ(r.new_key.owner, "alice");
  EXPECT_EQ(r.new_key.plan, "standard");
  EXPECT_EQ(r.new_key.scopes, a->record.scopes);
  EXPECT_EQ(*r.new_key.expires_at - r.new_key.created_at, *a->record.expires_at - a->record.created_at)
      << "same lifetime";
  EXPECT_TRUE(LooksLikeOurKey(r.plain_key, "acme"));
  EXPECT_EQ(StatusOf(*store->GetKey(a->record.id).value(), now), KeyStatus::kRevoked);
  EXPECT_EQ(store->GetKey(a->record.id).value()->replaced_by, r.new_key.id);
  EXPECT_EQ(StatusOf(*store->GetKey(b->record.id).value(), now), KeyStatus::kActive) << "Initech untouched";
  auto found = FindByPlainKey(*store, r.plain_key);
  ASSERT_TRUE(found && *found);

  std::string csv = RotationCsv(*rot);
  EXPECT_NE(csv.find("owner,client,old_key_id"), std::string::npos);
  EXPECT_NE(csv.find(r.plain_key), std::string::npos) << "who gets which new key";
  EXPECT_NE(RotationJson(*rot).find("\"new_key\": \"" + r.plain_key), std::string::npos);
  EXPECT_FALSE(RotateKeys(*store, {.prefix = "acme"}, now)) << "needs a selector";
  EXPECT_FALSE(RotateKeys(*store, {.all = true, .owner = "bob"}, now)) << "one selector only";
}

// A rotation that fails part-way (here: the store refuses the third key it
// writes) leaves every key as it was: no new key nobody received, no old
// key revoked without its replacement.
TEST(RegistryTest, ARotationThatFailsPartWayChangesNothing) {
  auto dir = TempDir();
  auto store = OpenStore(dir / "desk.db");
  ASSERT_TRUE(store);
  const TimePoint now = At("2026-11-27T08:00:00Z");
  for (const char* owner : {"alice", "bob", "carol"}) ASSERT_TRUE(IssueKey(*store, Request(owner, "Globex"), now));
  auto keys_before = store->ListKeys();
  auto trail_before = store->AuditTrail();
  ASSERT_TRUE(keys_before && trail_before);
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir / "desk.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "CREATE TRIGGER refuse_carol BEFORE UPDATE ON api_keys WHEN NEW.owner = 'carol' "
                           "BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto rotated = RotateKeys(*store, {.all = true, .prefix = "acme"}, now + std::chrono::hours(1));
  ASSERT_FALSE(rotated);
  EXPECT_NE(rotated.error().message.find("nothing was rotated"), std::string::npos) << rotated.error().message;
  auto keys_after = store->ListKeys();
  auto trail_after = store->AuditTrail();
  ASSERT_TRUE(keys_after && trail_after);
  ASSERT_EQ(keys_after->size(), keys_before->size()) << "no new key stored";
  for (size_t i = 0; i < keys_after->size(); ++i) {
    EXPECT_FALSE((*keys_after)[i].revoked_at) << (*keys_after)[i].owner << " was revoked";
    EXPECT_TRUE((*keys_after)[i].replaced_by.empty());
  }
  EXPECT_EQ(trail_after->size(), trail_before->size()) << "no audit entry for what did not happen";

  // The hand-over step runs before anything is stored; when it fails,
  // nothing is.
  auto refused = RotateKeys(*store, {.owner = "alice", .prefix = "acme"}, now,
                            [](const std::vector<Rotation>& r) -> Result<void> {
                              EXPECT_EQ(r.size(), 1u);
                              return Fail(Error::Io("out/rotation.csv: no space left"));
                            });
  ASSERT_FALSE(refused);
  EXPECT_EQ(store->ListKeys()->size(), keys_before->size());
}

TEST(RegistryTest, RotateWithGraceKeepsTheOldKeyUntilItEnds) {
  auto store = NewMemoryStore();
  const TimePoint now = At("2026-11-27T08:00:00Z");
  auto a = IssueKey(*store, Request("alice", "Globex"), now);
  ASSERT_TRUE(a);
  auto rot = RotateKeys(*store, {.all = true, .grace = std::chrono::hours(24), .prefix = "acme"}, now);
  ASSERT_TRUE(rot);
  ASSERT_EQ(rot->size(), 1u);
  KeyRecord old = *store->GetKey(a->record.id).value();
  EXPECT_EQ(StatusOf(old, now + std::chrono::hours(23)), KeyStatus::kGrace);
  EXPECT_TRUE(Usable(StatusOf(old, now + std::chrono::hours(23))));
  EXPECT_EQ(StatusOf(old, now + std::chrono::hours(24)), KeyStatus::kRevoked);
  // A second rotation does not rotate the key in its grace period again.
  auto again = RotateKeys(*store, {.owner = "alice", .prefix = "acme"}, now + std::chrono::hours(1));
  ASSERT_TRUE(again);
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].old_key.id, (*rot)[0].new_key.id);
}

TEST(RegistryTest, WasItUsedWhileExposed) {
  auto store = NewMemoryStore();
  const TimePoint now = At("2026-11-27T08:00:00Z");
  auto k = IssueKey(*store, Request("alice", "Globex"), now - std::chrono::days(30));
  ASSERT_TRUE(k);
  const std::int64_t t0 = ToUnix(now - std::chrono::days(10)) * 1000;
  ASSERT_TRUE(store->AppendUsage({{k->record.id, t0, "10.0.0.1", "GET", "/customers/1", 200, "curl/8", "guard"},
                                  {k->record.id, t0 + 3'600'000, "203.0.113.9", "GET", "/customers/2", 200,
                                   "python-requests", "gateway.log"}}));
  auto no = WasUsedWhileExposed(*store, k->record, now - std::chrono::days(5), now);
  ASSERT_TRUE(no);
  EXPECT_FALSE(no->used);
  auto yes = WasUsedWhileExposed(*store, k->record, now - std::chrono::days(10), now);
  ASSERT_TRUE(yes);
  EXPECT_TRUE(yes->used);
  EXPECT_EQ(yes->usage.count, 2);
  EXPECT_EQ(yes->usage.ips.size(), 2u);
  EXPECT_EQ(*yes->usage.first_ms, t0);
  // After revocation the window ends at the revocation.
  ASSERT_TRUE(RevokeKey(*store, k->record.id, "leaked", "t", now - std::chrono::days(10)));
  auto revoked = *store->GetKey(k->record.id).value();
  auto window = WasUsedWhileExposed(*store, revoked, now - std::chrono::days(20), now);
  EXPECT_EQ(window->usage.count, 1) << "only the use before the revocation";
  // Refused attempts are not uses: a key that was only refused was not used.
  auto k2 = IssueKey(*store, Request("bob", "Initech"), now - std::chrono::days(30));
  ASSERT_TRUE(store->AppendUsage({{k2->record.id, t0, "198.51.100.1", "GET", "/x", 401, "bot", "guard"},
                                  {k2->record.id, t0 + 10, "198.51.100.1", "GET", "/x", 429, "bot", "guard"}}));
  auto refused = WasUsedWhileExposed(*store, k2->record, now - std::chrono::days(20), now);
  EXPECT_FALSE(refused->used);
  EXPECT_EQ(refused->refused, 2);
}

TEST(RegistryTest, TheLeakLoopRevokesAndAnswers) {
  auto store = NewMemoryStore();
  const TimePoint now = At("2026-11-27T08:00:00Z");
  auto k = IssueKey(*store, Request("alice", "Globex"), now - std::chrono::days(30));
  ASSERT_TRUE(k);
  const std::int64_t used = ToUnix(now - std::chrono::days(2)) * 1000;
  ASSERT_TRUE(store->AppendUsage({{k->record.id, used, "203.0.113.1", "GET", "/customers/1", 200, "x", "guard"}}));

  EXPECT_FALSE(*HandleLeakedKey(*store, "acme_nope", "repo", now, true, now)) << "not ours";
  auto other = GenerateKey("acme");
  EXPECT_FALSE(*HandleLeakedKey(*store, *other, "repo", now, true, now)) << "ours in form, unknown";

  auto report = HandleLeakedKey(*store, k->plain_key, "payments-api@1a2b: ci.env:2",
                                now - std::chrono::days(3), /*revoke=*/false, now);
  ASSERT_TRUE(report && *report);
  EXPECT_FALSE((*report)->revoked_now) << "on_leak = report";
  EXPECT_TRUE((*report)->exposure.used);
  EXPECT_EQ(StatusOf(*store->GetKey(k->record.id).value(), now), KeyStatus::kActive);

  auto revoked = HandleLeakedKey(*store, k->plain_key, "payments-api@1a2b: ci.env:2",
                                 now - std::chrono::days(1), /*revoke=*/true, now);
  ASSERT_TRUE(revoked && *revoked);
  EXPECT_TRUE((*revoked)->revoked_now);
  EXPECT_FALSE((*revoked)->exposure.used) << "exposed one day ago; last used two days ago";
  EXPECT_EQ(StatusOf((*revoked)->key, now), KeyStatus::kRevoked);
  EXPECT_NE((*revoked)->key.revoke_reason.find("payments-api@1a2b"), std::string::npos);
  EXPECT_EQ(store->AuditTrail()->back().actor, "leaks desk");
  auto again = HandleLeakedKey(*store, k->plain_key, "x", now - std::chrono::days(1), true, now);
  EXPECT_FALSE((*again)->revoked_now) << "already revoked";
}

}  // namespace
}  // namespace ctodesk::keys
