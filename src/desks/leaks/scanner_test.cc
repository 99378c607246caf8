// The scan engine against repositories built here with the git CLI: secrets
// added, modified, deleted and re-added across branches and merges, one only
// in a deleted file's history, a renamed file; and bad input.
#include "desks/leaks/scanner.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <set>

#include <fmt/format.h>

#include "desks/leaks/detectors.h"
#include "desks/leaks/output.h"

namespace ctodesk::leaks {
namespace {

namespace fs = std::filesystem;

std::string RandomAlnum(std::mt19937& rng, int n) {
  std::string_view pool = ClassChars(Chars::kAlnum);
  std::uniform_int_distribution<size_t> pick(0, pool.size() - 1);
  std::string s;
  for (int i = 0; i < n; ++i) s += pool[pick(rng)];
  return s;
}

// A GitHub-style token with a valid checksum, made up here.
std::string MakeGithubToken(std::mt19937& rng) {
  std::string random = RandomAlnum(rng, 30);
  return "ghp_" + random + Base62(Crc32(random), 6);
}

std::string MakeAwsKeyId(std::mt19937& rng) {
  std::string_view pool = ClassChars(Chars::kBase32Upper);
  std::uniform_int_distribution<size_t> pick(0, pool.size() - 1);
  std::string s = "AKIA";
  for (int i = 0; i < 16; ++i) s += pool[pick(rng)];
  return s;
}

class Repo {
 public:
  explicit Repo(const std::string& name) {
    dir_ = fs::temp_directory_path() / fmt::format("ctodesk-leaks-{}-{}-{}", name, ::getpid(), counter_++);
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    Git("init -q -b main");
  }
  ~Repo() { fs::remove_all(dir_); }
  const fs::path& dir() const { return dir_; }
  void Write(const std::string& path, const std::string& text) {
    fs::create_directories((dir_ / path).parent_path());
    std::ofstream(dir_ / path, std::ios::binary) << text;
  }
  void Git(const std::string& args) {
    std::string cmd = fmt::format(
        "cd '{}' && GIT_AUTHOR_NAME='Dev {}' GIT_AUTHOR_EMAIL=dev@example.com GIT_COMMITTER_NAME=Dev "
        "GIT_COMMITTER_EMAIL=dev@example.com GIT_AUTHOR_DATE='2026-02-{:02} 09:00:00 +0000' "
        "GIT_COMMITTER_DATE='2026-02-{:02} 09:00:00 +0000' git -c commit.gpgsign=false {} >/dev/null 2>&1",
        dir_.string(), day_, day_, day_, args);
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  std::string Commit(const std::string& message) {
    Git("add -A");
    Git(fmt::format("commit -q --allow-empty -m '{}'", message));
    ++day_;
    return Head();
  }
  std::string Head() {
    FILE* p = popen(fmt::format("git -C '{}' rev-parse HEAD", dir_.string()).c_str(), "r");
    char buf[64] = {};
    if (fgets(buf, sizeof buf, p) == nullptr) buf[0] = 0;
    pclose(p);
    return std::string(buf, strnlen(buf, 40));
  }

 private:
  static inline int counter_ = 0;
  fs::path dir_;
  int day_ = 1;
};

const Secret* BySecret(const ScanReport& r, const std::string& value) {
  for (const Secret& s : r.secrets) {
    if (s.value == value) return &s;
  }
  return nullptr;
}

ScanOptions OneThreadAndAll() {
  ScanOptions o;
  o.threads = 2;
  return o;
}

class ScannerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto s = Scanner::Create({"acme"});
    ASSERT_TRUE(s.has_value()) << s.error().message;
    scanner_ = s->release();
  }
  static void TearDownTestSuite() { delete scanner_; }
  static Scanner* scanner_;
};
Scanner* ScannerTest::scanner_ = nullptr;

TEST_F(ScannerTest, HistoryAcrossBranchesMergesRenamesAndDeletions) {
  std::mt19937 rng(7);
  const std::string gh = MakeGithubToken(rng);       // added, renamed, still at HEAD
  const std::string aws = MakeAwsKeyId(rng);         // only in a deleted file's history
  const std::string gh2 = MakeGithubToken(rng);      // on a side branch, merged, then removed
  const std::string gh3 = MakeGithubToken(rng);      // modified: replaced gh2's line later
  Repo repo("history");
  repo.Write("README.md", "hello\n");
  const std::string c1 = repo.Commit("init");
  repo.Write("config/app.env", "# app\nGITHUB_TOKEN=" + gh + "\n");
  const std::string c2 = repo.Commit("add token");
  repo.Write("ops/aws.txt", "key id: " + aws + "\n");
  const std::string c3 = repo.Commit("aws");
  repo.Git("rm -q ops/aws.txt");
  const std::string c4 = repo.Commit("remove aws");
  repo.Git("checkout -q -b feature");
  repo.Write("src/client.py", "TOKEN = '" + gh2 + "'\n");
  const std::string c5 = repo.Commit("feature token");
  repo.Git("checkout -q main");
  repo.Git("mv config/app.env config/renamed.env");
  const std::string c6 = repo.Commit("rename");
  repo.Git("merge -q --no-ff feature -m merge");
  const std::string c7 = repo.Head();
  repo.Write("src/client.py", "TOKEN = '" + gh3 + "'\n");
  const std::string c8 = repo.Commit("modify token");
  repo.Write("src/client.py", "TOKEN = '" + gh2 + "'\n");
  const std::string c9 = repo.Commit("re-add old token");
  repo.Git("rm -q src/client.py");
  const std::string c10 = repo.Commit("remove client");

  auto r = scanner_->ScanGit(repo.dir(), OneThreadAndAll());
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->kind, "git");
  EXPECT_EQ(r->secrets.size(), 4u);
  EXPECT_TRUE(r->warnings.empty()) << r->warnings.front();
  EXPECT_EQ(r->stats.unreadable, 0);

  const Secret* s_gh = BySecret(*r, gh);
  ASSERT_NE(s_gh, nullptr);
  EXPECT_EQ(s_gh->rule, "github-pat");
  EXPECT_TRUE(s_gh->at_head);
  EXPECT_EQ(s_gh->introduced().commit, c2);
  EXPECT_EQ(s_gh->introduced().path, "config/app.env");
  EXPECT_EQ(s_gh->introduced().line, 2);
  EXPECT_EQ(s_gh->introduced().column, 14);
  EXPECT_EQ(s_gh->introduced().author, "Dev 2 <dev@example.com>");
  ASSERT_EQ(s_gh->occurrences.size(), 2u) << "its original path and the renamed one";
  EXPECT_EQ(s_gh->occurrences[1].commit, c6);
  EXPECT_EQ(s_gh->occurrences[1].path, "config/renamed.env");
  EXPECT_EQ(s_gh->blobs.size(), 1u) << "one blob, scanned once";
  EXPECT_EQ(s_gh->redacted, "ghp_… (40 chars)");

  const Secret* s_aws = BySecret(*r, aws);
  ASSERT_NE(s_aws, nullptr);
  EXPECT_EQ(s_aws->rule, "aws-access-key-id");
  EXPECT_FALSE(s_aws->at_head) << "only in the deleted file's history";
  EXPECT_EQ(s_aws->introduced().commit, c3);
  EXPECT_EQ(s_aws->introduced().path, "ops/aws.txt");
  EXPECT_EQ(s_aws->occurrences.size(), 1u);

  const Secret* s_gh2 = BySecret(*r, gh2);
  ASSERT_NE(s_gh2, nullptr);
  EXPECT_FALSE(s_gh2->at_head);
  EXPECT_EQ(s_gh2->introduced().commit, c5) << "introduced on the side branch, not by the merge";
  ASSERT_EQ(s_gh2->occurrences.size(), 2u) << "the side branch, then re-added in c9 (same blob, new commit)";
  EXPECT_EQ(s_gh2->occurrences[1].commit, c9);
  for (const Occurrence& o : s_gh2->occurrences) EXPECT_NE(o.commit, c7) << "the merge introduces nothing";

  const Secret* s_gh3 = BySecret(*r, gh3);
  ASSERT_NE(s_gh3, nullptr);
  EXPECT_EQ(s_gh3->introduced().commit, c8);
  EXPECT_FALSE(s_gh3->at_head);

  // Ranked: at HEAD first.
  EXPECT_EQ(r->secrets.front().value, gh);
  EXPECT_EQ(r->ref_tips.size(), 2u) << "main and feature";
  (void)c1, (void)c4, (void)c10;

  // Incremental: nothing new after the current tips; --since c8 sees only c9, c10.
  ScanOptions inc = OneThreadAndAll();
  inc.hide = r->ref_tips;
  auto again = scanner_->ScanGit(repo.dir(), inc);
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->secrets.empty());
  EXPECT_EQ(again->stats.commits, 0);
  ScanOptions since = OneThreadAndAll();
  since.since = c8;
  auto recent = scanner_->ScanGit(repo.dir(), since);
  ASSERT_TRUE(recent.has_value()) << recent.error().message;
  EXPECT_EQ(recent->stats.commits, 2);
  ASSERT_EQ(recent->secrets.size(), 1u);
  EXPECT_EQ(recent->secrets[0].value, gh2);
  EXPECT_EQ(recent->secrets[0].introduced().commit, c9);
  ScanOptions bad_since = OneThreadAndAll();
  bad_since.since = "no-such-rev";
  EXPECT_FALSE(scanner_->ScanGit(repo.dir(), bad_since).has_value());

  // Allowlists: a path glob, a fingerprint.
  ScanOptions allow = OneThreadAndAll();
  allow.allow_paths = {"config/**"};
  allow.allow_fingerprints = {s_aws->fingerprint};
  auto filtered = scanner_->ScanGit(repo.dir(), allow);
  ASSERT_TRUE(filtered.has_value());
  EXPECT_EQ(filtered->secrets.size(), 2u);
  EXPECT_EQ(BySecret(*filtered, gh), nullptr);
  EXPECT_EQ(BySecret(*filtered, aws), nullptr);

  // Outputs never carry a secret unless asked to.
  std::vector<ScanReport> reports{*r};
  for (const std::string& out : {RenderTerminal(reports, false), RenderJson(reports, false),
                                 RenderSarif(reports, scanner_->detectors().detectors(), false)}) {
    for (const std::string& secret : {gh, aws, gh2, gh3}) {
      EXPECT_EQ(out.find(secret), std::string::npos) << "secret in output";
      EXPECT_EQ(out.find(secret.substr(4, 12)), std::string::npos) << "part of a secret in output";
    }
  }
  EXPECT_NE(RenderJson(reports, true).find(gh), std::string::npos) << "--show-secrets shows them";
}

TEST_F(ScannerTest, StagedScansTheIndexAgainstHead) {
  std::mt19937 rng(8);
  const std::string committed = MakeGithubToken(rng);
  const std::string staged = MakeGithubToken(rng);
  Repo repo("staged");
  repo.Write("a.txt", committed + "\n");
  repo.Commit("one");
  repo.Write("b.txt", "x = '" + staged + "'\n");
  repo.Git("add b.txt");
  auto r = scanner_->ScanStaged(repo.dir(), OneThreadAndAll());
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->secrets.size(), 1u);
  EXPECT_EQ(r->secrets[0].value, staged);
  EXPECT_EQ(r->secrets[0].introduced().path, "b.txt");
}

TEST_F(ScannerTest, OwnKeysAreFoundByTheirChecksum) {
  std::mt19937 rng(9);
  std::string random = RandomAlnum(rng, 32);
  // keys/key_format.h: the checksum covers "<prefix>_<random>".
  std::string key = "acme_" + random + Base62(Crc32("acme_" + random), 6);
  auto r = scanner_->ScanText("API_KEY=" + key + "\n", "-", {});
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->secrets.size(), 1u);
  EXPECT_EQ(r->secrets[0].rule, "own-key-acme");
  auto bad = scanner_->ScanText("API_KEY=acme_" + random + "000000\n", "-", {});
  ASSERT_TRUE(bad.has_value());
  EXPECT_TRUE(bad->secrets.empty());
}

TEST_F(ScannerTest, EmptyRepositoryIsNotAnError) {
  Repo repo("empty");
  auto r = scanner_->ScanGit(repo.dir(), {});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_TRUE(r->secrets.empty());
  EXPECT_EQ(r->stats.blobs, 0);
}

TEST_F(ScannerTest, CorruptLooseObjectIsAWarningWithItsId) {
  std::mt19937 rng(10);
  const std::string gh = MakeGithubToken(rng);
  Repo repo("corrupt");
  repo.Write("good.txt", gh + "\n");
  repo.Write("bad.txt", "this blob gets damaged\n");
  repo.Commit("one");
  FILE* p = popen(fmt::format("git -C '{}' rev-parse HEAD:bad.txt", repo.dir().string()).c_str(), "r");
  char buf[64] = {};
  ASSERT_NE(fgets(buf, sizeof buf, p), nullptr);
  pclose(p);
  std::string id(buf, 40);
  fs::path object = repo.dir() / ".git" / "objects" / id.substr(0, 2) / id.substr(2);
  fs::permissions(object, fs::perms::owner_write, fs::perm_options::add);
  std::ofstream(object, std::ios::binary | std::ios::trunc) << "garbage, not zlib";
  auto r = scanner_->ScanGit(repo.dir(), {});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->stats.unreadable, 1);
  ASSERT_FALSE(r->warnings.empty());
  EXPECT_NE(r->warnings[0].find(id), std::string::npos) << r->warnings[0];
  ASSERT_EQ(r->secrets.size(), 1u) << "the good blob is still scanned";
  EXPECT_EQ(r->secrets[0].value, gh);
}

TEST_F(ScannerTest, ShallowCloneScansWhatItHas) {
  std::mt19937 rng(14);
  const std::string old_token = MakeGithubToken(rng);
  const std::string new_token = MakeGithubToken(rng);
  Repo repo("shallow-origin");
  repo.Write("a.env", "T=" + old_token + "\n");
  repo.Commit("one");
  repo.Write("a.env", "T=" + new_token + "\n");
  const std::string tip = repo.Commit("two");
  fs::path shallow = repo.dir().string() + "-clone";
  fs::remove_all(shallow);
  std::string cmd = fmt::format("git clone -q --depth 1 'file://{}' '{}' >/dev/null 2>&1", repo.dir().string(),
                                shallow.string());
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  auto r = scanner_->ScanGit(shallow, {});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->secrets.size(), 1u) << "the old blob is not in the shallow clone";
  EXPECT_EQ(r->secrets[0].value, new_token);
  EXPECT_TRUE(r->secrets[0].at_head);
  EXPECT_EQ(r->secrets[0].introduced().commit, tip) << "the boundary commit brings in what it has";
  fs::remove_all(shallow);
}

TEST_F(ScannerTest, HugeSingleLineIsSkippedInHistoryAndScannedWhenAllowed) {
  std::mt19937 rng(11);
  const std::string gh = MakeGithubToken(rng);
  std::string line(50 * 1024 * 1024, 'a');
  for (size_t i = 0; i < line.size(); i += 97) line[i] = ' ';
  line.replace(line.size() / 2, gh.size() + 2, " " + gh + " ");
  Repo repo("huge");
  repo.Write("big.txt", line);
  repo.Commit("big");
  auto r = scanner_->ScanGit(repo.dir(), {});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->stats.skipped_large, 1);
  EXPECT_TRUE(r->secrets.empty());
  ScanOptions big;
  big.max_blob_size = 64 * 1024 * 1024;
  auto all = scanner_->ScanText(line, "-", big);
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->secrets.size(), 1u);
  EXPECT_EQ(all->secrets[0].occurrences[0].line, 1);
  EXPECT_EQ(all->secrets[0].occurrences[0].column, static_cast<int>(line.size() / 2) + 2);
}

TEST_F(ScannerTest, FoldersBinaryFilesAndNonUtf8Paths) {
  std::mt19937 rng(12);
  const std::string gh = MakeGithubToken(rng);
  fs::path dir = fs::temp_directory_path() / fmt::format("ctodesk-leaks-folder-{}", ::getpid());
  fs::remove_all(dir);
  fs::create_directories(dir / "sub");
  std::ofstream(dir / "sub" / "caf\xe9.txt", std::ios::binary) << "token: " << gh << "\n";
  std::ofstream(dir / "image.bin", std::ios::binary) << std::string("\0\1\2", 3) << gh;
  fs::create_directories(dir / ".git");
  std::ofstream(dir / ".git" / "config", std::ios::binary) << gh;  // a .git folder is not scanned as files
  auto r = scanner_->Scan(dir.string(), {});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->kind, "folder");
  EXPECT_EQ(r->stats.skipped_binary, 1);
  ASSERT_EQ(r->secrets.size(), 1u);
  ASSERT_EQ(r->secrets[0].occurrences.size(), 1u);
  EXPECT_EQ(r->secrets[0].occurrences[0].path, "sub/caf\xe9.txt");
  std::vector<ScanReport> reports{*r};
  std::string json = RenderJson(reports, false);
  EXPECT_NE(json.find("sub/caf\xef\xbf\xbd.txt"), std::string::npos) << "invalid UTF-8 replaced, not thrown";
  EXPECT_NE(RenderSarif(reports, scanner_->detectors().detectors(), false).find("\"version\": \"2.1.0\""),
            std::string::npos);
  fs::remove_all(dir);
  EXPECT_FALSE(scanner_->Scan((dir / "missing").string(), {}).has_value());
}

// Where a generic guess is reported depends on the file: an unquoted value is
// a literal in config but a variable in code; test paths report only with
// include_test_guesses, and then at low confidence.
TEST_F(ScannerTest, GenericGuessesDependOnThePath) {
  fs::path dir = fs::temp_directory_path() / fmt::format("ctodesk-leaks-paths-{}", ::getpid());
  fs::remove_all(dir);
  fs::create_directories(dir / "deploy");
  fs::create_directories(dir / "src");
  fs::create_directories(dir / "test" / "fixture");
  std::ofstream(dir / "deploy" / "app.env", std::ios::binary) << "SMTP_PASSWORD=Tq7wuvnemk2\n";
  std::ofstream(dir / "src" / "mail.py", std::ios::binary) << "smtp_password = Kq8wuvnemk3\n";
  std::ofstream(dir / "test" / "fixture" / "db.yml", std::ios::binary) << "password: Zr5wuvnemk4\n";
  auto paths = [](const ScanReport& r) {
    std::set<std::string> out;
    for (const auto& s : r.secrets) {
      for (const auto& o : s.occurrences) out.insert(o.path + ":" + std::string(ConfidenceName(s.confidence)));
    }
    return out;
  };
  auto r = scanner_->Scan(dir.string(), {});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(paths(*r), (std::set<std::string>{"deploy/app.env:low"}));
  ScanOptions with_tests;
  with_tests.include_test_guesses = true;
  r = scanner_->Scan(dir.string(), with_tests);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(paths(*r), (std::set<std::string>{"deploy/app.env:low", "test/fixture/db.yml:low"}));
  fs::remove_all(dir);
}

TEST_F(ScannerTest, SameSecretInManyFilesIsOneSecret) {
  std::mt19937 rng(13);
  const std::string gh = MakeGithubToken(rng);
  std::string text;
  for (int i = 0; i < 50; ++i) text += fmt::format("line {} {}\n", i, gh);
  auto r = scanner_->ScanText(text, "-", {});
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->secrets.size(), 1u);
  EXPECT_EQ(r->secrets[0].occurrences.size(), 50u);
}

TEST(ScannerHelpersTest, RedactFingerprintGlob) {
  EXPECT_EQ(Redact("AKIA0123456789ABCDEF"), "AKIA… (20 chars)");
  EXPECT_EQ(Redact("hunter2x"), "hu… (8 chars)") << "short secrets show less";
  EXPECT_EQ(Fingerprint("abc"), Fingerprint("abc"));
  EXPECT_NE(Fingerprint("abc"), Fingerprint("abd"));
  EXPECT_EQ(Fingerprint("abc").size(), 16u);
  EXPECT_TRUE(PathMatches("docs/**", "docs/a/b.md"));
  EXPECT_TRUE(PathMatches("*.md", "docs/a/b.md"));
  EXPECT_TRUE(PathMatches("**/testdata/**", "src/x/testdata/k.pem"));
  EXPECT_TRUE(PathMatches("**/testdata/**", "testdata/k.pem"));
  EXPECT_FALSE(PathMatches("docs/**", "src/docs.txt"));
}

TEST(ScannerHelpersTest, BaselineRoundTrip) {
  fs::path f = fs::temp_directory_path() / fmt::format("ctodesk-baseline-{}.json", ::getpid());
  ScanReport r;
  Secret s;
  s.fingerprint = "0123456789abcdef";
  s.rule = "github-pat";
  s.redacted = "ghp_… (40 chars)";
  s.occurrences.push_back({"a.txt", "", "", 0, "", 1, 1});
  r.secrets.push_back(s);
  ASSERT_TRUE(WriteBaseline(f, {r}).has_value());
  auto read = ReadBaseline(f);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(*read, std::set<std::string>{"0123456789abcdef"});
  std::ofstream(f) << "not json";
  EXPECT_FALSE(ReadBaseline(f).has_value());
  fs::remove(f);
}

}  // namespace
}  // namespace ctodesk::leaks
