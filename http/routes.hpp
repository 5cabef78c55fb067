#pragma once
// The route table of API v1: method + path to an endpoint, with 404 for an unknown path and
// 405 (and the methods it does allow) for a known path called with another method.
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace ttareungyi::http {

enum class endpoint {
  health_live,
  health_ready,
  metrics,
  jwks,
  authorization_server_metadata,
  token,
  create_customer,
  buy_ticket,
  list_tickets,
  get_ticket,
  pay_ticket,
  cancel_ticket,
  rent_bicycle,
  return_bicycle,
  current_rental,
  list_notifications,
  notification_stream,
  list_stations,
  add_station,
  list_bicycles,
  add_bicycle,
  remove_bicycle,
  gbfs_feed,
  seoul_bike_list,
  post_alert,
  customer_page,
  operator_page,
  web_file,
};

struct route_match {
  endpoint target;
  std::string_view id;  // the raw {id} segment or {*} rest (still percent-encoded), empty when none
  std::string_view method;   // as in the table (static): GET, POST, ...
  std::string_view pattern;  // the route's template (static), e.g. "/v1/tickets/{id}": a metric label
};

struct route_miss {
  bool path_known = false;  // true: 405, false: 404
  std::string allow;        // "GET, POST" when path_known
};

// `method` as a static string when it is one of HTTP's usual methods, otherwise "other": a
// metric label never takes a client's text as is.
std::string_view known_method(std::string_view method) noexcept;

// `path` without the query string. `id` views into `path`.
std::expected<route_match, route_miss> match_route(std::string_view method, std::string_view path);

// Every route as written in the table: method and pattern, e.g. {"GET", "/v1/tickets/{id}"}.
struct route_pattern {
  std::string_view method;
  std::string_view pattern;
};
std::vector<route_pattern> route_table();

}  // namespace ttareungyi::http
