#pragma once
// The server's heap: which malloc it runs on, and handing what it freed back to the operating
// system. The build links jemalloc (TTAREUNGYI_ALLOCATOR, the top CMakeLists.txt) unless told
// otherwise or built with sanitizers; glibc's malloc is the fallback.
#include <string_view>

namespace ttareungyi {

// "jemalloc" or "glibc".
std::string_view heap_allocator();

// Returns the free pages the allocator keeps to the operating system (glibc: malloc_trim;
// jemalloc: purges every arena). It walks the free memory, so the main thread calls it only when
// heap_release says so.
void release_free_heap();

}  // namespace ttareungyi
