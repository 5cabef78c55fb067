#pragma once
// The handlers of API v1, one per endpoint (routes.hpp), each in the file of its context. What
// they may assume (token, path id, body) is declared in the route table (endpoints.cpp).
#include "endpoint.hpp"

namespace ttareungyi::http::handlers {

// operations.cpp
checked<work> health_live(const call& c);
checked<work> health_ready(const call& c);
checked<work> metrics(const call& c);

// identity.cpp
checked<work> jwks(const call& c);
checked<work> authorization_server_metadata(const call& c);
checked<work> token(const call& c);
checked<work> create_customer(const call& c);

// tickets.cpp
checked<work> buy_ticket(const call& c);
checked<work> list_tickets(const call& c);
checked<work> get_ticket(const call& c);
checked<work> pay_ticket(const call& c);
checked<work> cancel_ticket(const call& c);

// rentals.cpp
checked<work> rent_bicycle(const call& c);
checked<work> return_bicycle(const call& c);
checked<work> current_rental(const call& c);

// notifications.cpp
checked<work> list_notifications(const call& c);
checked<work> notification_stream(const call& c);

// fleet.cpp
checked<work> list_stations(const call& c);
checked<work> add_station(const call& c);
checked<work> list_bicycles(const call& c);
checked<work> add_bicycle(const call& c);
checked<work> remove_bicycle(const call& c);
checked<work> post_alert(const call& c);

// feeds.cpp
checked<work> gbfs_feed(const call& c);
checked<work> seoul_bike_list(const call& c);
// The web pages (web.cpp).
checked<work> customer_page(const call& c);
checked<work> operator_page(const call& c);
checked<work> web_file(const call& c);

}  // namespace ttareungyi::http::handlers
