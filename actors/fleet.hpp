#pragma once
#include <caf/fwd.hpp>

#include "environment.hpp"
#include "interfaces.hpp"

namespace ttareungyi::actors {

// The fleet: stations with their availability, and the registry that routes to one actor per
// bicycle. Availability is counted at start from stored bicycles, then kept as they move.
domain::result<fleet_actor> spawn_fleet(caf::actor_system& system, environment env);

}  // namespace ttareungyi::actors
