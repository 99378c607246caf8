#include "scan/matcher.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace ctodesk::scan {
namespace {

std::vector<Match> ScanAll(const Matcher& m, std::string_view data) {
  auto scratch = m.NewScratch();
  EXPECT_TRUE(scratch.has_value());
  std::vector<Match> out;
  auto r = m.Scan(data, **scratch, [&](const Match& x) {
    out.push_back(x);
    return true;
  });
  EXPECT_TRUE(r.has_value()) << r.error().message;
  return out;
}

TEST(MatcherTest, LiteralsAndRegexesReportIdAndSpan) {
  MatcherBuilder b;
  b.Add({1, Literal("ghp_")});
  b.Add({2, "SK[0-9a-f]{4}"});
  b.Add({3, Literal("password"), true});
  auto m = b.Compile();
  ASSERT_TRUE(m.has_value()) << m.error().message;
  EXPECT_EQ((*m)->pattern_count(), 3u);
  auto hits = ScanAll(**m, "x ghp_abc SKbeef PassWord");
  ASSERT_EQ(hits.size(), 3u);
  EXPECT_EQ(hits[0].id, 1u);
  EXPECT_EQ(hits[0].from, 2u);
  EXPECT_EQ(hits[0].to, 6u);
  EXPECT_EQ(hits[1].id, 2u);
  EXPECT_EQ(hits[1].from, 10u);
  EXPECT_EQ(hits[1].to, 16u);
  EXPECT_EQ(hits[2].id, 3u) << "caseless literal";
  EXPECT_EQ(hits[2].from, 17u);
}

TEST(MatcherTest, LiteralEscapesRegexMetacharacters) {
  MatcherBuilder b;
  b.Add({7, Literal("a.b(c)*")});
  auto m = b.Compile();
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(ScanAll(**m, "aXb(c)* a.b(c)*").size(), 1u);
}

TEST(MatcherTest, BadPatternFailsNamingIt) {
  MatcherBuilder b;
  b.Add({1, "abc("});
  auto m = b.Compile();
  ASSERT_FALSE(m.has_value());
  EXPECT_NE(m.error().message.find("abc("), std::string::npos) << m.error().message;
}

TEST(MatcherTest, EmptyBuilderFails) { EXPECT_FALSE(MatcherBuilder().Compile().has_value()); }

TEST(MatcherTest, StopsWhenCallbackSaysSo) {
  MatcherBuilder b;
  b.Add({1, Literal("a")});
  auto m = b.Compile();
  ASSERT_TRUE(m.has_value());
  auto scratch = (*m)->NewScratch();
  ASSERT_TRUE(scratch.has_value());
  int n = 0;
  ASSERT_TRUE((*m)->Scan("aaaa", **scratch, [&](const Match&) { return ++n < 2; }).has_value());
  EXPECT_EQ(n, 2);
}

TEST(MatcherTest, ScratchOfAnotherMatcherIsRefused) {
  MatcherBuilder b;
  b.Add({1, Literal("a")});
  auto m1 = b.Compile();
  auto m2 = b.Compile();
  ASSERT_TRUE(m1.has_value() && m2.has_value());
  auto s1 = (*m1)->NewScratch();
  ASSERT_TRUE(s1.has_value());
  EXPECT_FALSE((*m2)->Scan("a", **s1, [](const Match&) { return true; }).has_value());
}

TEST(MatcherTest, SharedAcrossThreadsWithOwnScratch) {
  MatcherBuilder b;
  b.Add({1, Literal("needle")});
  auto m = b.Compile();
  ASSERT_TRUE(m.has_value());
  std::string hay(1 << 20, 'x');
  hay.replace(1000, 6, "needle");
  hay.replace(900000, 6, "needle");
  std::vector<int> counts(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] { counts[t] = static_cast<int>(ScanAll(**m, hay).size()); });
  }
  for (auto& t : threads) t.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(counts[t], 2) << "thread " << t;
}

}  // namespace
}  // namespace ctodesk::scan
