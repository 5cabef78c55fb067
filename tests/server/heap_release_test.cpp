// When the server hands freed heap back: after the live entity actors fell by the threshold
// from their highest count since the last release, and not before.
#include <gtest/gtest.h>

#include "heap_release.hpp"

namespace ttareungyi {
namespace {

TEST(HeapRelease, DueOnceTheLiveActorsFellByTheThreshold) {
  heap_release release{1000};
  EXPECT_FALSE(release.due(0));
  EXPECT_FALSE(release.due(5000));   // a burst: actors live, nothing freed
  EXPECT_FALSE(release.due(4200));   // 800 stopped: not yet
  EXPECT_TRUE(release.due(3900));    // 1,100 below the peak
  EXPECT_FALSE(release.due(3900));   // released: counted from here
  EXPECT_FALSE(release.due(3000));
  EXPECT_TRUE(release.due(2800));
}

TEST(HeapRelease, ANewPeakIsTheReference) {
  heap_release release{1000};
  EXPECT_FALSE(release.due(2000));
  EXPECT_FALSE(release.due(9000));   // grew again
  EXPECT_FALSE(release.due(8500));
  EXPECT_TRUE(release.due(7900));
}

TEST(HeapRelease, SteadyOrGrowingCountsNeverTrim) {
  heap_release release{1};
  for (std::size_t live = 0; live < 100; ++live) EXPECT_FALSE(release.due(live));
  EXPECT_FALSE(release.due(99));
}

}  // namespace
}  // namespace ttareungyi
