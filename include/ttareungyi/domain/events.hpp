#pragma once
// The facts the domain raises. Each is a past-tense statement about one aggregate; an event
// envelope adds the event id, correlation id, causation id and time.
#include <cstdint>
#include <string>
#include <optional>
#include <string_view>
#include <variant>

#include "ttareungyi/domain/ids.hpp"
#include "ttareungyi/domain/time.hpp"

namespace ttareungyi::domain {

using money = std::int64_t;  // KRW, no fractions

// Identity context
struct customer_registered { ids::customer_id customer_id; std::string phone; std::string name; };

// Ticket context
struct ticket_purchased { ids::ticket_id ticket_id; ids::customer_id customer_id; std::string type; money price = 0; };
struct ticket_paid { ids::ticket_id ticket_id; ids::customer_id customer_id; std::string payment_id; money amount = 0; };
struct ticket_payment_failed { ids::ticket_id ticket_id; ids::customer_id customer_id; std::string payment_id; };
struct ticket_put_in_use { ids::ticket_id ticket_id; ids::customer_id customer_id; ids::rental_id rental_id; };
struct ticket_released { ids::ticket_id ticket_id; ids::customer_id customer_id; ids::rental_id rental_id; };
struct ticket_used { ids::ticket_id ticket_id; ids::customer_id customer_id; ids::rental_id rental_id; };
struct ticket_cancelled { ids::ticket_id ticket_id; ids::customer_id customer_id; money refunded_amount = 0; };
struct ticket_refunded { ids::ticket_id ticket_id; ids::customer_id customer_id; std::string payment_id; money amount = 0; };

// Rental context (stations, bicycles, rentals)
struct station_registered { ids::station_id station_id; std::string name; int capacity = 0; };
struct bicycle_registered { ids::bicycle_id bicycle_id; ids::station_id station_id; };
struct bicycle_deleted { ids::bicycle_id bicycle_id; ids::station_id station_id; };
struct bicycle_rented {
  ids::rental_id rental_id; ids::bicycle_id bicycle_id; ids::ticket_id ticket_id; ids::customer_id customer_id;
  ids::station_id from_station_id; instant rented_at; instant due_at;
};
struct bicycle_returned {
  ids::rental_id rental_id; ids::bicycle_id bicycle_id; ids::ticket_id ticket_id; ids::customer_id customer_id;
  ids::station_id to_station_id; instant returned_at; int overtime_minutes = 0; money overtime_fee = 0;
};

// Service alerts (rental context)
struct alert_posted { ids::alert_id alert_id; std::string type; instant start; std::optional<instant> end; };

// Payment context
struct payment_approved { std::string payment_id; std::string reference; money amount = 0; };
struct payment_declined { std::string payment_id; std::string reference; money amount = 0; };
struct payment_refunded { std::string payment_id; std::string reference; money amount = 0; };

using event_payload = std::variant<
    customer_registered,
    ticket_purchased, ticket_paid, ticket_payment_failed, ticket_put_in_use, ticket_released,
    ticket_used, ticket_cancelled, ticket_refunded,
    station_registered, bicycle_registered, bicycle_deleted, bicycle_rented, bicycle_returned,
    payment_approved, payment_declined, payment_refunded, alert_posted>;

// The stable name of a fact, e.g. "ticket_paid", and the id of the aggregate that raised it.
std::string_view type_name(const event_payload& e);
std::string_view aggregate_id(const event_payload& e);

struct event {
  std::string id;              // unique event id
  std::string correlation_id;  // the ticket for purchase and payment facts, the rental for ride facts
  std::string causation_id;    // what caused it: a request id or an earlier event id
  instant at;
  int version = 1;             // payload schema version
  event_payload payload;
};

}  // namespace ttareungyi::domain
