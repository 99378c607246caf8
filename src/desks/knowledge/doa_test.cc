// The pure model: DOA values worked out by hand, the author rules, renames,
// the greedy truck factor and its tie-breaks, identity merging, and the file
// rules (globs, .gitattributes, vendored folders).
#include "desks/knowledge/doa.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <cmath>

#include "desks/knowledge/files.h"

namespace ctodesk::knowledge {
namespace {

const Developer* Dev(const FileKnowledge& f, const std::string& person) {
  for (const Developer& d : f.developers) {
    if (d.person == person) return &d;
  }
  return nullptr;
}

Commit C(std::string person, std::int64_t t, std::vector<Change> changes) {
  return {std::move(person), t, std::move(changes)};
}
Change A(std::string p) { return {'A', "", std::move(p)}; }
Change M(std::string p) { return {'M', "", std::move(p)}; }
Change D(std::string p) { return {'D', "", std::move(p)}; }
Change R(std::string from, std::string to) { return {'R', std::move(from), std::move(to)}; }

TEST(DoaTest, FormulaByHand) {
  // 3.293 + 1.098 - 0.321 * ln 4 = 4.391 - 0.44500 = 3.94600
  EXPECT_NEAR(Doa(1, 0, 3), 3.946000, 1e-5);
  // 3.293 + 2 * 0.164 - 0.321 * ln 2 = 3.621 - 0.22250 = 3.39850
  EXPECT_NEAR(Doa(0, 2, 1), 3.398501, 1e-5);
  // 3.293 + 0.164 - 0.321 * ln 3 = 3.457 - 0.35265 = 3.10435
  EXPECT_NEAR(Doa(0, 1, 2), 3.104346, 1e-5);
  EXPECT_DOUBLE_EQ(Doa(0, 0, 0), 3.293);
}

// The small history of the knowledge_test repository "hand", as the model sees it.
std::vector<Commit> HandHistory() {
  return {
      C("ann", 1, {A("a.c"), A("b.c")}),
      C("bob", 2, {M("a.c")}),
      C("bob", 3, {M("a.c")}),
      C("cat", 4, {M("a.c")}),
      C("ann", 5, {R("b.c", "src/b.c")}),
      C("bob", 6, {M("src/b.c")}),
  };
}

TEST(DoaTest, SmallHistoryByHand) {
  std::vector<std::string> files = {"a.c", "src/b.c"};
  auto k = ComputeAuthorship(HandHistory(), files);
  ASSERT_EQ(k.size(), 2u);
  // a.c: ann FA=1 DL=0 AC=3; bob DL=2 AC=1; cat DL=1 AC=2.
  const Developer* ann = Dev(k[0], "ann");
  const Developer* bob = Dev(k[0], "bob");
  const Developer* cat = Dev(k[0], "cat");
  ASSERT_TRUE(ann && bob && cat);
  EXPECT_EQ(std::tie(ann->fa, ann->dl, ann->ac), std::make_tuple(1, 0, 3));
  EXPECT_EQ(std::tie(bob->fa, bob->dl, bob->ac), std::make_tuple(0, 2, 1));
  EXPECT_EQ(std::tie(cat->fa, cat->dl, cat->ac), std::make_tuple(0, 1, 2));
  EXPECT_NEAR(ann->normalized, 1.0, 1e-9);
  EXPECT_NEAR(bob->normalized, 3.398501 / 3.946000, 1e-5);  // 0.8613: an author
  EXPECT_NEAR(cat->normalized, 3.104346 / 3.946000, 1e-5);  // 0.7867, but DOA < 3.293 and not FA
  EXPECT_TRUE(ann->author);
  EXPECT_TRUE(bob->author);
  EXPECT_FALSE(cat->author) << "normalized above 0.75 is not enough without DOA >= 3.293 or FA";
  EXPECT_EQ(k[0].Authors(), (std::vector<std::string>{"ann", "bob"}));
  EXPECT_EQ(k[0].last_change, 4);

  // src/b.c carries b.c's history: ann FA=1 DL=1 (the rename) AC=1; bob DL=1 AC=1.
  const Developer* ann_b = Dev(k[1], "ann");
  const Developer* bob_b = Dev(k[1], "bob");
  ASSERT_TRUE(ann_b && bob_b);
  EXPECT_EQ(std::tie(ann_b->fa, ann_b->dl, ann_b->ac), std::make_tuple(1, 1, 1));
  EXPECT_NEAR(ann_b->doa, 4.332501, 1e-5);  // 3.293 + 1.098 + 0.164 - 0.22250
  EXPECT_NEAR(bob_b->doa, 3.234501, 1e-5);  // 3.293 + 0.164 - 0.22250
  EXPECT_FALSE(bob_b->author) << "0.7466 is below 0.75";
  EXPECT_EQ(k[1].Authors(), std::vector<std::string>{"ann"});
}

TEST(DoaTest, DeletionsCopiesAndUnknownFilesAreIgnored) {
  std::vector<Commit> commits = {
      C("ann", 1, {A("x")}),
      C("bob", 2, {D("x"), {'C', "x", "y"}, {'T', "", "x"}}),
  };
  std::vector<std::string> files = {"x", "never-touched"};
  auto k = ComputeAuthorship(commits, files);
  ASSERT_EQ(k[0].developers.size(), 1u) << "bob's D, C and T do not count";
  EXPECT_EQ(k[0].Authors(), std::vector<std::string>{"ann"});
  EXPECT_TRUE(k[1].developers.empty());
}

TEST(DoaTest, APathRenamedAwayKeepsItsPast) {
  // "move a to b and add a new a", as the published tool counts it: b's
  // history is its rename plus everything at a; the new a's is everything
  // ever at a (a path's past stays with the path).
  std::vector<Commit> commits = {
      C("ann", 1, {A("a")}),
      C("bob", 2, {A("a"), R("a", "b")}),
  };
  std::vector<std::string> files = {"a", "b"};
  auto k = ComputeAuthorship(commits, files);
  ASSERT_EQ(k[0].developers.size(), 2u);
  EXPECT_EQ(Dev(k[0], "ann")->fa, 1);
  EXPECT_EQ(Dev(k[0], "bob")->fa, 1);
  EXPECT_EQ(Dev(k[0], "bob")->dl, 0);
  ASSERT_NE(Dev(k[1], "ann"), nullptr);
  EXPECT_EQ(Dev(k[1], "ann")->fa, 1);
  EXPECT_EQ(Dev(k[1], "ann")->ac, 1);
  EXPECT_EQ(Dev(k[1], "bob")->fa, 1);
  EXPECT_EQ(Dev(k[1], "bob")->dl, 1);
}

TEST(DoaTest, TheOrderOfCommitsDoesNotMatter) {
  // Two branches: one renames a to b, the other changes a (and later a is
  // added again). Whichever comes first, b's history holds every change
  // ever made at a, as in the published tool.
  std::vector<Commit> commits = {
      C("ann", 1, {A("a"), A("x")}),
      C("bob", 2, {R("a", "b")}),
      C("cat", 3, {M("a"), M("x")}),
      C("dan", 4, {M("b")}),
      C("eve", 5, {A("a")}),
  };
  std::vector<std::string> files = {"a", "b", "x"};
  auto want = ComputeAuthorship(commits, files);
  ASSERT_NE(Dev(want[1], "cat"), nullptr) << "cat's change at a belongs to b's history";
  EXPECT_EQ(Dev(want[1], "cat")->dl, 1);
  ASSERT_NE(Dev(want[1], "eve"), nullptr);
  EXPECT_EQ(Dev(want[1], "eve")->fa, 1);
  EXPECT_EQ(want[1].developers.size(), 5u);
  std::vector<std::size_t> order = {0, 1, 2, 3, 4};
  while (std::next_permutation(order.begin(), order.end())) {
    std::vector<Commit> shuffled;
    for (std::size_t i : order) shuffled.push_back(commits[i]);
    auto got = ComputeAuthorship(shuffled, files);
    for (std::size_t f = 0; f < files.size(); ++f) {
      ASSERT_EQ(got[f].developers.size(), want[f].developers.size()) << files[f];
      for (std::size_t d = 0; d < got[f].developers.size(); ++d) {
        EXPECT_EQ(got[f].developers[d].person, want[f].developers[d].person);
        EXPECT_DOUBLE_EQ(got[f].developers[d].doa, want[f].developers[d].doa);
      }
    }
  }
}

TEST(DoaTest, RenameChainCarriesHistory) {
  std::vector<Commit> commits = {
      C("ann", 1, {A("a")}),
      C("ann", 2, {M("a")}),
      C("bob", 3, {R("a", "b")}),
      C("bob", 4, {R("b", "c")}),
  };
  std::vector<std::string> files = {"c"};
  auto k = ComputeAuthorship(commits, files);
  EXPECT_EQ(Dev(k[0], "ann")->fa, 1);
  EXPECT_EQ(Dev(k[0], "ann")->dl, 1);
  EXPECT_EQ(Dev(k[0], "bob")->dl, 2);
  EXPECT_EQ(Dev(k[0], "bob")->ac, 1);
}

std::vector<FileKnowledge> Owned(
    const std::vector<std::pair<std::string, std::vector<std::string>>>& spec) {
  std::vector<FileKnowledge> out;
  for (const auto& [path, authors] : spec) {
    FileKnowledge f;
    f.path = path;
    for (const std::string& a : authors) {
      Developer d;
      d.person = a;
      d.author = true;
      f.developers.push_back(d);
    }
    out.push_back(f);
  }
  return out;
}

struct TfCase {
  std::string name;
  std::vector<std::pair<std::string, std::vector<std::string>>> files;
  int want;
  std::vector<std::string> people;
};

TEST(TruckFactorTest, Cases) {
  const std::vector<TfCase> cases = {
      {"no files", {}, 0, {}},
      {"one person", {{"a", {"ann"}}, {"b", {"ann"}}, {"c", {"ann", "bob"}}}, 1, {"ann"}},
      {"three equal people: 2 of 3 removed leaves 1/3",
       {{"a", {"ann"}}, {"b", {"bob"}}, {"c", {"cat"}}},
       2,
       {"ann", "bob"}},
      {"four equal people: exactly 50% left is not fewer than 50%",
       {{"a", {"ann"}},
        {"b", {"ann"}},
        {"c", {"bob"}},
        {"d", {"bob"}},
        {"e", {"cat"}},
        {"f", {"cat"}},
        {"g", {"dan"}},
        {"h", {"dan"}}},
       3,
       {"ann", "bob", "cat"}},
      {"most files first, ties by key",
       {{"a", {"zed"}}, {"b", {"zed"}}, {"c", {"bob"}}, {"d", {"amy"}}},
       2,
       {"zed", "amy"}},
      {"files without authors count against coverage",
       {{"a", {"ann"}}, {"b", {}}, {"c", {}}, {"d", {}}},
       0,
       {}},
  };
  for (const TfCase& c : cases) {
    auto files = Owned(c.files);
    TruckFactor tf = ComputeTruckFactor(files);
    EXPECT_EQ(tf.value, c.want) << c.name;
    EXPECT_EQ(tf.people, c.people) << c.name;
  }
}

TEST(TruckFactorTest, Orphaned) {
  auto files = Owned({{"a", {"ann"}}, {"b", {"ann", "bob"}}, {"c", {"bob"}}, {"d", {}}});
  EXPECT_EQ(Orphaned(files, {"ann"}), std::vector<std::string>{"a"});
  EXPECT_EQ(Orphaned(files, {"ann", "bob"}), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(Orphaned(files, {"nobody"}).empty());
}

TEST(IdentityTest, MergesByUpperCasedEmailOrName) {
  std::vector<RawIdentity> raw = {
      {"Ann Smith", "ann@example.com", 5},
      {"ann smith", "ann@home.example", 2},  // same name, upper-cased
      {"A. Smith", "ANN@HOME.EXAMPLE", 1},   // same e-mail as the line above
      {"Bob", "bob@example.com", 3},
      {"", "", 1},
      {"Nobody", "", 1},
  };
  Identities ids = MergeIdentities(raw);
  ASSERT_EQ(ids.people.size(), 4u);
  const Person& ann = ids.people[1];  // keys: "", "ann@example.com", "bob@...", "nobody"
  EXPECT_EQ(ann.key, "ann@example.com");
  EXPECT_EQ(ann.name, "Ann Smith");
  EXPECT_EQ(ann.commits, 8);
  EXPECT_EQ(ann.aliases.size(), 3u);
  EXPECT_EQ(ids.key_of.at({"A. Smith", "ANN@HOME.EXAMPLE"}), "ann@example.com");
  EXPECT_EQ(ids.key_of.at({"Bob", "bob@example.com"}), "bob@example.com");
  EXPECT_EQ(ids.key_of.at({"Nobody", ""}), "nobody");
}

struct GlobCase {
  const char* pattern;
  const char* path;
  bool match;
};

TEST(FilesTest, Globs) {
  const GlobCase cases[] = {
      {"src/billing/**", "src/billing/a/b.c", true},
      {"src/billing/**", "src/billingx/a", false},
      {"*.c", "a.c", true},
      {"*.c", "src/a.c", false},
      {"**/*.c", "a.c", true},
      {"**/*.c", "x/y/a.c", true},
      {"src/*/main.go", "src/a/main.go", true},
      {"src/*/main.go", "src/a/b/main.go", false},
      {"a?c", "abc", true},
      {"a?c", "a/c", false},
  };
  for (const GlobCase& c : cases) {
    EXPECT_EQ(GlobMatch(c.pattern, c.path), c.match) << c.pattern << " vs " << c.path;
  }
}

TEST(FilesTest, SkipReasons) {
  FileRules rules;
  rules.exclude = {"docs/**"};
  rules.attributes = ParseGitAttributes(
      "# comment\n"
      "gen/** linguist-generated\n"
      "*.pb.go linguist-generated=true\n"
      "vendor/ours/** -linguist-vendored\n"
      "assets/** linguist-vendored\n"
      "text eol=lf\n");
  ASSERT_EQ(rules.attributes.size(), 4u);
  EXPECT_EQ(rules.attributes[0].line, 2);
  const std::pair<const char*, std::optional<std::string>> cases[] = {
      {"src/main.c", std::nullopt},
      {"vendor/lib/x.c", "vendored (vendor/)"},
      {"a/node_modules/x/index.js", "vendored (node_modules/)"},
      {"third_party/zlib/zlib.h", "vendored (third_party/)"},
      {"vendor/ours/x.c", std::nullopt},
      {"assets/logo.svg", "vendored (.gitattributes)"},
      {"gen/api.c", "generated (.gitattributes)"},
      {"api/v1/x.pb.go", "generated (.gitattributes)"},
      {"web/package-lock.json", "lockfile"},
      {"web/app.min.js", "minified"},
      {"docs/guide.md", "excluded by \"docs/**\""},
  };
  for (const auto& [path, want] : cases) EXPECT_EQ(SkipReason(rules, path), want) << path;
  rules.skip_vendored = false;
  EXPECT_EQ(SkipReason(rules, "vendor/lib/x.c"), std::nullopt);
  EXPECT_EQ(SkipReason(rules, "gen/api.c"), "generated (.gitattributes)")
      << "attributes still apply";
}

}  // namespace
}  // namespace ctodesk::knowledge
