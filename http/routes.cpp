#include "routes.hpp"

#include <array>

namespace ttareungyi::http {

namespace {

struct route {
  std::string_view method;
  std::string_view pattern;  // "{id}" matches one non-empty segment; a last "{*}" the rest of the path
  endpoint target;
};

constexpr std::array routes{
    route{"GET", "/health/live", endpoint::health_live},
    route{"GET", "/health/ready", endpoint::health_ready},
    route{"GET", "/metrics", endpoint::metrics},
    route{"GET", "/.well-known/jwks.json", endpoint::jwks},
    route{"GET", "/.well-known/oauth-authorization-server", endpoint::authorization_server_metadata},
    route{"POST", "/oauth2/token", endpoint::token},
    route{"POST", "/v1/customers", endpoint::create_customer},
    route{"GET", "/v1/tickets", endpoint::list_tickets},
    route{"POST", "/v1/tickets", endpoint::buy_ticket},
    route{"GET", "/v1/tickets/{id}", endpoint::get_ticket},
    route{"POST", "/v1/tickets/{id}/payment", endpoint::pay_ticket},
    route{"POST", "/v1/tickets/{id}/cancel", endpoint::cancel_ticket},
    route{"POST", "/v1/rentals", endpoint::rent_bicycle},
    route{"GET", "/v1/rentals/current", endpoint::current_rental},
    route{"POST", "/v1/rentals/{id}/return", endpoint::return_bicycle},
    route{"GET", "/v1/notifications", endpoint::list_notifications},
    route{"GET", "/v1/notifications/stream", endpoint::notification_stream},
    route{"GET", "/v1/stations", endpoint::list_stations},
    route{"POST", "/v1/stations", endpoint::add_station},
    route{"GET", "/v1/bicycles", endpoint::list_bicycles},
    route{"POST", "/v1/bicycles", endpoint::add_bicycle},
    route{"DELETE", "/v1/bicycles/{id}", endpoint::remove_bicycle},
    route{"GET", "/gbfs/{id}", endpoint::gbfs_feed},
    route{"GET", "/seoul/{*}", endpoint::seoul_bike_list},
    route{"POST", "/v1/alerts", endpoint::post_alert},
    route{"GET", "/", endpoint::customer_page},
    route{"GET", "/operator", endpoint::operator_page},
    route{"GET", "/web/{id}", endpoint::web_file},
};

// Next '/'-separated segment of a path that starts with '/'; false at the end.
bool next_segment(std::string_view& rest, std::string_view& segment) {
  if (rest.empty()) return false;
  rest.remove_prefix(1);  // the '/'
  auto slash = rest.find('/');
  segment = rest.substr(0, slash);
  rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  return true;
}

// Whether `path` matches `pattern`; the {id} segment (or what {*} matched) goes to `id`.
bool matches(std::string_view pattern, std::string_view path, std::string_view& id) {
  if (path.empty() || path.front() != '/') return false;
  const char* const end = path.data() + path.size();
  std::string_view p_seg;
  std::string_view s_seg;
  for (;;) {
    bool more_p = next_segment(pattern, p_seg);
    bool more_s = next_segment(path, s_seg);
    if (!more_p || !more_s) return more_p == more_s;
    if (p_seg == "{*}") {
      id = std::string_view{s_seg.data(), static_cast<std::size_t>(end - s_seg.data())};
      return !id.empty();
    }
    if (p_seg == "{id}") {
      if (s_seg.empty()) return false;
      id = s_seg;
    } else if (p_seg != s_seg) {
      return false;
    }
  }
}

}  // namespace

std::string_view known_method(std::string_view method) noexcept {
  static constexpr std::array<std::string_view, 7> usual{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"};
  for (auto m : usual)
    if (m == method) return m;
  return "other";
}

std::vector<route_pattern> route_table() {
  std::vector<route_pattern> out;
  for (const auto& r : routes) out.push_back({r.method, r.pattern});
  return out;
}

std::expected<route_match, route_miss> match_route(std::string_view method, std::string_view path) {
  route_miss miss;
  for (const auto& r : routes) {
    std::string_view id;
    if (!matches(r.pattern, path, id)) continue;
    if (r.method == method) return route_match{r.target, id, r.method, r.pattern};
    if (miss.allow.find(r.method) == std::string::npos) {
      if (!miss.allow.empty()) miss.allow += ", ";
      miss.allow += r.method;
    }
    miss.path_known = true;
  }
  return std::unexpected(std::move(miss));
}

}  // namespace ttareungyi::http
