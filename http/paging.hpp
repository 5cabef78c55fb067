#pragma once
// The paging parameters of list endpoints: ?limit=&cursor= (stations, bicycles, tickets; the
// notification inbox keeps its own limit, parse_notification_limit, and reads the cursor here).
// Framework-free, like the other query parsers (parse_bicycle_query, parse_notification_limit).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "problem.hpp"
#include "ttareungyi/app/services.hpp"

namespace ttareungyi::http {

using app::page_request;  // {cursor: where the previous page ended, absent: from the start; limit}

inline constexpr std::size_t default_page_limit = 100;
inline constexpr std::size_t max_page_limit = 1000;
inline constexpr std::size_t max_cursor_length = 200;

// limit: a decimal integer from 1 to 1000, 100 when absent. cursor: opaque to the client, 1 to
// 200 characters of [A-Za-z0-9_.~-] (URL-safe, so that it is sent back as it was given).
// 400 invalid_query naming the parameter otherwise (also for an empty or a repeated one).
checked<page_request> parse_page_request(std::string_view query);
// The cursor alone, with the same rule (absent: nullopt).
checked<std::optional<std::string>> parse_cursor(std::string_view query);

}  // namespace ttareungyi::http
