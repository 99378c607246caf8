#include "store/store.h"

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

namespace ctodesk {
namespace {

TimePoint At(const char* s) { return *ParseTime(s); }

std::filesystem::path TempDir() {
  auto dir = std::filesystem::temp_directory_path() /
             ("ctodesk-store-" + std::to_string(getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

Finding MakeFinding(std::string subject, Severity sev = Severity::kActNow) {
  Finding f;
  f.desk = "health";
  f.subject = std::move(subject);
  f.kind = "down";
  f.severity = sev;
  f.title = "it is down";
  f.detail = "since this morning";
  f.action = "fix it";
  f.evidence = {{"error", "HTTP 503"}, {"latency", "12 ms"}};
  f.concern = Concern::kCustomers;
  f.plain = {"Customers cannot pay.", "The team is restarting it.", "Call the bank."};
  f.first_seen = At("2026-11-26T08:00:00Z");
  f.last_seen = At("2026-11-27T08:00:00Z");
  return f;
}

// The same contract, run against both implementations.
class StoreContractTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam()) {
      auto s = OpenSqliteStore(TempDir() / "desk.db");
      ASSERT_TRUE(s.has_value()) << s.error().message;
      store_ = std::move(*s);
    } else {
      store_ = NewMemoryStore();
    }
  }
  std::unique_ptr<Store> store_;
};

TEST_P(StoreContractTest, SavesAndResolvesFindings) {
  Finding a = MakeFinding("api"), b = MakeFinding("web", Severity::kToday);
  ASSERT_TRUE(store_->SaveFindings({a, b}, {}, At("2026-11-27T08:00:00Z")));
  auto open = store_->OpenFindings("health");
  ASSERT_TRUE(open);
  ASSERT_EQ(open->size(), 2u);
  EXPECT_EQ((*open)[0].subject, "api");  // act-now first
  EXPECT_EQ((*open)[0].evidence, a.evidence);
  EXPECT_EQ((*open)[0].first_seen, a.first_seen);
  EXPECT_EQ((*open)[0].detail, "since this morning");
  EXPECT_EQ((*open)[0].concern, Concern::kCustomers);
  EXPECT_EQ((*open)[0].plain.risk, "Customers cannot pay.");
  EXPECT_EQ((*open)[0].plain.doing, "The team is restarting it.");
  EXPECT_EQ((*open)[0].plain.ask, "Call the bank.");

  ASSERT_TRUE(store_->SaveFindings({}, {a.Id()}, At("2026-11-27T09:00:00Z")));
  open = store_->OpenFindings("");
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].subject, "web");
  auto resolved = store_->ResolvedSince(At("2026-11-27T00:00:00Z"));
  ASSERT_TRUE(resolved);
  ASSERT_EQ(resolved->size(), 1u);
  EXPECT_EQ((*resolved)[0].subject, "api");
  EXPECT_EQ(FormatTime(*(*resolved)[0].resolved_at), "2026-11-27T09:00:00Z");
  EXPECT_TRUE(store_->ResolvedSince(At("2026-11-28T00:00:00Z"))->empty());

  // Seen again: reopened.
  ASSERT_TRUE(store_->SaveFindings({a}, {}, At("2026-11-27T10:00:00Z")));
  EXPECT_EQ(store_->OpenFindings("health")->size(), 2u);
  EXPECT_TRUE(store_->ResolvedSince(At("2026-11-27T00:00:00Z"))->empty());
}

TEST_P(StoreContractTest, KeepsCheckHistory) {
  std::vector<CheckRecord> records;
  for (int i = 0; i < 10; ++i) {
    records.push_back({"health", "api", At("2026-11-27T08:00:00Z") + std::chrono::minutes(i),
                       i % 3 != 0, 10.0 + i, "{}"});
  }
  records.push_back({"health", "web", At("2026-11-27T08:00:00Z"), true, 1, "{}"});
  ASSERT_TRUE(store_->AppendChecks(records));
  auto all = store_->Checks("health", "api", At("2026-11-27T00:00:00Z"));
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 10u);
  EXPECT_EQ(all->front().value, 10.0);
  EXPECT_EQ(all->back().value, 19.0);
  auto last3 = store_->Checks("health", "api", At("2026-11-27T00:00:00Z"), 3);
  ASSERT_EQ(last3->size(), 3u);
  EXPECT_EQ(last3->front().value, 17.0);  // the most recent three, oldest first
  auto since = store_->Checks("health", "api", At("2026-11-27T08:05:00Z"));
  EXPECT_EQ(since->size(), 5u);
  auto summary = store_->Summarize("health", "api", At("2026-11-27T00:00:00Z"));
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->total, 10);
  EXPECT_EQ(summary->ok, 6);  // i = 0, 3, 6, 9 failed
  EXPECT_EQ(*store_->CheckSubjects("health"), (std::vector<std::string>{"api", "web"}));
}

TEST_P(StoreContractTest, RunsAndState) {
  ASSERT_TRUE(store_->RecordRun({"health", At("2026-11-26T08:00:00Z"), false, 5, 0, "boom"}));
  ASSERT_TRUE(store_->RecordRun({"health", At("2026-11-27T08:00:00Z"), true, 7, 12, ""}));
  ASSERT_TRUE(store_->RecordRun({"backups", At("2026-11-27T08:00:00Z"), true, 3, 4, ""}));
  auto runs = store_->LatestRuns();
  ASSERT_TRUE(runs);
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[1].desk, "health");
  EXPECT_TRUE((*runs)[1].ok);
  EXPECT_EQ((*runs)[1].checked, 12);

  EXPECT_FALSE(store_->GetState("alerts:ops", "x")->has_value());
  ASSERT_TRUE(store_->PutState("alerts:ops", "x", "1"));
  ASSERT_TRUE(store_->PutState("alerts:ops", "x", "2"));
  EXPECT_EQ(store_->GetState("alerts:ops", "x")->value(), "2");
  EXPECT_FALSE(store_->GetState("alerts:other", "x")->has_value());
}

INSTANTIATE_TEST_SUITE_P(Both, StoreContractTest, ::testing::Values(true, false),
                         [](const auto& param_info) { return param_info.param ? "Sqlite" : "Memory"; });

TEST(SqliteStoreTest, MigratesFromEmptyAndUsesWal) {
  auto path = TempDir() / "sub" / "folder" / "desk.db";
  auto store = OpenSqliteStore(path);
  ASSERT_TRUE(store) << store.error().message;
  store->reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  auto scalar = [&](const char* sql) {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, sql, -1, &st, nullptr);
    std::string out;
    if (sqlite3_step(st) == SQLITE_ROW) out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
  };
  EXPECT_EQ(scalar("PRAGMA user_version"), std::to_string(StoreSchemaVersion()));
  EXPECT_EQ(scalar("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(scalar("SELECT count(*) FROM sqlite_master WHERE name IN ('findings','checks','desk_runs','state')"), "4");
  sqlite3_close(db);
}

// A store written by the first release (schema 1) opens in this one with its
// findings intact and the newer columns at their defaults.
TEST(SqliteStoreTest, UpgradesAVersionOneStoreKeepingItsFindings) {
  auto path = TempDir() / "desk.db";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::string v1(StoreMigrationSql(1));
  ASSERT_FALSE(v1.empty());
  for (const std::string& sql :
       {v1, std::string("PRAGMA user_version = 1"),
        std::string("INSERT INTO findings (id, desk, subject, kind, severity, title, detail, action, "
                    "evidence, first_seen, last_seen) VALUES ('0123456789ab', 'health', 'api', "
                    "'down', 0, 'it is down', 'd', 'a', '[]', 1764230400, 1764230400)")}) {
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sql;
  }
  sqlite3_close(db);
  auto store = OpenSqliteStore(path);
  ASSERT_TRUE(store) << store.error().message;
  auto open = (*store)->OpenFindings("health");
  ASSERT_TRUE(open);
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].title, "it is down");
  EXPECT_EQ((*open)[0].concern, Concern::kTechnology);
  EXPECT_EQ((*open)[0].plain.risk, "");
}

TEST(SqliteStoreTest, HistorySurvivesReopen) {
  auto path = TempDir() / "desk.db";
  {
    auto store = OpenSqliteStore(path);
    ASSERT_TRUE(store);
    ASSERT_TRUE((*store)->AppendChecks({{"health", "api", At("2026-11-27T08:00:00Z"), true, 5, "{}"}}));
    ASSERT_TRUE((*store)->SaveFindings({MakeFinding("api")}, {}, At("2026-11-27T08:00:00Z")));
  }
  auto store = OpenSqliteStore(path);
  ASSERT_TRUE(store);
  EXPECT_EQ((*store)->Checks("health", "api", At("2026-11-01T00:00:00Z"))->size(), 1u);
  ASSERT_EQ((*store)->OpenFindings("health")->size(), 1u);
  EXPECT_EQ(FormatTime((*store)->OpenFindings("health")->front().first_seen), "2026-11-26T08:00:00Z");
}

TEST(SqliteStoreTest, RefusesAFileThatIsNotAStore) {
  auto path = TempDir() / "desk.db";
  std::ofstream(path) << "this is not a database, just some text that is long enough to matter\n";
  auto store = OpenSqliteStore(path);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find(path.string()), std::string::npos) << store.error().message;
  EXPECT_NE(store.error().message.find("is it a ctodesk store?"), std::string::npos)
      << store.error().message;
  // Nothing overwritten.
  std::ifstream in(path);
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first.rfind("this is not a database", 0), 0u);
}

TEST(SqliteStoreTest, RefusesANewerSchema) {
  auto path = TempDir() / "desk.db";
  ASSERT_TRUE(OpenSqliteStore(path));
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db, "PRAGMA user_version = 999", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  auto store = OpenSqliteStore(path);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("schema version 999 is newer"), std::string::npos)
      << store.error().message;
}

// A child writes batches, telling the parent after each commit; the parent
// kills it with SIGKILL mid-stream. Every batch reported committed must be
// there, whole, and the database must pass its integrity check.
TEST(SqliteStoreTest, AReadLeavesNoSnapshotThatBlocksTheNextWrite) {
  // Another process (the guard, the CLI) writes between two calls of ours:
  // a read must not keep a stale snapshot that makes our next write BUSY.
  auto dir = TempDir();
  auto store = OpenSqliteStore(dir / "desk.db");
  ASSERT_TRUE(store);
  ASSERT_TRUE((*store)->PutState("leaks", "k", "v1"));
  ASSERT_TRUE((*store)->AppendChecks({{"health", "api", At("2026-11-27T08:00:00Z"), true, 1, "{}"}}));
  ASSERT_EQ((*store)->GetState("leaks", "k")->value(), "v1");
  ASSERT_EQ((*store)->Summarize("health", "api", At("2026-11-01T00:00:00Z"))->total, 1);
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "desk.db").c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "UPDATE state SET value = 'v2'", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  auto w = (*store)->PutState("leaks", "k", "v3");
  ASSERT_TRUE(w) << w.error().message;
  EXPECT_EQ((*store)->GetState("leaks", "k")->value(), "v3");
  store->reset();
  std::filesystem::remove_all(dir);
}

TEST(SqliteStoreTest, SigkillLosesNothingCommitted) {
  auto path = TempDir() / "desk.db";
  ASSERT_TRUE(OpenSqliteStore(path));
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    auto store = OpenSqliteStore(path);
    if (!store) _exit(3);
    for (int batch = 0;; ++batch) {
      std::vector<CheckRecord> records;
      for (int i = 0; i < 100; ++i) {
        records.push_back({"health", "batch", FromUnix(1'700'000'000 + batch), true,
                           static_cast<double>(batch), std::string(200, 'x')});
      }
      if (!(*store)->AppendChecks(records)) _exit(4);
      if (write(fds[1], &batch, sizeof batch) != sizeof batch) _exit(5);
    }
  }
  close(fds[1]);
  int last = -1, got = 0;
  while (last < 50 && read(fds[0], &got, sizeof got) == sizeof got) last = got;
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  // Drain batches the child committed before it died.
  while (read(fds[0], &got, sizeof got) == sizeof got) last = got;
  close(fds[0]);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited on its own: " << status;
  ASSERT_GE(last, 50);

  auto store = OpenSqliteStore(path);
  ASSERT_TRUE(store) << store.error().message;
  auto summary = (*store)->Summarize("health", "batch", FromUnix(0));
  ASSERT_TRUE(summary);
  EXPECT_GE(summary->total, (last + 1) * 100);
  EXPECT_EQ(summary->total % 100, 0) << "a partial batch was visible";
  store->reset();
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "ok");
  sqlite3_finalize(st);
  sqlite3_close(db);
}

}  // namespace
}  // namespace ctodesk
