#include "git/git.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>

namespace ctodesk::git {
namespace {

namespace fs = std::filesystem;

// A throwaway repository driven with the git CLI, at fixed dates and names.
class Fixture {
 public:
  Fixture() {
    dir_ = fs::temp_directory_path() / fmt::format("ctodesk-git-test-{}-{}", ::getpid(), counter_++);
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    Git("init -q -b main");
  }
  ~Fixture() { fs::remove_all(dir_); }
  const fs::path& dir() const { return dir_; }
  void Write(const std::string& path, const std::string& text) {
    fs::create_directories((dir_ / path).parent_path());
    std::ofstream(dir_ / path, std::ios::binary) << text;
  }
  void Git(const std::string& args) {
    std::string cmd = fmt::format(
        "cd '{}' && GIT_AUTHOR_NAME=Ann GIT_AUTHOR_EMAIL=ann@example.com GIT_COMMITTER_NAME=Ann "
        "GIT_COMMITTER_EMAIL=ann@example.com GIT_AUTHOR_DATE='2026-01-0{} 10:00:00 +0000' "
        "GIT_COMMITTER_DATE='2026-01-0{} 10:00:00 +0000' git -c commit.gpgsign=false {} >/dev/null 2>&1",
        dir_.string(), day_, day_, args);
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  void Commit(const std::string& message) {
    Git("add -A");
    Git(fmt::format("commit -q --allow-empty -m '{}'", message));
    ++day_;
  }
  std::string Rev(const std::string& rev) {
    auto repo = Repository::Open(dir_);
    EXPECT_TRUE(repo.has_value());
    auto id = (*repo)->ResolveCommit(rev);
    EXPECT_TRUE(id.has_value());
    return id ? id->Hex() : "";
  }

 private:
  static inline int counter_ = 0;
  fs::path dir_;
  int day_ = 1;
};

std::string BlobIdOf(const fs::path& dir, const std::string& text) {
  std::string tmp = (dir / ".." / "blob.tmp").string();
  std::ofstream(tmp, std::ios::binary) << text;
  std::string cmd = fmt::format("git hash-object '{}'", tmp);
  FILE* p = popen(cmd.c_str(), "r");
  char buf[64] = {};
  EXPECT_NE(fgets(buf, sizeof buf, p), nullptr);
  pclose(p);
  fs::remove(tmp);
  return std::string(buf, 40);
}

TEST(GitTest, OpenRefusesAPlainFolder) {
  fs::path d = fs::temp_directory_path() / "ctodesk-git-plain";
  fs::create_directories(d);
  EXPECT_FALSE(Repository::Open(d).has_value());
  EXPECT_FALSE(Repository::IsRepository(d));
  fs::remove_all(d);
}

TEST(GitTest, ObjectIdHexRoundTrip) {
  auto id = ObjectId::FromHex("0123456789abcdef0123456789abcdef01234567");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->Hex(), "0123456789abcdef0123456789abcdef01234567");
  EXPECT_FALSE(ObjectId::FromHex("xyz").has_value());
}

TEST(GitTest, EmptyRepositoryHasNothingAndDoesNotFail) {
  Fixture f;
  auto repo = Repository::Open(f.dir());
  ASSERT_TRUE(repo.has_value()) << repo.error().message;
  auto ids = (*repo)->AllObjectIds();
  ASSERT_TRUE(ids.has_value());
  EXPECT_TRUE(ids->empty());
  auto head = (*repo)->HeadBlobs();
  ASSERT_TRUE(head.has_value());
  EXPECT_TRUE(head->empty());
  int n = 0;
  auto walk = (*repo)->WalkIntroductions({}, [](const ObjectId&) { return true; },
                                         [&](const Introduction&) { ++n; });
  ASSERT_TRUE(walk.has_value());
  EXPECT_EQ(walk->commits, 0);
  EXPECT_EQ(n, 0);
}

TEST(GitTest, IntroductionsAcrossBranchesMergesAndRenames) {
  Fixture f;
  f.Write("a.txt", "alpha\n");
  f.Write("dir/b.txt", "beta\n");
  f.Commit("one");
  std::string c1 = f.Rev("HEAD");
  f.Git("checkout -q -b side");
  f.Write("dir/c.txt", "gamma\n");
  f.Commit("two on side");
  std::string c2 = f.Rev("HEAD");
  f.Git("checkout -q main");
  f.Git("mv a.txt renamed.txt");
  f.Commit("rename");
  std::string c3 = f.Rev("HEAD");
  f.Git("merge -q --no-ff side -m merge");
  std::string c4 = f.Rev("HEAD");

  auto repo = Repository::Open(f.dir());
  ASSERT_TRUE(repo.has_value());
  std::multimap<std::string, std::pair<std::string, std::string>> got;  // blob -> (commit, path)
  auto walk = (*repo)->WalkIntroductions({}, [](const ObjectId&) { return true; },
                                         [&](const Introduction& i) {
                                           got.insert({i.blob.Hex(), {i.commit.Hex(), i.path}});
                                           EXPECT_EQ(i.author, "Ann <ann@example.com>");
                                         });
  ASSERT_TRUE(walk.has_value());
  EXPECT_EQ(walk->commits, 4);
  EXPECT_TRUE(walk->warnings.empty());
  std::string alpha = BlobIdOf(f.dir(), "alpha\n");
  std::string gamma = BlobIdOf(f.dir(), "gamma\n");
  // alpha: added in c1 at a.txt, then "added" at renamed.txt in c3 (a rename is
  // a new path); the merge c4 adds nothing new against both parents.
  auto range = got.equal_range(alpha);
  std::set<std::pair<std::string, std::string>> alpha_intros;
  for (auto it = range.first; it != range.second; ++it) alpha_intros.insert(it->second);
  EXPECT_EQ(alpha_intros, (std::set<std::pair<std::string, std::string>>{{c1, "a.txt"}, {c3, "renamed.txt"}}));
  auto g = got.equal_range(gamma);
  ASSERT_EQ(std::distance(g.first, g.second), 1) << "gamma is introduced once, by the side branch";
  EXPECT_EQ(g.first->second, std::make_pair(c2, std::string("dir/c.txt")));
  for (auto& [blob, cp] : got) EXPECT_NE(cp.first, c4) << "the merge introduces nothing";

  // Hiding c3 and its ancestors leaves the side commit and the merge.
  auto since = (*repo)->WalkIntroductions({{*ObjectId::FromHex(c3)}}, [](const ObjectId&) { return true; },
                                          [&](const Introduction&) {});
  ASSERT_TRUE(since.has_value());
  EXPECT_EQ(since->commits, 2);

  auto head = (*repo)->HeadBlobs();
  ASSERT_TRUE(head.has_value());
  std::set<std::string> paths;
  for (auto& pb : *head) paths.insert(pb.path);
  EXPECT_EQ(paths, (std::set<std::string>{"renamed.txt", "dir/b.txt", "dir/c.txt"}));

  auto blob = (*repo)->ReadBlob(*ObjectId::FromHex(alpha), 100);
  EXPECT_EQ(blob.status, BlobStatus::kOk);
  EXPECT_EQ(blob.data.view(), "alpha\n");
  EXPECT_EQ((*repo)->ReadBlob(*ObjectId::FromHex(alpha), 3).status, BlobStatus::kTooLarge);
  EXPECT_EQ((*repo)->ReadBlob(*ObjectId::FromHex(c1), 100).status, BlobStatus::kNotBlob);
  auto missing = (*repo)->ReadBlob(*ObjectId::FromHex(std::string(40, 'a')), 100);
  EXPECT_EQ(missing.status, BlobStatus::kUnreadable);
  EXPECT_FALSE(missing.error.empty());

  auto tips = (*repo)->RefTips();
  ASSERT_TRUE(tips.has_value());
  EXPECT_EQ(tips->size(), 2u) << "main (= HEAD) and side";
  EXPECT_FALSE((*repo)->ResolveCommit("no-such-branch").has_value());
}

TEST(GitTest, StagedBlobsAreWhatDiffersFromHead) {
  Fixture f;
  f.Write("same.txt", "same\n");
  f.Write("changed.txt", "old\n");
  f.Commit("one");
  f.Write("changed.txt", "new\n");
  f.Write("added.txt", "added\n");
  f.Git("add changed.txt added.txt");
  auto repo = Repository::Open(f.dir());
  ASSERT_TRUE(repo.has_value());
  auto staged = (*repo)->StagedBlobs();
  ASSERT_TRUE(staged.has_value());
  std::set<std::string> paths;
  for (auto& pb : *staged) paths.insert(pb.path);
  EXPECT_EQ(paths, (std::set<std::string>{"added.txt", "changed.txt"}));
}

}  // namespace
}  // namespace ctodesk::git
