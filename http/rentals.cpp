// The rental endpoints: rent a bicycle (idempotent), give it back at a station, and the
// customer's current rental (the read side's view).
#include <utility>

#include "answers.hpp"
#include "handlers.hpp"
#include "json_mapping.hpp"

namespace ttareungyi::http::handlers {

checked<work> rent_bicycle(const call& c) {
  auto body = parse_new_rental(c.req.body);
  if (!body) return std::unexpected(std::move(body.error()));
  return [&c, body = std::move(*body)](responder respond) mutable {
    c.services.app.rentals.rent(c.customer(), std::move(body.bicycle_id), std::move(body.ticket_id),
                                created_answer<domain::rental>(respond, "/v1/rentals", &domain::rental::id));
  };
}

checked<work> return_bicycle(const call& c) {
  auto station = parse_return(c.req.body);
  if (!station) return std::unexpected(std::move(station.error()));
  return [&c, station = std::move(*station)](responder respond) mutable {
    c.services.app.rentals.give_back(c.customer(), c.path_id<domain::ids::rental_id>(), std::move(station), ok_answer<domain::rental>(respond));
  };
}

checked<work> current_rental(const call& c) {
  // The bench's hot read: written straight to JSON text, the time left computed when the answer
  // is rendered.
  return [&c](responder respond) {
    const auto* clock = &c.services.clock;
    c.services.app.ride_view.current_rental(
        c.customer(), [respond = std::move(respond), clock](domain::result<domain::current_rental> result) {
          respond(guarded([&]() -> response {
            if (!result) return error_response(result.error());
            return json_response(200, current_rental_body(*result, clock->now()));
          }));
        });
  };
}

}  // namespace ttareungyi::http::handlers
