#pragma once
// Time in the domain: millisecond instants on the UTC system clock, read through a clock the
// caller injects, so that rules are tested with any time they like.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ttareungyi::domain {

using instant = std::chrono::sys_time<std::chrono::milliseconds>;

class clock {
 public:
  virtual ~clock() = default;
  virtual instant now() const = 0;
};

class system_clock final : public clock {
 public:
  instant now() const override;
};

// RFC 3339 in UTC with second precision (milliseconds when non-zero): 2026-11-24T01:32:00Z.
std::string to_rfc3339(instant t);
std::optional<instant> parse_rfc3339(std::string_view text);

}  // namespace ttareungyi::domain
