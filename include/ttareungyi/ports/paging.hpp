#pragma once
// Pages of a listing, for every list: the stores page their records, the use cases answer
// pages (app/services.hpp), the HTTP adapter reads ?limit=&cursor= into a page request.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace ttareungyi::ports {

// A page of a listing: at most `limit` items after the place `cursor` names (none: from the start).
// Cursors are opaque: made and read by the store that listed, only [A-Za-z0-9_.~-], at most 200
// characters, so they go into a URL as they are. A limit of 0 counts as 1.
struct page_request {
  std::optional<std::string> cursor = std::nullopt;
  std::size_t limit = 100;
};
template <class T>
struct page {
  std::vector<T> items{};
  std::optional<std::string> next = std::nullopt;  // the cursor of the next page; none on the last page
};

}  // namespace ttareungyi::ports
