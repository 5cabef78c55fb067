#pragma once
#include <chrono>
#include <optional>
#include <string_view>

namespace ttareungyi::test {

using timestamp = std::chrono::sys_time<std::chrono::nanoseconds>;

// Parses an RFC 3339 date-time ("2024-05-01T09:00:00Z", "2024-05-01T09:00:00.123456+09:00").
// nullopt when the text is not one.
std::optional<timestamp> parse_rfc3339(std::string_view text);

// Whether the text is an RFC 3339 date-time in UTC (offset "Z" or "+00:00").
bool is_rfc3339_utc(std::string_view text);

}  // namespace ttareungyi::test
