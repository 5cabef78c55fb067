#pragma once
// Read side (CQRS): what the journal's consumers build from events. Pure functions of
// recorded events; no storage, no actors. Each consumer applies an event at most once because
// its position in the journal commits together with what it made of the event.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ttareungyi/domain/events.hpp"
#include "ttareungyi/domain/time.hpp"

namespace ttareungyi::domain {

// -- notifications -------------------------------------------------------------------------

// One notice for a customer about one fact (rental, return, payment, refund).
struct notification {
  std::string id;              // "n_" + the event id: stable, so deliveries can be deduplicated
  std::uint64_t sequence = 0;  // journal sequence of the event: orders a customer's notices
  ids::customer_id customer_id;
  std::string kind;            // the event type: bicycle_rented, bicycle_returned, ticket_paid, ticket_refunded
  std::string message_ko;      // human text, Korean
  std::string message_en;      // human text, English
  std::string correlation_id;  // the rental for ride facts, the ticket for payment facts
  instant created_at{};        // the time of the fact
  bool operator==(const notification&) const = default;
};

// The notice a fact deserves, if any (ticket paid/refunded, bicycle rented/returned). Amounts
// in KRW with thousands separators ("1,000원"); the due time of a ride in Seoul time (KST,
// UTC+9) as HH:MM, with M/D before it when it falls on another day than the rental. A payment
// names its pass ("1시간권") only when exactly one ticket type costs that amount (ticket_paid
// carries no type).
std::optional<notification> notify(std::uint64_t sequence, const event& e);

// -- remaining ride time ---------------------------------------------------------------------

// A customer's active rental as the remaining-time view keeps it.
struct current_rental {
  ids::customer_id customer_id;
  ids::rental_id rental_id;
  ids::bicycle_id bicycle_id;
  ids::ticket_id ticket_id;
  ids::station_id from_station_id;
  instant rented_at{};
  instant due_at{};
  bool operator==(const current_rental&) const = default;
};

// Whole seconds left before the ride runs into overtime, rounded down; 0 once due (never
// negative).
std::int64_t remaining_seconds(const current_rental& r, instant now);

// What one event does to the remaining-time view: a rental starts (put) or ends (drop).
// The view keeps one rental per customer, the latest one started: a customer riding two
// bicycles at once (two paid tickets) sees the later rental, and a drop applies only when the
// view still holds that very rental (see `applies_to`).
struct rental_view_change {
  ids::customer_id customer_id;
  ids::rental_id rental_id;           // the rental the event is about
  std::optional<current_rental> put;  // empty: drop the customer's entry if it is `rental_id`
  // Whether the change touches a view entry that currently holds `held` (nullopt: no entry).
  bool applies_to(const std::optional<current_rental>& held) const {
    return put.has_value() || (held && held->rental_id == rental_id);
  }
};
std::optional<rental_view_change> project_rental(const event& e);

// -- station availability --------------------------------------------------------------------

// Bicycles parked and available at a station, as the availability view counts them.
struct station_count {
  ids::station_id station_id;
  int capacity = 0;
  int bicycles_available = 0;
  bool operator==(const station_count&) const = default;
};

// Applies one event to the counts (registration, deletion, rent, return) and returns the
// stations it changed, with their new counts. Counts never go below 0; a station not seen yet
// is created with capacity 0 (its registration, if it comes later, sets the capacity).
std::vector<station_count> project_availability(std::map<ids::station_id, station_count>& counts, const event& e);

}  // namespace ttareungyi::domain
