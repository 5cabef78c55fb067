#include "listings.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <string>
#include <utility>

namespace ttareungyi::actors {
namespace {

// The page the store read, or its refusal.
template <class T>
caf::result<app::page<T>> answer(ports::stored<app::page<T>> read, std::string_view listing) {
  if (!read) return to_caf(listing_refusal(read.error(), listing));
  return std::move(*read);
}

struct ticket_listings_state {
  static inline const char* name = "ticket-listings";
};

ticket_listings_actor::behavior_type ticket_listings(ticket_listings_actor::stateful_pointer<ticket_listings_state>,
                                                     const ports::ticket_store* store) {
  return {
      [store](list_atom, const domain::ids::customer_id& customer, const app::page_request& request) {
        return answer(store->tickets_of(customer, request), "tickets");
      },
  };
}

struct rental_listings_state {
  static inline const char* name = "rental-listings";
};

rental_listings_actor::behavior_type rental_listings(rental_listings_actor::stateful_pointer<rental_listings_state>,
                                                     const ports::rental_store* store) {
  return {
      [store](station_atom, list_atom, const app::page_request& request) {
        return answer(store->stations(request), "stations");
      },
      [store](bicycle_atom, list_atom, const app::bicycle_query& query, const app::page_request& request) {
        return answer(store->bicycles({query.station_id, query.status}, request), "bicycles");
      },
      [store](alert_atom, list_atom) -> caf::result<std::vector<domain::alert>> {
        auto all = store->alerts();
        if (!all) return to_caf(listing_refusal(all.error(), "alerts"));
        return std::move(*all);
      },
  };
}

}  // namespace

domain::error listing_refusal(const ports::storage_error& e, std::string_view listing) {
  if (e.invalid_cursor)
    return {domain::error_kind::invalid, domain::error_code::invalid_cursor,
            "the cursor is not one of this listing's next cursors; list again from the first page"};
  return domain::internal("cannot list " + std::string{listing} + ": " + e.message);
}

ticket_listings_actor spawn_ticket_listings(caf::actor_system& system, const ports::ticket_store& tickets) {
  return system.spawn(ticket_listings, &tickets);
}

rental_listings_actor spawn_rental_listings(caf::actor_system& system, const ports::rental_store& rentals) {
  return system.spawn(rental_listings, &rentals);
}

}  // namespace ttareungyi::actors
