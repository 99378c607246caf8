#include "core/cores.h"

#include <gtest/gtest.h>
#include <sched.h>

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

}  // namespace
}  // namespace ctodesk
