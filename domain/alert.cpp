#include "ttareungyi/domain/alert.hpp"

#include <array>
#include <utility>

namespace ttareungyi::domain {

namespace {

constexpr std::array<std::pair<alert_type, std::string_view>, 4> names{{
    {alert_type::system_closure, "system_closure"},
    {alert_type::station_closure, "station_closure"},
    {alert_type::station_move, "station_move"},
    {alert_type::other, "other"},
}};

}  // namespace

std::string_view to_string(alert_type type) {
  for (const auto& [t, name] : names)
    if (t == type) return name;
  return "other";
}

std::optional<alert_type> parse_alert_type(std::string_view text) {
  for (const auto& [t, name] : names)
    if (name == text) return t;
  return std::nullopt;
}

result<decided<alert, event_payload>> post_alert(ids::alert_id id, alert_request request, instant now) {
  if (request.summary.empty() || request.summary.size() > 200)
    return std::unexpected(invalid("an alert's summary must be 1-200 characters"));
  if (request.description.size() > 2000) return std::unexpected(invalid("an alert's description must be at most 2000 characters"));
  if (request.station_ids.size() > 100) return std::unexpected(invalid("an alert names at most 100 stations"));
  if (request.end && *request.end <= request.start) return std::unexpected(invalid("an alert must end after it starts"));
  if (request.end && *request.end <= now) return std::unexpected(invalid("an alert that is over already tells nobody anything"));
  alert a{.id = std::move(id),
          .type = request.type,
          .start = request.start,
          .end = request.end,
          .station_ids = std::move(request.station_ids),
          .summary = std::move(request.summary),
          .description = std::move(request.description),
          .posted_at = now};
  auto fact = alert_posted{a.id, std::string{to_string(a.type)}, a.start, a.end};
  return decided<alert, event_payload>{std::move(a), {std::move(fact)}};
}

bool not_over(const alert& a, instant now) { return !a.end || *a.end > now; }

}  // namespace ttareungyi::domain
