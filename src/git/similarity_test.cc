// The walk's hashsig signatures against libgit2's own (git_hashsig_create /
// git_hashsig_compare with the options git_diff_find_similar uses by
// default): the same score for every pair of a few thousand generated
// buffers — whitespace runs, CR, NUL, lines over 80 bytes, empty and tiny
// files, and edited copies so the scores span 0 to 100.
#include "git/similarity.h"

#include <git2.h>
#include <git2/sys/hashsig.h>
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

namespace ctodesk::git::internal {
namespace {

git_hashsig* Libgit2Signature(const std::string& text) {
  auto opts = static_cast<git_hashsig_option_t>(GIT_HASHSIG_SMART_WHITESPACE |
                                                GIT_HASHSIG_ALLOW_SMALL_FILES);
  git_hashsig* sig = nullptr;
  EXPECT_EQ(git_hashsig_create(&sig, text.data(), text.size(), opts), 0);
  return sig;
}

std::string RandomText(std::mt19937& rng, int lines) {
  static const char kChars[] = "abcdefghij     \t\t\r\n\n\v\f{}();=+0123";
  std::uniform_int_distribution<int> len(0, 120), pick(0, sizeof kChars - 1);
  std::string s;
  for (int i = 0; i < lines; ++i) {
    int n = len(rng);
    for (int k = 0; k < n; ++k) s += kChars[pick(rng)];  // includes the final NUL
    s += '\n';
  }
  return s;
}

// `base` with about `percent` of its lines replaced.
std::string Edited(std::mt19937& rng, const std::string& base, int percent) {
  std::uniform_int_distribution<int> roll(0, 99);
  std::string out, line;
  for (char c : base) {
    line += c;
    if (c != '\n') continue;
    out += roll(rng) < percent ? RandomText(rng, 1) : line;
    line.clear();
  }
  return out + line;
}

TEST(SimilarityTest, ScoresAreLibgit2s) {
  git_libgit2_init();
  std::mt19937 rng(42);
  std::vector<std::string> texts = {"", "\n", "\n\n\n", "   \n\t\n", "a", "a\nb\n", "a\r\nb\r\n",
                                    std::string(300, 'x'), std::string("a\0b\0c\0d", 7)};
  for (int lines : {1, 3, 5, 40, 126, 127, 128, 300, 2000}) {
    std::string base = RandomText(rng, lines);
    texts.push_back(base);
    for (int percent : {0, 10, 30, 50, 70, 100}) texts.push_back(Edited(rng, base, percent));
  }
  std::vector<git_hashsig*> theirs;
  std::vector<LineSignaturePtr> ours;
  for (const std::string& t : texts) {
    theirs.push_back(Libgit2Signature(t));
    ours.push_back(MakeLineSignature(t.data(), t.size()));
  }
  std::set<int> seen;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    for (std::size_t j = 0; j < texts.size(); ++j) {
      int want = git_hashsig_compare(theirs[i], theirs[j]);
      ASSERT_EQ(CompareLineSignatures(*ours[i], *ours[j]), want)
          << "texts " << i << " and " << j << ", sizes " << texts[i].size() << " and "
          << texts[j].size();
      seen.insert(want / 10);
    }
  }
  const std::string& a = texts.back();
  const std::string& b = texts[texts.size() - 3];
  EXPECT_EQ(SimilarityMetric::Score(a.data(), a.size(), b.data(), b.size()),
            git_hashsig_compare(theirs.back(), theirs[texts.size() - 3]));
  for (git_hashsig* sig : theirs) git_hashsig_free(sig);
  EXPECT_GE(seen.size(), 8u) << "the scores should spread over the range";
  git_libgit2_shutdown();
}

}  // namespace
}  // namespace ctodesk::git::internal
