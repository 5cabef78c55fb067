#pragma once
// The listings: small read-only actors that page through one context's own store, beside that
// context's entity path. A listing of the whole fleet reads pages of bounded size here, never
// on the fleet or a bicycle actor, so rents and returns do not queue behind it; the same for a
// customer's tickets and the ticket desk. Each is handed its own context's port and no other.
#include <caf/fwd.hpp>

#include <string_view>

#include "interfaces.hpp"
#include "ttareungyi/domain/error.hpp"
#include "ttareungyi/ports/storage.hpp"

namespace ttareungyi::actors {

ticket_listings_actor spawn_ticket_listings(caf::actor_system& system, const ports::ticket_store& tickets);
rental_listings_actor spawn_rental_listings(caf::actor_system& system, const ports::rental_store& rentals);

// How a listing refuses when its store could not read a page: a cursor the store cannot read
// is the client's mistake (400 invalid_cursor); anything else is ours (500).
domain::error listing_refusal(const ports::storage_error& e, std::string_view listing);

}  // namespace ttareungyi::actors
