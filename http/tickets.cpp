// The ticket endpoints: buy (idempotent), list, read, pay and cancel one of the customer's tickets.
#include <string>
#include <utility>

#include "answers.hpp"
#include "handlers.hpp"
#include "json_mapping.hpp"
#include "paging.hpp"

namespace ttareungyi::http::handlers {

namespace {

using ticket_operation = void (app::ticket_service::*)(domain::ids::customer_id, domain::ids::ticket_id,
                                                      app::reply<domain::ticket>);

// An operation on the customer's ticket of the path's id, answered with the ticket as it is then.
checked<work> on_ticket(const call& c, ticket_operation operation) {
  return [&c, operation](responder respond) {
    (c.services.app.tickets.*operation)(c.customer(), c.path_id<domain::ids::ticket_id>(), ok_answer<domain::ticket>(respond));
  };
}

}  // namespace

checked<work> buy_ticket(const call& c) {
  auto type = parse_new_ticket(c.req.body);
  if (!type) return std::unexpected(std::move(type.error()));
  return [&c, type = *type](responder respond) {
    c.services.app.tickets.buy(c.customer(), type,
                               created_answer<domain::ticket>(respond, "/v1/tickets", &domain::ticket::id));
  };
}

checked<work> list_tickets(const call& c) {
  auto page = parse_page_request(split(c.req.target).query);
  if (!page) return std::unexpected(std::move(page.error()));
  return [&c, page = std::move(*page)](responder respond) mutable {
    c.services.app.tickets.tickets(c.customer(), std::move(page), page_answer<domain::ticket>(respond));
  };
}

checked<work> get_ticket(const call& c) { return on_ticket(c, &app::ticket_service::ticket); }

checked<work> pay_ticket(const call& c) { return on_ticket(c, &app::ticket_service::pay); }

checked<work> cancel_ticket(const call& c) { return on_ticket(c, &app::ticket_service::cancel); }

}  // namespace ttareungyi::http::handlers
