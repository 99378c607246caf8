// The desk: [leaks] config, findings for a repository scanned twice (the
// second run incremental), and what the store keeps (never the secret).
#include "desks/leaks/leaks.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <random>

#include <fmt/format.h>

#include "core/clock.h"
#include "core/config.h"
#include "desks/keys/registry.h"
#include "store/store.h"

namespace ctodesk::leaks {
namespace {

namespace fs = std::filesystem;

std::string Token(std::mt19937& rng) {
  std::string_view pool = ClassChars(Chars::kAlnum);
  std::uniform_int_distribution<size_t> pick(0, pool.size() - 1);
  std::string random;
  for (int i = 0; i < 30; ++i) random += pool[pick(rng)];
  return "ghp_" + random + Base62(Crc32(random), 6);
}

void Sh(const fs::path& dir, const std::string& cmd) {
  std::string full = fmt::format(
      "cd '{}' && export GIT_AUTHOR_NAME=Dev GIT_AUTHOR_EMAIL=dev@example.com GIT_COMMITTER_NAME=Dev "
      "GIT_COMMITTER_EMAIL=dev@example.com GIT_AUTHOR_DATE='2026-03-01 09:00:00 +0000' "
      "GIT_COMMITTER_DATE='2026-03-01 09:00:00 +0000' && {} >/dev/null 2>&1",
      dir.string(), cmd);
  ASSERT_EQ(std::system(full.c_str()), 0) << full;
}

struct Parsed {
  std::unique_ptr<ConfigReader> reader;
  Settings settings;
};

Parsed Read(const std::string& toml) {
  auto reader = ConfigReader::FromString(toml, "ctodesk.toml", "/base");
  EXPECT_TRUE(reader.has_value());
  auto root = (*reader)->Root();
  auto section = root.Table("leaks", true);
  Settings s = ReadSettings(*section);
  (*reader)->Finish();
  return {std::move(*reader), std::move(s)};
}

TEST(LeaksConfigTest, ReadsRepositoriesLimitsAndAllowlists) {
  auto p = Read(R"toml(
[leaks]
repositories = ["repos/api", "/srv/web"]
max_blob_size = "1MiB"
allow_paths = ["docs/**"]
allow_fingerprints = ["0123456789abcdef"]
own_key_prefixes = ["acme"]
[[leaks.repos]]
name = "billing"
path = "repos/billing-service"
)toml");
  EXPECT_EQ(p.reader->IssuesText(), "");
  ASSERT_EQ(p.settings.repos.size(), 3u);
  EXPECT_EQ(p.settings.repos[0].name, "api");
  EXPECT_EQ(p.settings.repos[1].path, "/srv/web");
  EXPECT_EQ(p.settings.repos[2].name, "billing");
  EXPECT_EQ(p.settings.max_blob_size, 1024u * 1024u);
  EXPECT_EQ(p.settings.allow_paths, std::vector<std::string>{"docs/**"});
  EXPECT_TRUE(p.settings.allow_fingerprints.contains("0123456789abcdef"));
  EXPECT_EQ(p.settings.own_key_prefixes, std::vector<std::string>{"acme"});
}

TEST(LeaksConfigTest, ErrorsNameTheKey) {
  struct Case {
    std::string toml;
    std::string expect;
  } cases[] = {
      {"[leaks]\n", "leaks.repositories: expected the git repositories"},
      {"[leaks]\nrepositories = [\"a\"]\nallow_fingerprints = [\"xyz\"]\n", "leaks.allow_fingerprints: expected 16 hex"},
      {"[leaks]\nrepositories = [\"a\"]\nmax_blob_size = \"huge\"\n", "leaks.max_blob_size"},
      {"[leaks]\nrepositories = [\"a\"]\nown_key_prefixes = [\"a b\"]\n", "leaks.own_key_prefixes"},
      {"[leaks]\nrepositories = [\"x/a\", \"y/a\"]\n", "two repositories are named \"a\""},
      {"[leaks]\nrepositories = [\"a\"]\nrepositores = 1\n", "did you mean"},
  };
  for (const Case& c : cases) {
    auto p = Read(c.toml);
    EXPECT_NE(p.reader->IssuesText().find(c.expect), std::string::npos)
        << c.toml << "\ngot: " << p.reader->IssuesText();
    EXPECT_NE(p.reader->IssuesText().find("ctodesk.toml:"), std::string::npos) << "names the file";
  }
}

TEST(LeaksDeskTest, FindingsAcrossTwoMorningsAndWhatTheStoreKeeps) {
  std::mt19937 rng(21);
  const std::string at_head = Token(rng);
  const std::string in_history = Token(rng);
  const std::string later = Token(rng);
  fs::path base = fs::temp_directory_path() / fmt::format("ctodesk-leaks-desk-{}", ::getpid());
  fs::remove_all(base);
  fs::path repo = base / "repos" / "payments";
  fs::create_directories(repo);
  Sh(repo, "git init -q -b main");
  std::ofstream(repo / "old.env") << "TOKEN=" << in_history << "\n";
  Sh(repo, "git add -A && git commit -q -m one && git rm -q old.env && git commit -q -m two");
  std::ofstream(repo / "app.env") << "TOKEN=" << at_head << "\n";
  Sh(repo, "git add -A && git commit -q -m three");

  Settings settings;
  settings.repos.push_back({"payments", "repos/payments"});
  settings.threads = 2;
  LeaksDesk desk(settings);
  auto store = NewMemoryStore();
  FixedClock clock(FromUnix(1780000000));
  DeskContext ctx{*store, clock, base};

  auto first = desk.Run(ctx);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  ASSERT_EQ(first->findings.size(), 2u);
  std::map<std::string, const Finding*> by_kind;
  for (const Finding& f : first->findings) by_kind[f.kind] = &f;
  ASSERT_TRUE(by_kind.contains("at-head"));
  ASSERT_TRUE(by_kind.contains("in-history"));
  EXPECT_EQ(by_kind["at-head"]->severity, Severity::kActNow);
  EXPECT_EQ(by_kind["in-history"]->severity, Severity::kToday) << "history only: rotate it, today";
  EXPECT_NE(by_kind["in-history"]->action.find("Rotate"), std::string::npos);
  EXPECT_NE(by_kind["at-head"]->title.find("still at HEAD"), std::string::npos) << by_kind["at-head"]->title;
  for (const Finding& f : first->findings) {
    std::string all = f.title + f.detail + f.action + f.subject;
    for (const auto& [k, v] : f.evidence) all += k + v;
    EXPECT_EQ(all.find(at_head.substr(4)), std::string::npos) << "secret in a finding";
    EXPECT_EQ(all.find(in_history.substr(4)), std::string::npos) << "secret in a finding";
    EXPECT_EQ(f.title.find("New:"), std::string::npos) << "the first run has no 'new'";
  }

  // The second morning: one more commit with a new secret; the earlier ones stay.
  std::ofstream(repo / "later.env") << "TOKEN=" << later << "\n";
  Sh(repo, "git add -A && git commit -q -m four");
  auto second = desk.Run(ctx);
  ASSERT_TRUE(second.has_value()) << second.error().message;
  ASSERT_EQ(second->findings.size(), 3u);
  int fresh = 0;
  for (const Finding& f : second->findings) {
    if (f.title.starts_with("New:")) {
      ++fresh;
      EXPECT_EQ(f.severity, Severity::kActNow);
    }
  }
  EXPECT_EQ(fresh, 1);
  EXPECT_LT(second->checked, first->checked) << "the second run scans only new blobs";

  // Removing the key from HEAD turns its finding into a history one.
  Sh(repo, "git rm -q app.env && git commit -q -m five");
  auto third = desk.Run(ctx);
  ASSERT_TRUE(third.has_value());
  int at_head_count = 0;
  for (const Finding& f : third->findings) at_head_count += f.kind == "at-head";
  EXPECT_EQ(at_head_count, 1) << "only later.env's key is still at HEAD";

  // The store keeps fingerprints and redactions, never the secret.
  auto known = store->GetState("leaks", "known:" + (base / "repos/payments").lexically_normal().string());
  ASSERT_TRUE(known.has_value() && known->has_value());
  EXPECT_EQ((*known)->find(at_head.substr(4)), std::string::npos);
  EXPECT_NE((*known)->find("ghp_"), std::string::npos);

  // A missing repository is an error naming it.
  Settings broken;
  broken.repos.push_back({"ghost", "repos/ghost"});
  LeaksDesk ghost(broken);
  auto failed = ghost.Run(ctx);
  ASSERT_FALSE(failed.has_value());
  EXPECT_NE(failed.error().message.find("ghost"), std::string::npos);
  fs::remove_all(base);
}

// The leak loop: one of OUR keys committed to a repository is handed to the
// keys desk. "report" names the key and says revoke it now; "revoke" and
// "suspend" stop it at once. The finding carries the exposure window and the
// uses in it, and never the plain key.
void LeakLoop(const std::string& on_leak) {
  auto store = NewMemoryStore();
  const TimePoint commit_time = FromUnix(1772355600);  // 2026-03-01 09:00 UTC, the commit date in Sh()
  const TimePoint now = commit_time + std::chrono::days(3);
  keys::IssueRequest req;
  req.prefix = "acme";
  req.owner = "j.smith";
  req.client = "Globex";
  auto leaked = keys::IssueKey(*store, req, commit_time - std::chrono::days(30));
  ASSERT_TRUE(leaked);
  auto other = keys::IssueKey(*store, req, commit_time - std::chrono::days(30));
  ASSERT_TRUE(other);
  const std::string id = leaked->record.id;
  const std::int64_t t0 = ToUnix(commit_time) * 1000;
  // Two uses before the commit (not exposed), three after it.
  std::vector<UsageEvent> uses;
  for (std::int64_t at : {t0 - 7200'000, t0 - 3600'000, t0 + 3600'000, t0 + 7200'000, t0 + 86400'000}) {
    uses.push_back({id, at, "198.51.100.7", "GET", "/customers/1", 200, "globex-sync/1.8", "guard"});
  }
  ASSERT_TRUE(store->AppendUsage(uses));

  fs::path base = fs::temp_directory_path() / fmt::format("ctodesk-leak-loop-{}-{}", on_leak, ::getpid());
  fs::remove_all(base);
  fs::path repo = base / "repos" / "sync";
  fs::create_directories(repo);
  Sh(repo, "git init -q -b main");
  std::ofstream(repo / "sync.sh") << "export API_KEY=" << leaked->plain_key << "\n";
  Sh(repo, "git add -A && git commit -q -m one");

  Settings settings;
  settings.repos.push_back({"sync", "repos/sync"});
  settings.threads = 1;
  LeaksDesk desk(settings);
  desk.LinkKeys("acme", on_leak);
  FixedClock clock(now);
  DeskContext ctx{*store, clock, base};
  auto run = desk.Run(ctx);
  ASSERT_TRUE(run.has_value()) << run.error().message;
  ASSERT_EQ(run->findings.size(), 1u);
  const Finding& f = run->findings[0];
  EXPECT_EQ(f.severity, Severity::kActNow);
  EXPECT_NE(f.title.find(id), std::string::npos) << f.title;
  std::string all = f.title + f.detail + f.action + f.plain.risk + f.plain.doing;
  for (const auto& [k, v] : f.evidence) all += k + v;
  EXPECT_EQ(all.find(leaked->plain_key.substr(5)), std::string::npos) << "plain key in the finding";
  EXPECT_NE(all.find("used while exposed: yes: 3 requests"), std::string::npos) << all;

  auto key = store->GetKey(id);
  ASSERT_TRUE(key && *key);
  keys::KeyStatus status = keys::StatusOf(**key, now);
  if (on_leak == "report") {
    EXPECT_EQ(status, keys::KeyStatus::kActive);
    EXPECT_NE(f.title.find("revoke " + id + " now"), std::string::npos) << f.title;
    EXPECT_NE(f.action.find("incident open leaked-key --key-id " + id), std::string::npos);
  } else if (on_leak == "revoke") {
    EXPECT_EQ(status, keys::KeyStatus::kRevoked);
    EXPECT_NE(f.title.find("revoked automatically"), std::string::npos) << f.title;
  } else {
    EXPECT_EQ(status, keys::KeyStatus::kSuspended);
    EXPECT_NE(f.title.find("suspended automatically"), std::string::npos) << f.title;
  }
  EXPECT_EQ(keys::StatusOf(**store->GetKey(other->record.id), now), keys::KeyStatus::kActive)
      << "only the leaked key is touched";

  // Remembered for the incidents desk, by key id, with the commit and window.
  auto record = FindLeakedKey(*store, id);
  ASSERT_TRUE(record && *record);
  EXPECT_EQ((*record)->exposed_since, ToUnix(commit_time));
  EXPECT_EQ((*record)->finding_id, f.Id());
  EXPECT_EQ((*record)->where, "sync.sh:1");
  EXPECT_EQ((*record)->commit.size(), 40u);
  auto known = store->GetState("leaks", "known:" + repo.lexically_normal().string());
  ASSERT_TRUE(known && *known);
  EXPECT_EQ((*known)->find(leaked->plain_key.substr(5)), std::string::npos) << "plain key in the store";

  // The next morning (incremental, nothing new) still names the key.
  auto again = desk.Run(ctx);
  ASSERT_TRUE(again.has_value()) << again.error().message;
  ASSERT_EQ(again->findings.size(), 1u);
  EXPECT_NE(again->findings[0].title.find(id), std::string::npos);
  auto trail = store->AuditTrail();
  int stops = 0;
  for (const AuditEntry& e : *trail) stops += (e.action == "revoke" || e.action == "suspend") && e.key_id == id;
  EXPECT_EQ(stops, on_leak == "report" ? 0 : 1) << "acted on once, not every morning";
  fs::remove_all(base);
}

TEST(LeaksDeskTest, LeakLoopReportNamesTheKey) { LeakLoop("report"); }
TEST(LeaksDeskTest, LeakLoopRevokesOurKey) { LeakLoop("revoke"); }
TEST(LeaksDeskTest, LeakLoopSuspendsOurKey) { LeakLoop("suspend"); }

}  // namespace
}  // namespace ctodesk::leaks
