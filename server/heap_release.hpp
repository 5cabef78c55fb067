#pragma once
// When to hand the heap back to the operating system. A malloc (jemalloc, glibc's) keeps what a
// process frees for reuse, so after a burst of purchases the ticket actors stop (passivation)
// but the process keeps their memory at its peak. The server checks every few seconds: once the live
// entity actors have fallen by `threshold` or more since the highest count seen after the
// last release, it is time (the caller releases the heap: heap.hpp). Pure: the counts are passed in, and it
// holds two numbers.
#include <algorithm>
#include <cstddef>

namespace ttareungyi {

class heap_release {
 public:
  explicit heap_release(std::size_t threshold) : threshold_(threshold) {}

  // `live`: the entity actors live now. True when the heap should be trimmed now.
  bool due(std::size_t live) {
    peak_ = std::max(peak_, live);
    if (peak_ - live < threshold_) return false;
    peak_ = live;
    return true;
  }

 private:
  std::size_t threshold_;
  std::size_t peak_ = 0;
};

}  // namespace ttareungyi
