#pragma once
// Service alerts (운영 공지): what an operator tells riders and trip planners about the whole
// system or some of its stations, for a time window (a closure, a station that moves). Trip
// planners read them in GBFS system_alerts.json while they are not over.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ttareungyi/domain/error.hpp"
#include "ttareungyi/domain/events.hpp"
#include "ttareungyi/domain/ids.hpp"
#include "ttareungyi/domain/time.hpp"

namespace ttareungyi::domain {

// GBFS's kinds of alert.
enum class alert_type { system_closure, station_closure, station_move, other };
std::string_view to_string(alert_type type);
std::optional<alert_type> parse_alert_type(std::string_view text);

struct alert {
  ids::alert_id id{};
  alert_type type = alert_type::other;
  instant start{};
  std::optional<instant> end{};  // none: until further notice
  std::vector<ids::station_id> station_ids{};  // none: the whole system
  std::string summary{};
  std::string description{};  // may be empty
  instant posted_at{};
  bool operator==(const alert&) const = default;
};

struct alert_request {
  alert_type type = alert_type::other;
  instant start{};
  std::optional<instant> end{};
  std::vector<ids::station_id> station_ids{};
  std::string summary{};
  std::string description{};
};

// An alert as posted at `now`: a summary of 1-200 characters, a description of at most 2,000,
// at most 100 stations, and an end after its start and after now (an alert already over tells
// nobody anything). Whether the stations exist is the fleet's to check.
result<decided<alert, event_payload>> post_alert(ids::alert_id id, alert_request request, instant now);

// Whether planners still need the alert at `now`: in effect, or announced for later.
bool not_over(const alert& a, instant now);

}  // namespace ttareungyi::domain
