#pragma once
// A whole listing, read page by page through the stores' paged reads: the tests' way to see
// every ticket of a customer or every bicycle, since production code lists only pages.
#include <cstddef>
#include <utility>
#include <vector>

#include "ttareungyi/ports/storage.hpp"

namespace ttareungyi::test {

// Calls `list(request)` for each page until the last; the first failure ends the walk.
template <class List>
auto every_page(List list, std::size_t limit = 100) -> ports::stored<decltype(list(ports::page_request{})->items)> {
  decltype(list(ports::page_request{})->items) all;
  ports::page_request request{std::nullopt, limit};
  for (;;) {
    auto page = list(request);
    if (!page) return std::unexpected(page.error());
    for (auto& item : page->items) all.push_back(std::move(item));
    if (!page->next) return all;
    request.cursor = std::move(page->next);
  }
}

inline ports::stored<std::vector<domain::ticket>> all_tickets_of(const ports::ticket_store& store,
                                                                 const domain::ids::customer_id& customer) {
  return every_page([&](const ports::page_request& r) { return store.tickets_of(customer, r); });
}

inline ports::stored<std::vector<domain::bicycle>> all_bicycles(const ports::rental_store& store) {
  return every_page([&](const ports::page_request& r) { return store.bicycles({}, r); });
}

}  // namespace ttareungyi::test
