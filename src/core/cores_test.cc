#include "core/cores.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <atomic>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace ctodesk {
namespace {

// A process pinned to fewer cores than the machine has sizes its thread
// pools to those cores, not to every online CPU.
TEST(CoresTest, UsableCoresFollowTheAffinity) {
  cpu_set_t before;
  ASSERT_EQ(sched_getaffinity(0, sizeof before, &before), 0);
  EXPECT_EQ(UsableCores(), static_cast<unsigned>(CPU_COUNT(&before)));
  int first = -1;
  for (int c = 0; c < CPU_SETSIZE && first < 0; ++c) {
    if (CPU_ISSET(c, &before)) first = c;
  }
  ASSERT_GE(first, 0);
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(first, &one);
  ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);
  const unsigned pinned = UsableCores();
  ASSERT_EQ(sched_setaffinity(0, sizeof before, &before), 0);
  EXPECT_EQ(pinned, 1u);
}

TEST(CoresTest, ForEachOnThreadsRunsEveryItemOnceOnAtMostThatManyThreads) {
  std::vector<std::atomic<int>> runs(1000);
  std::mutex mu;
  std::set<unsigned> workers;
  std::set<std::thread::id> ids;
  ForEachOnThreads(runs.size(), 3, [&](std::size_t i, unsigned worker) {
    ++runs[i];
    std::lock_guard lock(mu);
    workers.insert(worker);
    ids.insert(std::this_thread::get_id());
  });
  for (std::size_t i = 0; i < runs.size(); ++i) EXPECT_EQ(runs[i].load(), 1) << i;
  EXPECT_LE(*workers.rbegin(), 2u);
  EXPECT_LE(ids.size(), 3u);
  EXPECT_EQ(ids.count(std::this_thread::get_id()), workers.count(0)) << "worker 0 is the caller";

  int calls = 0;
  ForEachOnThreads(0, 4, [&](std::size_t, unsigned) { ++calls; });
  EXPECT_EQ(calls, 0);
}

TEST(CoresTest, ForEachOnThreadsRethrowsTheFirstFailureAndStops) {
  std::atomic<int> started{0};
  try {
    ForEachOnThreads(100000, 2, [&](std::size_t i, unsigned) {
      ++started;
      if (i == 10) throw std::runtime_error("item 10 failed");
    });
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "item 10 failed");
  }
  EXPECT_LT(started.load(), 100000) << "items after the failure are skipped";
}

}  // namespace
}  // namespace ctodesk
