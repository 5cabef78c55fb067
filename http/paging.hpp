#pragma once
// The paging parameters of list endpoints: ?limit=&cursor= (not yet offered by any endpoint).
// Framework-free, like the other query parsers (parse_bicycle_query, parse_notification_limit).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "problem.hpp"

namespace ttareungyi::http {

struct page_request {
  std::size_t limit;
  std::optional<std::string> cursor;  // where the previous page ended; absent: from the start
};

inline constexpr std::size_t default_page_limit = 100;
inline constexpr std::size_t max_page_limit = 1000;
inline constexpr std::size_t max_cursor_length = 200;

// limit: a decimal integer from 1 to 1000, 100 when absent. cursor: opaque to the client, 1 to
// 200 characters of [A-Za-z0-9_.~-] (URL-safe, so that it is sent back as it was given).
// 400 invalid_query naming the parameter otherwise (also for an empty or a repeated one).
checked<page_request> parse_page_request(std::string_view query);

}  // namespace ttareungyi::http
