// The fleet endpoints: stations and bicycles, read by customers and operators, changed by
// operators.
#include <string>
#include <utility>

#include "answers.hpp"
#include "handlers.hpp"
#include "json_mapping.hpp"
#include "paging.hpp"

namespace ttareungyi::http::handlers {

checked<work> list_stations(const call& c) {
  auto page = parse_page_request(split(c.req.target).query);
  if (!page) return std::unexpected(std::move(page.error()));
  return [&c, page = std::move(*page)](responder respond) mutable {
    c.services.app.fleet.stations(std::move(page), page_answer<app::station_view>(respond));
  };
}

checked<work> add_station(const call& c) {
  auto body = parse_new_station(c.req.body);
  if (!body) return std::unexpected(std::move(body.error()));
  return [&c, body = std::move(*body)](responder respond) mutable {
    auto id_of = [](const app::station_view& s) -> const domain::ids::station_id& { return s.station.id; };
    c.services.app.fleet.add_station(std::move(body),
                                     created_answer<app::station_view>(respond, "/v1/stations", id_of));
  };
}

checked<work> list_bicycles(const call& c) {
  const auto text = split(c.req.target).query;
  auto query = parse_bicycle_query(text);
  if (!query) return std::unexpected(std::move(query.error()));
  auto page = parse_page_request(text);
  if (!page) return std::unexpected(std::move(page.error()));
  return [&c, query = std::move(*query), page = std::move(*page)](responder respond) mutable {
    c.services.app.fleet.bicycles(std::move(query), std::move(page), page_answer<domain::bicycle>(respond));
  };
}

checked<work> add_bicycle(const call& c) {
  auto body = parse_new_bicycle(c.req.body);
  if (!body) return std::unexpected(std::move(body.error()));
  return [&c, body = std::move(*body)](responder respond) mutable {
    c.services.app.fleet.add_bicycle(std::move(body.id), std::move(body.station_id),
                                     created_answer<domain::bicycle>(respond, "/v1/bicycles", &domain::bicycle::id));
  };
}

checked<work> post_alert(const call& c) {
  auto body = parse_new_alert(c.req.body);
  if (!body) return std::unexpected(std::move(body.error()));
  return [&c, body = std::move(*body)](responder respond) mutable {
    // Published where planners read it: its Location is the GBFS alerts file.
    c.services.app.fleet.post_alert(std::move(body), answer<domain::alert>(respond, [](const domain::alert& a) {
                                      return created(to_json(a), "/gbfs/system_alerts.json");
                                    }));
  };
}

checked<work> remove_bicycle(const call& c) {
  return [&c](responder respond) {
    c.services.app.fleet.remove_bicycle(c.path_id<domain::ids::bicycle_id>(), answer<void>(respond, [] { return response{204, {}, {}}; }));
  };
}

}  // namespace ttareungyi::http::handlers
