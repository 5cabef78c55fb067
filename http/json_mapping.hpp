#pragma once
// JSON in and out, exactly as the contract spells it (docs/openapi.yaml): the resources the API
// answers and the request bodies it reads. Parsing refuses with a 400 problem naming the field;
// unknown fields are ignored.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "problem.hpp"
#include "ttareungyi/app/services.hpp"
#include "ttareungyi/domain/alert.hpp"
#include "ttareungyi/domain/customer.hpp"
#include "ttareungyi/domain/fleet.hpp"
#include "ttareungyi/domain/ticket.hpp"
#include "ttareungyi/domain/views.hpp"

// An id is written as its text.
template <class Tag>
struct nlohmann::adl_serializer<ttareungyi::domain::identifier<Tag>> {
  static void to_json(nlohmann::json& j, const ttareungyi::domain::identifier<Tag>& id) { j = id.str(); }
};

namespace ttareungyi::http {

using json = nlohmann::json;

// ---- out
json to_json(const app::customer_profile& c);
json to_json(const domain::ticket& t);
json to_json(const domain::rental& r);
json to_json(const app::station_view& s);
json to_json(const domain::bicycle& b);
json to_json(const domain::alert& a);
// /health/ready's "payment": {breaker, failures, since?, retryAt?}
json to_json(const app::payment_health& h);
json to_json(const app::peer_health& p);
json to_json(const app::notifier_health& n);
// GET /v1/rentals/current: the view's fields and remainingSeconds at `now`, as JSON text
// (written directly: the hottest answer).
std::string current_rental_body(const domain::current_rental& r, domain::instant now);

// A page of a listing: {items: [...], next} with each item as `item` writes it; `next` only when
// another page follows.
template <class T, class Item>
json page_json(const app::page<T>& page, Item item) {
  json list = json::array();
  for (const auto& x : page.items) list.push_back(item(x));
  json doc{{"items", std::move(list)}};
  if (page.next) doc["next"] = *page.next;
  return doc;
}
// page_json with each item as to_json writes it.
template <class T>
json page_json(const app::page<T>& page) {
  return page_json(page, [](const T& x) { return to_json(x); });
}

// Serialized for the wire (invalid UTF-8 is replaced, never thrown).
std::string dump(const json& doc);

// ---- in
// The body as a JSON object (400 when malformed or not an object).
checked<json> parse_object(std::string_view body);

checked<domain::sign_up_request> parse_sign_up(std::string_view body);
checked<domain::ticket_type> parse_new_ticket(std::string_view body);

struct rent_body {
  domain::ids::bicycle_id bicycle_id;
  domain::ids::ticket_id ticket_id;
};
checked<rent_body> parse_new_rental(std::string_view body);
// The station id of POST /v1/rentals/{id}/return.
checked<domain::ids::station_id> parse_return(std::string_view body);
checked<app::new_station> parse_new_station(std::string_view body);

struct new_bicycle_body {
  std::optional<domain::ids::bicycle_id> id;
  domain::ids::station_id station_id;
};
checked<new_bicycle_body> parse_new_bicycle(std::string_view body);
// POST /v1/alerts: {type, start, end?, stationIds?, summary, description?}, times RFC 3339 UTC.
checked<domain::alert_request> parse_new_alert(std::string_view body);

// GET /v1/bicycles?stationId=&status= (empty values mean no filter).
checked<app::bicycle_query> parse_bicycle_query(std::string_view query);

// Ids taken from a path or a body: 1..64 characters, no control characters.
inline constexpr std::size_t max_id_length = 64;
bool acceptable_id(std::string_view id) noexcept;
// A raw (percent-encoded) path segment as an id, or 400 naming the parameter.
checked<std::string> path_id(std::string_view raw_segment, std::string_view name);

}  // namespace ttareungyi::http
