#include "desks/keys/detector.h"

#include <random>

#include <gtest/gtest.h>

namespace ctodesk::keys {
namespace {

constexpr std::int64_t kT0 = 1'796'200'000'000;  // 2026-12-02T... in ms, on an hour boundary below
constexpr std::int64_t kHour = 3'600'000;
std::int64_t HourStart() { return kT0 - kT0 % kHour; }

std::vector<ObjectPattern> Patterns() {
  return {*ParseObjectPattern("/customers/{id}"), *ParseObjectPattern("/orders/{id}/items")};
}

PlanRules Standard() {
  PlanRules r;
  r.name = "standard";
  r.rate_per_minute = 600;
  r.distinct_objects_per_hour = 500;
  r.sequential_walk = 25;
  r.volume_factor = 5;
  r.volume_min_requests = 1000;
  r.baseline_hours = 3;
  return r;
}

TEST(ObjectPatternTest, ParsesAndMatches) {
  EXPECT_FALSE(ParseObjectPattern("customers/{id}")) << "must start with /";
  EXPECT_FALSE(ParseObjectPattern("/customers")) << "needs {id}";
  EXPECT_FALSE(ParseObjectPattern("/a/{id}/{id}")) << "one {id}";
  auto p = Patterns();
  auto m = MatchObject(p, "/customers/42?fields=name");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->pattern, 0u);
  EXPECT_EQ(m->id, "42");
  m = MatchObject(p, "/orders/A-7/items");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->pattern, 1u);
  EXPECT_EQ(m->id, "A-7");
  EXPECT_FALSE(MatchObject(p, "/customers"));
  EXPECT_FALSE(MatchObject(p, "/customers/42/notes"));
  EXPECT_FALSE(MatchObject(p, "/orders/7"));
}

// Ordinary traffic: 30 keys, 8 hours, each a few hundred requests an hour at
// random instants, to random customers and orders, with the odd burst.
TEST(DetectorTest, OrdinaryTrafficTripsNothing) {
  std::mt19937_64 rng(42);
  Detector d(Patterns());
  PlanRules rules = Standard();
  struct Req {
    std::int64_t at;
    int key;
    std::string path;
  };
  std::vector<Req> reqs;
  for (int key = 0; key < 30; ++key) {
    std::uniform_int_distribution<int> per_hour(100, 400);
    for (int h = 0; h < 8; ++h) {
      int n = per_hour(rng);
      for (int i = 0; i < n; ++i) {
        std::int64_t at = HourStart() + h * kHour + static_cast<std::int64_t>(rng() % kHour);
        std::string path;
        switch (rng() % 4) {
          case 0: path = "/customers/" + std::to_string(rng() % 100000); break;
          case 1: path = "/orders/" + std::to_string(rng() % 100000) + "/items"; break;
          case 2: path = "/search?q=" + std::to_string(rng() % 100); break;
          default: path = "/customers/" + std::to_string(1000 + rng() % 50); break;  // favourites
        }
        reqs.push_back({at, key, path});
      }
      // A burst: 40 requests within two seconds, paging through a few records.
      std::int64_t burst = HourStart() + h * kHour + static_cast<std::int64_t>(rng() % (kHour - 2000));
      for (int i = 0; i < 40; ++i) {
        reqs.push_back({burst + i * 50, key, "/customers/" + std::to_string(5000 + i % 4)});
      }
    }
  }
  std::stable_sort(reqs.begin(), reqs.end(), [](const Req& a, const Req& b) { return a.at < b.at; });
  int throttled = 0, tripped = 0;
  for (const Req& r : reqs) {
    Decision dec = d.Observe("key_" + std::to_string(r.key), rules, r.path, r.at);
    if (dec.verdict == Verdict::kThrottle) ++throttled;
    if (dec.verdict == Verdict::kTrip) {
      ++tripped;
      ADD_FAILURE() << "tripped " << dec.rule << ": " << dec.reason;
      break;
    }
  }
  EXPECT_EQ(throttled, 0);
  EXPECT_EQ(tripped, 0);
  EXPECT_GT(reqs.size(), 50000u);
}

TEST(DetectorTest, RateLimitThrottlesWithRetryAfter) {
  Detector d(Patterns());
  PlanRules rules = Standard();
  int allowed = 0;
  Decision last;
  for (int i = 0; i < 700; ++i) {
    last = d.Observe("k", rules, "/search", HourStart() + i * 40);  // 25 per second
    if (last.verdict == Verdict::kAllow) ++allowed;
    else break;
  }
  EXPECT_EQ(allowed, 600);
  ASSERT_EQ(last.verdict, Verdict::kThrottle);
  EXPECT_EQ(last.rule, "rate");
  EXPECT_GE(last.retry_after_s, 1);
  EXPECT_LE(last.retry_after_s, 60);
  // A minute later the window has moved on.
  EXPECT_EQ(d.Observe("k", rules, "/search", HourStart() + 61'000 + 24'000).verdict, Verdict::kAllow);
  // Another key is not affected.
  EXPECT_EQ(d.Observe("other", rules, "/search", HourStart() + 24'000).verdict, Verdict::kAllow);
}

TEST(DetectorTest, DistinctObjectsTrips) {
  Detector d(Patterns());
  PlanRules rules = Standard();
  rules.sequential_walk = 0;
  std::mt19937 rng(7);
  Decision dec;
  int n = 0;
  for (; n < 2000; ++n) {
    // 10 requests per minute is well under the rate limit.
    dec = d.Observe("k", rules, "/customers/" + std::to_string(rng()), HourStart() + n * 6000);
    if (dec.verdict != Verdict::kAllow) break;
  }
  ASSERT_EQ(dec.verdict, Verdict::kTrip);
  EXPECT_EQ(dec.rule, "distinct-objects");
  EXPECT_EQ(n, 500) << "on the 501st distinct customer";
  // Re-fetching the same few customers never trips it.
  Detector quiet(Patterns());
  for (int i = 0; i < 2000; ++i) {
    EXPECT_EQ(quiet.Observe("k", rules, "/customers/" + std::to_string(i % 20), HourStart() + i * 1500).verdict,
              Verdict::kAllow);
  }
}

TEST(DetectorTest, SequentialWalkTrips) {
  Detector d(Patterns());
  PlanRules rules = Standard();
  Decision dec;
  int n = 0;
  for (; n < 100; ++n) {
    dec = d.Observe("k", rules, "/customers/" + std::to_string(1000 + n), HourStart() + n * 2000);
    if (dec.verdict != Verdict::kAllow) break;
  }
  ASSERT_EQ(dec.verdict, Verdict::kTrip);
  EXPECT_EQ(dec.rule, "sequential-walk");
  EXPECT_EQ(n, 24) << "on the 25th consecutive id";
  EXPECT_NE(dec.reason.find("1000..1024"), std::string::npos) << dec.reason;
  // Interleaved other requests and repeats do not break a walk.
  Detector d2(Patterns());
  int i = 0;
  for (; i < 100; ++i) {
    d2.Observe("k", rules, "/search", HourStart() + i * 3000);
    dec = d2.Observe("k", rules, "/customers/" + std::to_string(50 + i), HourStart() + i * 3000 + 1);
    if (dec.verdict != Verdict::kAllow) break;
  }
  EXPECT_EQ(dec.rule, "sequential-walk");
  // Jumping around never walks.
  Detector d3(Patterns());
  for (int j = 0; j < 1000; ++j) {
    int id = (j * 7919) % 10007;
    ASSERT_EQ(d3.Observe("k", {.sequential_walk = 25}, "/customers/" + std::to_string(id),
                         HourStart() + j * 1000).verdict,
              Verdict::kAllow);
  }
}

TEST(DetectorTest, VolumeAgainstItsOwnBaselineTrips) {
  Detector d(Patterns());
  PlanRules rules = Standard();
  rules.distinct_objects_per_hour = 0;
  rules.sequential_walk = 0;
  // Three ordinary hours of 300 requests.
  for (int h = 0; h < 3; ++h) {
    for (int i = 0; i < 300; ++i) {
      ASSERT_EQ(d.Observe("k", rules, "/search", HourStart() + h * kHour + i * 10'000).verdict,
                Verdict::kAllow);
    }
  }
  // Then 2,000 in an hour: trips past 5 x 300 = 1,500.
  Decision dec;
  int n = 0;
  for (; n < 2000; ++n) {
    dec = d.Observe("k", rules, "/search", HourStart() + 3 * kHour + n * 1700);
    if (dec.verdict != Verdict::kAllow) break;
  }
  ASSERT_EQ(dec.verdict, Verdict::kTrip);
  EXPECT_EQ(dec.rule, "volume");
  EXPECT_EQ(n, 1500);
  // Without enough history the rule does not judge.
  Detector fresh(Patterns());
  for (int i = 0; i < 2000; ++i) {
    ASSERT_EQ(fresh.Observe("k", rules, "/search", HourStart() + i * 1700).verdict, Verdict::kAllow);
  }
}

}  // namespace
}  // namespace ctodesk::keys
