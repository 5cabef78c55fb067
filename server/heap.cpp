#include "heap.hpp"

#if TTAREUNGYI_JEMALLOC
#include <jemalloc/jemalloc.h>
#else
#include <malloc.h>
#endif

namespace ttareungyi {

#if TTAREUNGYI_JEMALLOC
std::string_view heap_allocator() { return "jemalloc"; }
void release_free_heap() {
  // MALLCTL_ARENAS_ALL: every arena's dirty pages at once.
  constexpr const char* purge_all = "arena.4096.purge";
  static_assert(MALLCTL_ARENAS_ALL == 4096);
  mallctl(purge_all, nullptr, nullptr, nullptr, 0);
}
#else
std::string_view heap_allocator() { return "glibc"; }
void release_free_heap() { malloc_trim(0); }
#endif

}  // namespace ttareungyi
