#pragma once
// Internal: the cursors of paged listings. A cursor is the listing's letter, '.', then the
// position it names (the key suffix of the last item read) in unpadded base64url: URL-safe as
// the port asks, and a cursor of one listing is not taken for another's.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ttareungyi/ports/storage.hpp"

namespace ttareungyi::storage::paging {

inline constexpr char bicycles = 'b';       // position: the bicycle id
inline constexpr char stations = 's';       // position: the station id
inline constexpr char tickets = 't';        // position: be64(purchased ms) ticket id, as in "o:" keys
inline constexpr char notifications = 'n';  // position: be64(sequence) notification id, as in "c:" keys

inline constexpr std::size_t max_cursor = 200;

// The cursor of `position` in listing `kind`; fails (not as an invalid cursor) if it would be
// longer than max_cursor.
ports::stored<std::string> make(char kind, std::string_view position);
// The position a cursor of listing `kind` names; an invalid_cursor error for any other text, and
// for a position shorter than `min_size`.
ports::stored<std::string> read(char kind, std::string_view cursor, std::size_t min_size = 0);

// The number of items a page holds: at least 1, and one more still fits in a size_t.
inline std::size_t limit_of(const ports::page_request& request) {
  return std::clamp<std::size_t>(request.limit, 1, SIZE_MAX - 1);
}

}  // namespace ttareungyi::storage::paging
