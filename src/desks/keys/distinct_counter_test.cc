#include "desks/keys/distinct_counter.h"

#include <cmath>
#include <algorithm>
#include <cstdlib>
#include <random>
#include <string>

#include <gtest/gtest.h>

namespace ctodesk::keys {
namespace {

TEST(DistinctCounterTest, CountsExactlyUpToTheCap) {
  DistinctCounter c;
  for (int round = 0; round < 3; ++round) {  // repeats change nothing
    for (int i = 0; i < 5000; ++i) c.Insert(DistinctCounter::Fingerprint(0, std::to_string(i)));
  }
  EXPECT_TRUE(c.exact());
  EXPECT_EQ(c.count(), 5000);
  // The same id under another pattern is another object.
  c.Insert(DistinctCounter::Fingerprint(1, "42"));
  EXPECT_EQ(c.count(), 5001);
  c.Insert(0);  // a zero fingerprint is a value like any other
  c.Insert(0);
  EXPECT_EQ(c.count(), 5002);
  c.Clear();
  EXPECT_EQ(c.count(), 0);
  c.Insert(DistinctCounter::Fingerprint(0, "1"));
  EXPECT_EQ(c.count(), 1);
}

TEST(DistinctCounterTest, StaysExactAtTheCapThenEstimatesWithinOnePercent) {
  DistinctCounter c;
  const auto cap = static_cast<std::int64_t>(DistinctCounter::kExactCap);
  std::int64_t i = 0;
  for (; i < cap; ++i) c.Insert(DistinctCounter::Fingerprint(0, std::to_string(i)));
  EXPECT_TRUE(c.exact());
  EXPECT_EQ(c.count(), cap);
  for (std::int64_t n : {cap * 2, std::int64_t{500'000}, std::int64_t{2'000'000}}) {
    for (; i < n; ++i) c.Insert(DistinctCounter::Fingerprint(0, std::to_string(i)));
    EXPECT_FALSE(c.exact());
    const double error = std::abs(static_cast<double>(c.count() - n)) / static_cast<double>(n);
    EXPECT_LT(error, 0.025) << n << " distinct, estimated " << c.count();
    // Repeats do not move the estimate.
    const std::int64_t before = c.count();
    for (std::int64_t j = 0; j < 1000; ++j) c.Insert(DistinctCounter::Fingerprint(0, std::to_string(j)));
    EXPECT_EQ(c.count(), before);
  }
  c.Clear();
  EXPECT_TRUE(c.exact());
  EXPECT_EQ(c.count(), 0);
}

TEST(DistinctCounterTest, RandomIdsMatchAnExactCount) {
  std::mt19937_64 rng(7);
  DistinctCounter c;
  std::vector<std::uint64_t> seen;
  for (int i = 0; i < 20000; ++i) {
    std::string id = std::to_string(rng() % 15000);
    c.Insert(DistinctCounter::Fingerprint(2, id));
    seen.push_back(DistinctCounter::Fingerprint(2, id));
  }
  std::sort(seen.begin(), seen.end());
  seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
  EXPECT_EQ(c.count(), static_cast<std::int64_t>(seen.size()));
}

}  // namespace
}  // namespace ctodesk::keys
