// The knowledge desk against repositories generated here with the git CLI at
// fixed dates and names, each with a known answer: the small history whose
// DOA values doa_test.cc works out by hand, truck factor 1 and 3, aliases and
// .mailmap, renames, vendored files, merges, an empty repository, a shallow
// clone, a blob missing as in a partial clone; the history walk against
// `git log --name-status --find-renames`; the store cache; --at; the trend;
// findings; what-if; and the [knowledge] config reader.
#include "desks/knowledge/knowledge.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "core/config.h"
#include "git/history.h"
#include "store/store.h"

namespace ctodesk::knowledge {
namespace {

namespace fs = std::filesystem;

std::string Capture(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

// A throwaway repository driven with the git CLI.
class Repo {
 public:
  Repo() {
    dir_ = fs::temp_directory_path() /
           fmt::format("ctodesk-knowledge-test-{}-{}", ::getpid(), counter_++);
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    Git("init -q -b main");
  }
  ~Repo() { fs::remove_all(dir_); }
  const fs::path& dir() const { return dir_; }
  // What `git ARGS` prints in the repository.
  std::string Output(const std::string& args) const {
    return Capture(fmt::format("git -C '{}' {}", dir_.string(), args));
  }
  // The object id `git rev-parse` gives for `what` ("HEAD~1", "HEAD:dir").
  std::string Rev(const std::string& what) const { return Output("rev-parse " + what).substr(0, 40); }
  // Deletes a loose object, as a partial clone would lack it.
  void RemoveObject(const std::string& id) const {
    fs::remove(dir_ / ".git" / "objects" / id.substr(0, 2) / id.substr(2));
  }
  void Write(const std::string& path, const std::string& text) {
    fs::create_directories((dir_ / path).parent_path());
    std::ofstream(dir_ / path, std::ios::binary) << text;
  }
  void Git(const std::string& args, const std::string& env = "") {
    std::string cmd = fmt::format(
        "cd '{}' && {} git -c commit.gpgsign=false -c core.autocrlf=false {} >/dev/null 2>&1",
        dir_.string(), env, args);
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  // Commits everything as `name <email>` on `day` ("2026-01-05").
  void Commit(const std::string& name, const std::string& email, const std::string& day,
              const std::string& message = "change") {
    Git("add -A");
    Git(fmt::format("commit -q --allow-empty -m '{}'", message), Env(name, email, day));
  }
  static std::string Env(const std::string& name, const std::string& email,
                         const std::string& day) {
    return fmt::format(
        "GIT_AUTHOR_NAME='{0}' GIT_AUTHOR_EMAIL='{1}' GIT_COMMITTER_NAME='{0}' "
        "GIT_COMMITTER_EMAIL='{1}' GIT_AUTHOR_DATE='{2} 12:00:00 +0000' "
        "GIT_COMMITTER_DATE='{2} 12:00:00 +0000'",
        name, email, day);
  }

 private:
  static inline int counter_ = 0;
  fs::path dir_;
};

// Ann, Bob, Cat and Dan.
#define ANN "Ann", "ann@example.com"
#define BOB "Bob", "bob@example.com"
#define CAT "Cat", "cat@example.com"
#define DAN "Dan", "dan@example.com"

struct Harness {
  explicit Harness(const fs::path& repo, std::string now = "2026-03-01T08:00:00Z")
      : store(NewMemoryStore()), clock(*ParseTime(now)) {
    RepoSettings r;
    r.name = "repo";
    r.path = repo;
    settings.repos.push_back(r);
  }
  Result<RepoKnowledge> Analyse(AnalyseOptions o = {}) {
    KnowledgeDesk desk(settings);
    DeskContext ctx{*store, clock, settings.repos[0].path.parent_path()};
    return desk.Analyse(ctx, settings.repos[0], o);
  }
  std::vector<Finding> Findings() {
    KnowledgeDesk desk(settings);
    DeskContext ctx{*store, clock, settings.repos[0].path.parent_path()};
    auto r = desk.Run(ctx);
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    return r ? r->findings : std::vector<Finding>{};
  }
  std::unique_ptr<Store> store;
  FixedClock clock;
  Settings settings;
};

// Each commit's changes as "A\tpath" or "R\told\tnew" lines, sorted: from
// `git log --name-status --format='C %H'` output, or from a walk's commits.
using ChangeLines = std::map<std::string, std::vector<std::string>>;

ChangeLines ChangesOfGitLog(const std::string& log) {
  ChangeLines out;
  std::string current;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    if (line.rfind("C ", 0) == 0) {
      current = line.substr(2);
      out[current];
      continue;
    }
    // "R100\told\tnew" -> "R\told\tnew"
    if (line[0] == 'R' || line[0] == 'C') line = line[0] + line.substr(line.find('\t'));
    out[current].push_back(line);
  }
  for (auto& [id, lines] : out) std::sort(lines.begin(), lines.end());
  return out;
}

ChangeLines ChangesOfWalk(const std::vector<git::HistoryCommit>& commits) {
  ChangeLines out;
  for (const git::HistoryCommit& c : commits) {
    auto& lines = out[c.id.Hex()];
    for (const auto& ch : c.changes) {
      lines.push_back(ch.status == 'R' ? fmt::format("R\t{}\t{}", ch.old_path, ch.path)
                                       : fmt::format("{}\t{}", ch.status, ch.path));
    }
    std::sort(lines.begin(), lines.end());
  }
  return out;
}

// Every commit a walk from `head` hands over, in order.
std::vector<git::HistoryCommit> WalkAll(git::History& history, const git::ObjectId& head,
                                        const git::HistoryWalkOptions& options,
                                        std::vector<std::string>* warnings = nullptr) {
  std::vector<git::HistoryCommit> commits;
  auto s = history.Walk(head, options, [&](git::HistoryCommit&& c) { commits.push_back(std::move(c)); });
  EXPECT_TRUE(s.has_value());
  if (s && warnings) *warnings = s->warnings;
  return commits;
}

const FileKnowledge* FileOf(const RepoKnowledge& k, const std::string& path) {
  for (const FileKnowledge& f : k.files) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

std::vector<std::string> AuthorsOf(const RepoKnowledge& k, const std::string& path) {
  const FileKnowledge* f = FileOf(k, path);
  return f ? f->Authors() : std::vector<std::string>{"<no such file>"};
}

// The "hand" repository: the same history as HandHistory in doa_test.cc.
void BuildHand(Repo& r) {
  r.Write("a.c", "int a;\n");
  r.Write("b.c", "int b;\nint b2;\nint b3;\n");
  r.Commit(ANN, "2026-01-01");
  r.Write("a.c", "int a = 1;\n");
  r.Commit(BOB, "2026-01-02");
  r.Write("a.c", "int a = 2;\n");
  r.Commit(BOB, "2026-01-03");
  r.Write("a.c", "int a = 3;\n");
  r.Commit(CAT, "2026-01-04");
  r.Git("mv b.c src_b.c");
  r.Git("mv src_b.c b2.c");
  r.Git("mv b2.c b.c");
  fs::create_directories(r.dir() / "src");
  r.Git("mv b.c src/b.c");
  r.Commit(ANN, "2026-01-05");
  r.Write("src/b.c", "int b;\nint b2;\nint b3 = 3;\n");
  r.Commit(BOB, "2026-01-06");
}

TEST(KnowledgeRepoTest, SmallHistoryMatchesHandComputedDoa) {
  Repo r;
  BuildHand(r);
  Harness h(r.dir());
  auto k = h.Analyse();
  ASSERT_TRUE(k.has_value()) << k.error().message;
  ASSERT_EQ(k->files.size(), 2u);
  const FileKnowledge* a = FileOf(*k, "a.c");
  const FileKnowledge* b = FileOf(*k, "src/b.c");
  ASSERT_TRUE(a && b);
  ASSERT_EQ(a->developers.size(), 3u);
  EXPECT_EQ(a->developers[0].person, "ann@example.com");
  EXPECT_NEAR(a->developers[0].doa, 3.946000, 1e-5);
  EXPECT_EQ(a->developers[1].person, "bob@example.com");
  EXPECT_NEAR(a->developers[1].doa, 3.398501, 1e-5);
  EXPECT_NEAR(a->developers[2].doa, 3.104346, 1e-5);
  EXPECT_EQ(a->Authors(), (std::vector<std::string>{"ann@example.com", "bob@example.com"}));
  ASSERT_EQ(b->developers.size(), 2u);
  EXPECT_NEAR(b->developers[0].doa, 4.332501, 1e-5) << "the rename carried b.c's history";
  EXPECT_EQ(b->Authors(), std::vector<std::string>{"ann@example.com"});
  // Without Ann, a.c still has Bob: exactly half is not fewer than half.
  EXPECT_EQ(k->repo.tf.value, 2);
  EXPECT_EQ(k->repo.tf.people, (std::vector<std::string>{"ann@example.com", "bob@example.com"}));
  EXPECT_EQ(k->commits, 6);
}

// The walk agrees with `git log --name-status --find-renames` on every commit.
TEST(KnowledgeRepoTest, WalkMatchesGitLog) {
  Repo r;
  BuildHand(r);
  r.Git("checkout -q -b side");
  r.Write("side.txt", "a side file\n");
  r.Commit(DAN, "2026-01-07");
  r.Git("checkout -q main");
  r.Write("main.txt", "x\n");
  r.Git("rm -q a.c");
  r.Commit(CAT, "2026-01-08");
  r.Git("merge -q --no-ff side -m merge", Repo::Env(DAN, "2026-01-09"));
  // A file that becomes a folder, and one that becomes a symlink (T).
  r.Write("x", "a plain file\n");
  r.Write("link", "was a file\n");
  r.Commit(ANN, "2026-01-10");
  r.Git("rm -q x link");
  r.Write("x/inner.txt", "something else entirely\n");
  r.Git("add -A");
  fs::create_symlink("main.txt", r.dir() / "link");
  r.Commit(ANN, "2026-01-11");
  r.Write("main.txt", "y\n");
  fs::remove(r.dir() / "x" / "inner.txt");
  r.Write("x", "a file again\n");
  r.Commit(BOB, "2026-01-12");
  // Exact renames that pair every delete (one add left over: no similarity
  // needed), of two files with the same content; then an exact rename next
  // to an unrelated add and delete (similarity needed).
  r.Write("dup1.txt", "the same words\n");
  r.Write("dup2.txt", "the same words\n");
  r.Write("gone.txt", "nothing like the others, really nothing at all\n");
  r.Commit(CAT, "2026-01-13");
  r.Git("mv dup1.txt z1.txt");
  r.Git("mv dup2.txt z2.txt");
  r.Write("fresh.txt", "brand new\n");
  r.Write("main.txt", "z\n");
  r.Commit(DAN, "2026-01-14");
  r.Git("mv z1.txt moved.txt");
  r.Git("rm -q gone.txt");
  r.Write("other.txt", "#!/bin/sh\necho entirely different content here\n");
  r.Commit(ANN, "2026-01-15");

  std::string log = r.Output("log --name-status --find-renames --format='C %H' HEAD");
  auto history = git::History::Open(r.dir());
  ASSERT_TRUE(history.has_value());
  auto head = (*history)->Resolve("HEAD");
  ASSERT_TRUE(head.has_value());
  std::vector<git::HistoryCommit> walked;
  auto stats = (*history)->Walk(*head, {}, [&](git::HistoryCommit&& c) { walked.push_back(std::move(c)); });
  ASSERT_TRUE(stats.has_value());
  EXPECT_TRUE(stats->warnings.empty());
  EXPECT_EQ(stats->commits, 15);
  EXPECT_NE(log.find("T\tlink"), std::string::npos) << log;
  EXPECT_NE(log.find("\tdup2.txt\tz2.txt"), std::string::npos) << log;
  EXPECT_NE(log.find("\tz1.txt\tmoved.txt"), std::string::npos) << log;
  EXPECT_EQ(ChangesOfWalk(walked), ChangesOfGitLog(log));

  // Several threads give the same commits, in the same order, with the same
  // changes as one.
  auto walk = [&](int threads) {
    git::HistoryWalkOptions o;
    o.threads = threads;
    return WalkAll(**history, *head, o);
  };
  std::vector<git::HistoryCommit> one = walk(1), three = walk(3);
  ASSERT_EQ(one.size(), 15u);
  ASSERT_EQ(three.size(), one.size());
  for (std::size_t i = 0; i < one.size(); ++i) {
    EXPECT_EQ(three[i].id, one[i].id) << i;
    EXPECT_EQ(three[i].parents, one[i].parents) << i;
    EXPECT_EQ(three[i].author_email, one[i].author_email) << i;
    EXPECT_EQ(three[i].changes, one[i].changes) << i;
  }
}

// Parents always come before their children, otherwise the oldest commit
// first, whatever the threads; with commits to hide, exactly the commits `git rev-list TIP --not HIDDEN` names
// are walked (a side branch forked before the hidden commit and merged after
// it included), and a walked commit whose parent is hidden still compares
// against that parent's tree.
TEST(KnowledgeRepoTest, WalkOrderAndHiddenCommits) {
  Repo r;
  BuildHand(r);
  r.Git("checkout -q -b side HEAD~2");
  r.Write("side.txt", "forked early\n");
  r.Commit(DAN, "2026-01-07");
  r.Write("side.txt", "forked early, changed\n");
  r.Commit(DAN, "2026-01-08");
  r.Git("checkout -q main");
  r.Write("main.txt", "x\n");
  r.Commit(CAT, "2026-01-09");
  std::string hidden = r.Rev("HEAD");
  r.Git("merge -q --no-ff side -m merge", Repo::Env(DAN, "2026-01-10"));
  r.Write("main.txt", "y\n");
  r.Commit(BOB, "2026-01-11");

  auto history = git::History::Open(r.dir());
  ASSERT_TRUE(history.has_value());
  auto head = (*history)->Resolve("HEAD");
  ASSERT_TRUE(head.has_value());
  auto parents_first = [](const std::vector<git::HistoryCommit>& walked) {
    std::set<git::ObjectId> before;
    for (const git::HistoryCommit& c : walked) {
      for (const git::ObjectId& p : c.parents) {
        if (std::any_of(walked.begin(), walked.end(), [&](const git::HistoryCommit& w) { return w.id == p; }) &&
            !before.count(p))
          return false;
      }
      before.insert(c.id);
    }
    return true;
  };
  for (int threads : {1, 2, 3}) {
    git::HistoryWalkOptions o;
    o.threads = threads;
    std::vector<git::HistoryCommit> all = WalkAll(**history, *head, o);
    EXPECT_EQ(all.size(), 11u) << threads;
    EXPECT_TRUE(parents_first(all)) << threads;
    EXPECT_EQ(all.back().id, *head) << threads;
    // Otherwise oldest first, as `git log --reverse` lists them: the side
    // branch's commits fall between main's by date.
    std::string logged = r.Output("log --reverse --format=%H");
    std::string walked;
    for (const git::HistoryCommit& c : all) walked += c.id.Hex() + "\n";
    EXPECT_EQ(walked, logged) << threads;

    o.hide = {*git::ObjectId::FromHex(hidden)};
    std::vector<std::string> warnings;
    std::vector<git::HistoryCommit> fresh = WalkAll(**history, *head, o, &warnings);
    EXPECT_TRUE(warnings.empty()) << threads;
    std::set<std::string> got, want;
    for (const git::HistoryCommit& c : fresh) got.insert(c.id.Hex());
    std::istringstream listed(r.Output("rev-list HEAD --not " + hidden));
    for (std::string id; listed >> id;) want.insert(id);
    EXPECT_EQ(got, want) << threads;
    EXPECT_EQ(fresh.size(), 4u) << threads;  // two side commits, the merge, the last one
    EXPECT_TRUE(parents_first(fresh)) << threads;
    // The last commit's parent is the merge (walked); the first side commit's
    // parent is on main below the hidden one: both compare against a tree.
    for (const git::HistoryCommit& c : fresh) {
      if (c.parents.size() == 1) {
        ASSERT_EQ(c.changes.size(), 1u) << c.id.Hex();
        EXPECT_EQ(c.changes[0].status, c.changes[0].path == "side.txt" && c.author_time < 1767830400 ? 'A' : 'M')
            << c.id.Hex() << " " << c.changes[0].path;
      }
    }
  }
}

// Two unrelated histories merged (two root commits): the walk reaches both
// through the merge's parents, lists the second root's files as added, and
// agrees with `git log` on every commit and on the order, with any threads.
TEST(KnowledgeRepoTest, UnrelatedHistoriesMergedAreBothWalked) {
  Repo r;
  r.Write("app.c", "app\n");
  r.Commit(ANN, "2026-01-01");
  r.Git("checkout -q --orphan docs");
  r.Git("rm -q -rf .");
  r.Write("guide.md", "guide\n");
  r.Write("faq.md", "faq\n");
  r.Commit(BOB, "2026-01-02");
  r.Write("faq.md", "faq, longer\n");
  r.Commit(BOB, "2026-01-04");
  r.Git("checkout -q main");
  r.Write("app.c", "app 2\n");
  r.Commit(ANN, "2026-01-03");
  r.Git("merge -q --no-ff --allow-unrelated-histories docs -m merge", Repo::Env(CAT, "2026-01-05"));
  std::string log = r.Output("log --name-status --find-renames --format='C %H' HEAD");
  std::string order = r.Output("log --reverse --format=%H");
  auto history = git::History::Open(r.dir());
  ASSERT_TRUE(history.has_value());
  auto head = (*history)->Resolve("HEAD");
  ASSERT_TRUE(head.has_value());
  for (int threads : {1, 2}) {
    git::HistoryWalkOptions o;
    o.threads = threads;
    std::vector<std::string> warnings;
    std::vector<git::HistoryCommit> walked = WalkAll(**history, *head, o, &warnings);
    EXPECT_TRUE(warnings.empty()) << threads;
    ASSERT_EQ(walked.size(), 5u) << threads;
    EXPECT_EQ(ChangesOfWalk(walked), ChangesOfGitLog(log)) << threads;
    std::string walked_order;
    for (const git::HistoryCommit& c : walked) walked_order += c.id.Hex() + "\n";
    EXPECT_EQ(walked_order, order) << threads;
  }
  Harness h(r.dir());
  auto k = h.Analyse();
  ASSERT_TRUE(k.has_value()) << k.error().message;
  EXPECT_EQ(AuthorsOf(*k, "guide.md"), std::vector<std::string>{"bob@example.com"});
  EXPECT_EQ(AuthorsOf(*k, "app.c"), std::vector<std::string>{"ann@example.com"});
}

// Inexact renames: the walk pairs adds and deletes by its own copy of
// libgit2's rules; here against libgit2's git_diff_find_similar itself
// (every commit's changes, in order) and against `git log --find-renames`.
// Many files moved and edited at once, near-identical files that compete for
// the same partner (libgit2 then re-runs its matching), edits around the 50%
// threshold, a file that grew over 8 times, tiny files, unrelated adds and
// deletes in the same commits.
TEST(KnowledgeRepoTest, InexactRenamesPairAsLibgit2AndGit) {
  Repo r;
  auto text = [](int file, int lines, int edited_every, int salt) {
    std::string s;
    for (int i = 0; i < lines; ++i) {
      bool edited = edited_every > 0 && i % edited_every == 0;
      s += fmt::format("file {} line {} {}\n", file, i,
                       edited ? fmt::format("changed by {}", salt) : "as first written");
    }
    return s;
  };
  for (int f = 0; f < 40; ++f) r.Write(fmt::format("src/m{}.c", f), text(f, 30, 0, 0));
  r.Write("src/twin_a.c", text(100, 30, 0, 0));
  r.Write("src/twin_b.c", text(100, 30, 15, 1));  // 2 lines differ from twin_a
  r.Write("src/grows.c", text(101, 20, 0, 0));
  r.Write("src/tiny.c", "x\n");
  r.Write("src/doomed.c", text(102, 25, 0, 0));
  r.Commit(ANN, "2026-01-01");
  // Everything moves to lib/, most files edited a little, some a lot.
  for (int f = 0; f < 40; ++f) {
    int every = f % 4 == 0 ? 5 : f % 4 == 1 ? 2 : f % 4 == 2 ? 0 : 3;  // ~20%, 50%, 0%, ~33%
    fs::remove(r.dir() / fmt::format("src/m{}.c", f));
    r.Write(fmt::format("lib/m{}.c", f), text(f, 30, every, 7));
  }
  for (const char* gone : {"twin_a.c", "twin_b.c", "grows.c", "tiny.c", "doomed.c"})
    fs::remove(r.dir() / "src" / gone);
  r.Write("lib/twin_1.c", text(100, 30, 10, 2));
  r.Write("lib/twin_2.c", text(100, 30, 10, 3));
  r.Write("lib/grows.c", text(101, 200, 0, 0));
  r.Write("lib/tiny.c", "y\n");
  r.Write("lib/unrelated.c", text(103, 25, 0, 0));
  r.Commit(BOB, "2026-01-02");
  // A second round: half the files move again with heavier edits.
  for (int f = 0; f < 40; f += 2) {
    fs::remove(r.dir() / fmt::format("lib/m{}.c", f));
    r.Write(fmt::format("core/m{}.c", f), text(f, 30, f % 3 + 2, 9));
  }
  r.Write("core/new.c", text(104, 10, 0, 0));
  r.Commit(CAT, "2026-01-03");
  r.Git("mv lib/m1.c lib/m1_renamed.c");
  r.Commit(DAN, "2026-01-04");

  auto history = git::History::Open(r.dir());
  ASSERT_TRUE(history.has_value());
  auto head = (*history)->Resolve("HEAD");
  ASSERT_TRUE(head.has_value());
  auto walk = [&](bool libgit2) {
    git::HistoryWalkOptions o;
    o.libgit2_renames = libgit2;
    std::vector<std::string> warnings;
    auto commits = WalkAll(**history, *head, o, &warnings);
    EXPECT_TRUE(warnings.empty());
    return commits;
  };
  std::vector<git::HistoryCommit> ours = walk(false), theirs = walk(true);
  ASSERT_EQ(ours.size(), 4u);
  ASSERT_EQ(theirs.size(), ours.size());
  std::size_t renames = 0;
  for (std::size_t i = 0; i < ours.size(); ++i) {
    EXPECT_EQ(ours[i].changes, theirs[i].changes) << "commit " << i;
    for (const auto& ch : ours[i].changes) renames += ch.status == 'R';
  }
  EXPECT_GE(renames, 50u) << "most moves are renames";

  std::string log = r.Output("log --name-status --find-renames --format='C %H' HEAD");
  EXPECT_EQ(ChangesOfWalk(ours), ChangesOfGitLog(log));
}

TEST(KnowledgeRepoTest, TruckFactorOne) {
  Repo r;
  for (int i = 0; i < 6; ++i) r.Write(fmt::format("src/f{}.c", i), fmt::format("int f{};\n", i));
  r.Commit(ANN, "2026-01-01");
  for (int i = 0; i < 6; ++i)
    r.Write(fmt::format("src/f{}.c", i), fmt::format("int f{} = 1;\n", i));
  r.Commit(ANN, "2026-01-02");
  r.Write("src/f0.c", "int f0 = 2;\n");
  r.Commit(BOB, "2026-01-03", "typo");
  Harness h(r.dir());
  auto k = h.Analyse();
  ASSERT_TRUE(k.has_value()) << k.error().message;
  EXPECT_EQ(k->repo.tf.value, 1);
  EXPECT_EQ(k->repo.tf.people, std::vector<std::string>{"ann@example.com"});
  EXPECT_EQ(k->repo.single_author_files, 6u) << "Bob's one change does not make him an author";
  ASSERT_EQ(k->folders.size(), 1u);
  EXPECT_EQ(k->folders[0].name, "src");
  EXPECT_EQ(k->folders[0].tf.value, 1);
}

TEST(KnowledgeRepoTest, TruckFactorThree) {
  Repo r;
  const char* people[][2] = {{ANN}, {BOB}, {CAT}, {DAN}};
  int day = 1;
  for (auto& p : people) {
    for (int i = 0; i < 3; ++i) r.Write(fmt::format("{}/f{}.c", p[0], i), "x\n");
    r.Commit(p[0], p[1], fmt::format("2026-01-{:02}", day++));
  }
  Harness h(r.dir());
  auto k = h.Analyse();
  ASSERT_TRUE(k.has_value()) << k.error().message;
  EXPECT_EQ(k->repo.tf.value, 3) << "12 files, 3 each: after 3 removals 25% are left";
  EXPECT_EQ(k->repo.tf.people,
            (std::vector<std::string>{"ann@example.com", "bob@example.com", "cat@example.com"}))
      << "ties broken by person key";
  EXPECT_EQ(k->folders.size(), 4u);
}

TEST(KnowledgeRepoTest, AliasesAndMailmap) {
  Repo r;
  r.Write("a.c", "a\n");
  r.Commit("Ann Smith", "ann@example.com", "2026-01-01");
  r.Write("b.c", "b\n");
  r.Commit("ANN SMITH", "ann@home.example", "2026-01-02");  // same name, other case
  r.Write("c.c", "c\n");
  r.Commit("A. S.", "Ann@Home.Example", "2026-01-03");  // same e-mail, other case
  r.Write("d.c", "d\n");
  r.Commit("Old Laptop", "root@laptop.local", "2026-01-04");  // only .mailmap knows
  r.Write("e.c", "e\n");
  r.Commit(BOB, "2026-01-05");
  r.Write(".mailmap", "Ann Smith <ann@example.com> <root@laptop.local>\n");
  r.Commit(BOB, "2026-01-06");
  Harness h(r.dir());
  h.settings.repos[0].exclude = {".mailmap"};
  auto k = h.Analyse();
  ASSERT_TRUE(k.has_value()) << k.error().message;
  ASSERT_EQ(k->people.size(), 2u) << "Ann's four identities are one person";
  const PersonInfo* ann = k->Person("ann@example.com");
  ASSERT_NE(ann, nullptr);
  EXPECT_EQ(ann->commits, 4);
  EXPECT_EQ(ann->aliases.size(), 3u) << "the .mailmap alias maps onto an existing one";
  for (const char* f : {"a.c", "b.c", "c.c", "d.c"}) {
    EXPECT_EQ(AuthorsOf(*k, f), std::vector<std::string>{"ann@example.com"}) << f;
  }
  EXPECT_EQ(k->repo.tf.value, 1);
  auto leavers = FindPeople(*k, {"ANN@HOME.EXAMPLE"});
  ASSERT_TRUE(leavers.has_value());
  EXPECT_EQ(*leavers, std::set<std::string>{"ann@example.com"});
  auto missing = FindPeople(*k, {"bobb@example.com"});
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(
      missing.error().message,
      fmt::format("{}: nobody with the e-mail \"bobb@example.com\" committed to \"repo\"; did "
                  "you mean \"bob@example.com\"?",
                  r.dir().string()));
}

TEST(KnowledgeRepoTest, RenamedFolderKeepsItsAuthors) {
  Repo r;
  for (int i = 0; i < 4; ++i) {
    r.Write(fmt::format("src/m{}.c", i),
            fmt::format("// module {}\nint value{} = {};\nint other{};\n", i, i, i, i));
  }
  r.Commit(ANN, "2026-01-01");
  for (int i = 0; i < 4; ++i) {
    r.Write(fmt::format("src/m{}.c", i),
            fmt::format("// module {}\nint value{} = {};\nint other{} = 2;\n", i, i, i, i));
  }
  r.Commit(ANN, "2026-01-02");
  r.Git("mv src lib");
  r.Write("lib/m0.c", "// module 0\nint value0 = 0;\nint other0 = 3;\n");  // moved and edited
  r.Commit(BOB, "2026-01-03", "move src to lib");
  Harness h(r.dir());
  auto k = h.Analyse();
  ASSERT_TRUE(k.has_value()) << k.error().message;
  ASSERT_EQ(k->files.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    std::string path = fmt::format("lib/m{}.c", i);
    EXPECT_EQ(AuthorsOf(*k, path), std::vector<std::string>{"ann@example.com"}) << path;
    const Developer& ann = FileOf(*k, path)->developers[0];
    EXPECT_EQ(std::tie(ann.fa, ann.dl, ann.ac), std::make_tuple(1, 1, 1)) << path;
  }
}

TEST(KnowledgeRepoTest, VendoredAndGeneratedFilesDoNotCount) {
  Repo r;
  r.Write("app/main.c", "int main;\n");
  r.Commit(ANN, "2026-01-01");
  for (const char* p :
       {"vendor/lib/x.c", "vendor/lib/y.c", "node_modules/left/index.js", "third_party/z/z.h",
        "web/package-lock.json", "web/app.min.js", "gen/api.c", "docs/a.md", "docs/b.md"}) {
    r.Write(p, "bob's\n");
  }
  r.Write(".gitattributes", "gen/** linguist-generated\n");
  r.Commit(BOB, "2026-01-02");
  Harness h(r.dir());
  h.settings.repos[0].exclude = {"docs/**", ".gitattributes"};
  auto k = h.Analyse();
  ASSERT_TRUE(k.has_value()) << k.error().message;
  ASSERT_EQ(k->files.size(), 1u);
  EXPECT_EQ(k->files[0].path, "app/main.c");
  EXPECT_EQ(k->skipped, 10u);
  EXPECT_EQ(k->repo.tf.people, std::vector<std::string>{"ann@example.com"});

  h.settings.repos[0].skip_vendored = false;
  h.settings.repos[0].exclude = {};
  k = h.Analyse();
  ASSERT_TRUE(k.has_value());
  EXPECT_EQ(k->files.size(), 10u) << "only the generated file stays out";
  EXPECT_EQ(k->repo.tf.people, std::vector<std::string>{"bob@example.com"});

  // --files-from: exactly these files count.
  AnalyseOptions o;
  o.files_from = std::vector<std::string>{"app/main.c", "vendor/lib/x.c", "not/there.c"};
  k = h.Analyse(o);
  ASSERT_TRUE(k.has_value());
  EXPECT_EQ(k->files.size(), 2u);
}

TEST(KnowledgeRepoTest, MergesBringNoChangesOfTheirOwn) {
  Repo r;
  r.Write("a.c", "a\n");
  r.Write("b.c", "b\n");
  r.Commit(ANN, "2026-01-01");
  r.Git("checkout -q -b feature");
  r.Write("c.c", "c\n");
  r.Commit(BOB, "2026-01-02");
  r.Git("checkout -q main");
  r.Write("a.c", "a2\n");
  r.Commit(ANN, "2026-01-03");
  r.Git("merge -q --no-ff feature -m merge", Repo::Env(CAT, "2026-01-04"));
  Harness h(r.dir());
  auto k = h.Analyse();
  ASSERT_TRUE(k.has_value()) << k.error().message;
  EXPECT_EQ(k->commits, 4);
  EXPECT_EQ(AuthorsOf(*k, "c.c"), std::vector<std::string>{"bob@example.com"});
  for (const FileKnowledge& f : k->files) {
    for (const Developer& d : f.developers) EXPECT_NE(d.person, "cat@example.com") << f.path;
  }
  ASSERT_NE(k->Person("cat@example.com"), nullptr) << "the merger still committed";
}

TEST(KnowledgeRepoTest, EmptyRepositoryAndShallowCloneFailClearly) {
  Repo empty;
  Harness h(empty.dir());
  auto k = h.Analyse();
  ASSERT_FALSE(k.has_value());
  EXPECT_EQ(k.error().message,
            fmt::format("{}: repository \"repo\" has no commits yet; there is no history to learn "
                        "who knows what",
                        empty.dir().string()));

  Repo full;
  BuildHand(full);
  fs::path shallow = full.dir().string() + "-shallow";
  ASSERT_EQ(std::system(fmt::format("git clone -q --depth 1 'file://{}' '{}' 2>/dev/null",
                                    full.dir().string(), shallow.string())
                            .c_str()),
            0);
  Harness hs(shallow);
  k = hs.Analyse();
  fs::remove_all(shallow);
  ASSERT_FALSE(k.has_value());
  EXPECT_EQ(k.error().message,
            fmt::format("{0}: repository \"repo\" is a shallow clone; authorship needs the whole "
                        "history: run `git -C {0} fetch --unshallow`",
                        shallow.string()));

  Harness missing(full.dir() / "nope");
  k = missing.Analyse();
  ASSERT_FALSE(k.has_value());
  EXPECT_EQ(k.error().message,
            fmt::format("{}: repository \"repo\" not found", (full.dir() / "nope").string()));
}

// Trees are read as raw objects: a folder's tree missing (as in a partial
// clone) or bytes that are not a tree give a warning naming the tree and its
// folder; the rest of the commit and the walk go on.
TEST(KnowledgeRepoTest, UnreadableTreesAreWarningsNotFailures) {
  Repo r;
  r.Write("dir/a.c", "a\n");
  r.Write("top.c", "t\n");
  r.Commit(ANN, "2026-01-01");
  r.Write("dir/a.c", "a, changed\n");
  r.Write("top.c", "t, changed\n");
  r.Commit(BOB, "2026-01-02");
  std::string dir_tree = r.Rev("HEAD~1:dir");
  r.RemoveObject(dir_tree);
  Harness h(r.dir());
  auto k = h.Analyse();
  ASSERT_TRUE(k.has_value()) << k.error().message;
  ASSERT_EQ(k->warnings.size(), 2u);  // the first commit lists it, the second compares with it
  for (const std::string& w : k->warnings)
    EXPECT_NE(w.find(fmt::format("tree {} (dir) unreadable", dir_tree)), std::string::npos) << w;
  ASSERT_NE(FileOf(*k, "top.c"), nullptr);
  EXPECT_EQ(FileOf(*k, "top.c")->developers.size(), 2u) << "the rest of both commits is read";

  // A commit whose tree is not a tree's bytes (a mode, a name and no id),
  // then one that puts the good tree back: neither shows changes.
  std::string bad_tree = Capture(fmt::format(
      "cd '{}' && printf '100644 x' | git hash-object -t tree --literally -w --stdin", r.dir().string()));
  bad_tree.resize(40);
  std::string bad = Capture(fmt::format("cd '{}' && {} git commit-tree {} -p HEAD -m bad", r.dir().string(),
                                        Repo::Env(CAT, "2026-01-03"), bad_tree));
  bad.resize(40);
  std::string good = Capture(fmt::format("cd '{}' && {} git commit-tree {} -p {} -m good", r.dir().string(),
                                         Repo::Env(CAT, "2026-01-04"), r.Rev("HEAD^{tree}"), bad));
  good.resize(40);
  AnalyseOptions o;
  o.at = good;
  auto after = h.Analyse(o);
  ASSERT_TRUE(after.has_value()) << after.error().message;
  EXPECT_EQ(after->commits_read, 2);
  ASSERT_EQ(after->warnings.size(), 2u);
  for (const std::string& w : after->warnings)
    EXPECT_NE(w.find(fmt::format("tree {} (/) unreadable: malformed entry", bad_tree)), std::string::npos) << w;
  ASSERT_EQ(after->files.size(), 2u);
  for (const FileKnowledge& f : after->files) {
    for (const Developer& dev : f.developers) EXPECT_EQ(dev.person.find("cat"), std::string::npos) << dev.person;
  }
  EXPECT_EQ(FileOf(*after, "top.c")->developers.size(), 2u) << "Cat's commits change nothing";
}

// A commit whose own tree is missing shows no changes, with a warning naming
// the commit and the tree; the next commit, whose parent tree that is, has
// its files counted as added, with a warning naming the parent.
TEST(KnowledgeRepoTest, AMissingRootTreeIsAWarningNamingTheCommit) {
  Repo r;
  r.Write("a.c", "1\n");
  r.Commit(ANN, "2026-01-01");
  r.Write("a.c", "2\n");
  r.Commit(BOB, "2026-01-02");
  r.Write("a.c", "3\n");
  r.Commit(CAT, "2026-01-03");
  const std::string middle = r.Rev("HEAD~1"), root = r.Rev("HEAD~1^{tree}"), head = r.Rev("HEAD");
  r.RemoveObject(root);
  Harness h(r.dir());
  auto k = h.Analyse();
  ASSERT_TRUE(k.has_value()) << k.error().message;
  ASSERT_EQ(k->warnings.size(), 2u);
  EXPECT_NE(k->warnings[0].find(fmt::format("commit {}: tree {} (/) unreadable", middle, root)), std::string::npos)
      << k->warnings[0];
  EXPECT_NE(k->warnings[1].find(fmt::format("commit {}: parent {} unreadable; its files count as added", head, middle)),
            std::string::npos)
      << k->warnings[1];
  ASSERT_NE(FileOf(*k, "a.c"), nullptr);
  auto dev = [&](const std::string& who) -> const Developer* {
    for (const Developer& d : FileOf(*k, "a.c")->developers)
      if (d.person == who) return &d;
    return nullptr;
  };
  EXPECT_EQ(dev("bob@example.com"), nullptr) << "Bob's commit shows no changes";
  ASSERT_NE(dev("cat@example.com"), nullptr);
  EXPECT_EQ(dev("cat@example.com")->fa, 1);
}

TEST(KnowledgeRepoTest, MissingBlobMeansNoRenameAndAWarning) {
  Repo r;
  r.Write("old.c", "line one\nline two\nline three\nline four\n");
  r.Commit(ANN, "2026-01-01");
  r.Git("mv old.c new.c");
  r.Write("new.c", "line one\nline two\nline three\nline 4\n");
  r.Commit(BOB, "2026-01-02");
  // Remove old.c's blob, as a partial clone would lack it.
  std::string blob = r.Rev("HEAD~1:old.c");
  r.RemoveObject(blob);
  Harness h(r.dir());
  auto k = h.Analyse();
  ASSERT_TRUE(k.has_value()) << k.error().message;
  ASSERT_EQ(k->warnings.size(), 1u);
  EXPECT_NE(k->warnings[0].find("rename detection skipped"), std::string::npos) << k->warnings[0];
  EXPECT_EQ(AuthorsOf(*k, "new.c"), std::vector<std::string>{"bob@example.com"})
      << "without the blob the change is an add, not a rename";
}

TEST(KnowledgeRepoTest, StoreCacheReadsOnlyNewCommits) {
  Repo r;
  BuildHand(r);
  Harness h(r.dir());
  auto first = h.Analyse();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->commits_read, 6);
  auto second = h.Analyse();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->commits_read, 0);
  r.Write("a.c", "int a = 4;\n");
  r.Commit(CAT, "2026-01-07");
  auto third = h.Analyse();
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->commits_read, 1);
  EXPECT_EQ(third->commits, 7);
  // Same answer as a fresh store.
  Harness fresh(r.dir());
  auto again = fresh.Analyse();
  ASSERT_TRUE(again.has_value());
  ASSERT_EQ(third->files.size(), again->files.size());
  for (size_t i = 0; i < again->files.size(); ++i) {
    EXPECT_EQ(third->files[i].Authors(), again->files[i].Authors());
    ASSERT_EQ(third->files[i].developers.size(), again->files[i].developers.size());
    for (size_t j = 0; j < again->files[i].developers.size(); ++j) {
      EXPECT_DOUBLE_EQ(third->files[i].developers[j].doa, again->files[i].developers[j].doa);
    }
  }
  // --at an older commit is answered from the store.
  AnalyseOptions o;
  o.at = "HEAD~1";
  auto older = h.Analyse(o);
  ASSERT_TRUE(older.has_value());
  EXPECT_EQ(older->commits_read, 0);
  EXPECT_EQ(older->commits, 6);
  EXPECT_NEAR(FileOf(*older, "a.c")->developers[0].doa, 3.946000, 1e-5);
  o.at = "nonsense";
  auto bad = h.Analyse(o);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("unknown revision \"nonsense\""), std::string::npos);
}

// The walked commits are stored while the model is built: a store that
// refuses them fails the run with its message, and the next run, once the
// store takes writes again, gives the fresh answer.
TEST(KnowledgeRepoTest, AStoreThatRefusesTheCommitsFailsTheRun) {
  Repo r;
  BuildHand(r);
  fs::path db = r.dir().string() + "-desk.db";
  auto opened = OpenSqliteStore(db);
  ASSERT_TRUE(opened.has_value()) << opened.error().message;
  Harness h(r.dir());
  h.store = std::move(*opened);
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw,
                           "CREATE TRIGGER refuse_chunks BEFORE INSERT ON state WHEN NEW.key LIKE '%chunk%' "
                           "BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(raw);
  }
  auto refused = h.Analyse();
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message.find("disk full"), std::string::npos) << refused.error().message;
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, "DROP TRIGGER refuse_chunks;", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(raw);
  }
  auto again = h.Analyse();
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(again->commits_read, 6);
  EXPECT_NEAR(FileOf(*again, "a.c")->developers[0].doa, 3.946000, 1e-5);
  h.store.reset();
  fs::remove(db);
}

// Ann alone until the summer, then Bob, Cat and Dan take a folder each.
void BuildGrowing(Repo& r) {
  for (int i = 0; i < 8; ++i) r.Write(fmt::format("core/f{}.c", i), "x\n");
  r.Commit(ANN, "2025-06-10");
  const char* people[][2] = {{BOB}, {CAT}, {DAN}};
  int month = 8;
  for (auto& p : people) {
    for (int i = 0; i < 8; ++i) r.Write(fmt::format("{}/f{}.c", p[0], i), "y\n");
    r.Commit(p[0], p[1], fmt::format("2025-{:02}-15", month++));
  }
  r.Write("Bob/f0.c", "z\n");
  r.Commit(BOB, "2026-02-20");
}

TEST(KnowledgeRepoTest, TrendAtMonthEnds) {
  Repo r;
  BuildGrowing(r);
  Harness h(r.dir(), "2026-03-01T08:00:00Z");
  auto k = h.Analyse();
  ASSERT_TRUE(k.has_value()) << k.error().message;
  ASSERT_EQ(k->trend.size(), 12u);
  EXPECT_EQ(FormatTime(FromUnix(k->trend.front().month_end)), "2025-03-31T23:59:59Z");
  EXPECT_EQ(FormatTime(FromUnix(k->trend.back().month_end)), "2026-02-28T23:59:59Z");
  std::vector<std::string> values;
  for (const TrendPoint& p : k->trend) values.push_back(p.value ? std::to_string(*p.value) : "-");
  // Mar-May: no commits; Jun, Jul: Ann alone; Aug: Ann+Bob (8 each: 1 removal
  // leaves 50%, 2 leave 0); Sep: 3 people; Oct on: 4 people.
  EXPECT_EQ(values,
            (std::vector<std::string>{"-", "-", "-", "1", "1", "2", "2", "3", "3", "3", "3", "3"}));
  EXPECT_EQ(k->repo.tf.value, 3);
  // Month-end results are kept: a second run computes none.
  auto again = h.Analyse();
  ASSERT_TRUE(again.has_value());
  for (size_t i = 0; i < 12; ++i) EXPECT_EQ(again->trend[i].value, k->trend[i].value);
}

TEST(KnowledgeRepoTest, Findings) {
  Repo r;
  BuildGrowing(r);
  // A component only Ann (last seen in June 2025) knows; Bob's is TF 1 and
  // changed 9 days ago.
  Harness h(r.dir(), "2026-03-01T08:00:00Z");
  h.settings.repos[0].components = {
      {"core", {"core/**"}}, {"bob", {"Bob/**"}}, {"empty", {"none/**"}}};
  h.settings.warn_truck_factor = 3;
  std::vector<Finding> findings = h.Findings();
  std::map<std::string, Finding> by;
  for (const Finding& f : findings) by[f.subject + " " + f.kind] = f;
  ASSERT_EQ(findings.size(), 4u);
  ASSERT_TRUE(by.count("repo/core only-author-inactive"));
  const Finding& core = by["repo/core only-author-inactive"];
  EXPECT_EQ(core.severity, Severity::kActNow);
  EXPECT_EQ(core.title,
            "component repo/core is known only by Ann, who last committed 263 days ago");
  ASSERT_TRUE(by.count("repo/bob truck-factor-1"));
  EXPECT_EQ(by["repo/bob truck-factor-1"].severity, Severity::kThisWeek);
  EXPECT_EQ(by["repo/bob truck-factor-1"].title,
            "component repo/bob has truck factor 1 (Bob) and changed 8 days ago");
  ASSERT_TRUE(by.count("repo low-truck-factor"));
  EXPECT_EQ(by["repo low-truck-factor"].title, "repo has truck factor 3 (Ann, Bob, Cat)");
  ASSERT_TRUE(by.count("repo truck-factor-rising"));
  EXPECT_EQ(by["repo truck-factor-rising"].severity, Severity::kFyi);
  EXPECT_EQ(by["repo truck-factor-rising"].title,
            "repo's truck factor rose from 1 to 3 over 12 months");
  // Pairing for Bob's component: nobody else active touched it.
  EXPECT_NE(by["repo/bob truck-factor-1"].action.find("Nobody active has worked on it yet"),
            std::string::npos);
}

TEST(KnowledgeRepoTest, UnreadableRepositoryIsAFindingNotAFailure) {
  Repo empty;
  Harness h(empty.dir());
  std::vector<Finding> findings = h.Findings();
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].kind, "unreadable");
  EXPECT_EQ(findings[0].severity, Severity::kToday);
  EXPECT_EQ(findings[0].title, "Cannot tell who knows repo: its history cannot be read");
  EXPECT_NE(findings[0].detail.find("has no commits yet"), std::string::npos) << findings[0].detail;
}

TEST(KnowledgeRepoTest, PairingAndWhatIf) {
  Repo r;
  for (int i = 0; i < 4; ++i) r.Write(fmt::format("pay/f{}.c", i), "x\n");
  r.Commit(ANN, "2026-01-01");
  for (int i = 0; i < 4; ++i) r.Write(fmt::format("pay/f{}.c", i), "x2\n");
  r.Commit(ANN, "2026-01-02");
  for (int i = 0; i < 4; ++i) r.Write(fmt::format("pay/f{}.c", i), "x3\n");
  r.Commit(ANN, "2026-01-03");
  r.Write("pay/f0.c", "bob\n");
  r.Commit(BOB, "2026-02-01");
  r.Write("pay/f1.c", "cat\n");
  r.Commit(CAT, "2026-02-02");
  r.Write("pay/f2.c", "cat\n");
  r.Commit(CAT, "2026-02-03");
  Harness h(r.dir(), "2026-03-01T08:00:00Z");
  h.settings.repos[0].components = {{"payments", {"pay/**"}}};
  auto k = h.Analyse();
  ASSERT_TRUE(k.has_value()) << k.error().message;
  ASSERT_EQ(k->components.size(), 1u);
  const Group& pay = k->components[0];
  EXPECT_EQ(pay.tf.value, 1);
  ASSERT_TRUE(pay.pairing.has_value());
  EXPECT_EQ(pay.pairing->expert, "ann@example.com");
  EXPECT_TRUE(pay.pairing->expert_active);
  EXPECT_EQ(pay.pairing->learner, "cat@example.com") << "two files' worth of DOA beats Bob's one";

  auto leavers = FindPeople(*k, {"ann@example.com"});
  ASSERT_TRUE(leavers.has_value());
  WhatIf w = ComputeWhatIf(*k, *leavers);
  EXPECT_EQ(w.orphaned_files.size(), 4u);
  ASSERT_GE(w.groups.size(), 2u);
  EXPECT_EQ(w.groups[1].name, "payments");
  EXPECT_TRUE(w.groups[1].lost);
}

TEST(KnowledgeSettingsTest, ReadsAndRejects) {
  auto reader = ConfigReader::FromString(R"toml(
[knowledge]
inactive_days = 60
[[knowledge.repos]]
name = "payments"
path = "repos/payments"
exclude = ["docs/**"]
[[knowledge.repos.components]]
name = "billing"
paths = ["src/billing/**"]
[[knowledge.repos.components]]
name = "billing"
paths = "x/**"
[[knowledge.repos]]
path = "repos/x"
[[knowledge.repos]]
name = "y"
path = "y"
[[knowledge.repos.components]]
name = "nothing"
)toml",
                                         "ctodesk.toml", "/base");
  ASSERT_TRUE(reader.has_value());
  auto section = (*reader)->Root().Table("knowledge");
  ASSERT_TRUE(section.has_value());
  Settings s = ReadSettings(*section);
  EXPECT_EQ(s.inactive_days, 60);
  ASSERT_EQ(s.repos.size(), 2u);
  EXPECT_EQ(s.repos[0].path, fs::path("/base/repos/payments"));
  EXPECT_EQ(s.repos[0].components.size(), 2u);
  EXPECT_EQ(
      (*reader)->IssuesText(),
      "ctodesk.toml:12:8: knowledge.repos[0].components[1].name: another component is already "
      "named \"billing\"\n"
      "ctodesk.toml:14:1: knowledge.repos[1]: missing required key \"name\"\n"
      "ctodesk.toml:19:1: knowledge.repos[2].components[0].paths: missing required key \"paths\": "
      "the globs of the component's files, such as \"src/billing/**\"");
}

}  // namespace
}  // namespace ctodesk::knowledge
