#pragma once
#include <caf/fwd.hpp>

#include "environment.hpp"
#include "interfaces.hpp"

namespace ttareungyi::actors {

// The fleet: stations, and the registry that routes to one actor per bicycle (activated from
// storage on first use, so start-up reads the stations only). Availability is the station
// view's (read_side.hpp), counted from the journal.
// It reads the rental context's own store only.
domain::result<fleet_actor> spawn_fleet(caf::actor_system& system, environment env, const ports::rental_store& rentals);

}  // namespace ttareungyi::actors
