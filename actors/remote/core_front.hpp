#pragma once
// The core's front: the one actor a core offers gateways at its door (as "core"), with the
// core_actor interface. It passes each message on to the context that answers it (the
// answer goes from there straight back to the caller), runs rents and returns on the core
// (so a gateway that dies mid-ride leaves nothing half done; the core's recovery stays the
// only one), raises the read side's read-your-writes bound to the core's own journal end, and
// serves the journal feed.
#include <caf/fwd.hpp>

#include "../interfaces.hpp"
#include "ttareungyi/ports/storage.hpp"

namespace ttareungyi::actors {

struct core_contexts {
  identity_actor identity;
  ticket_desk_actor desk;
  ticket_listings_actor ticket_listings;
  fleet_actor fleet;
  rental_listings_actor rental_listings;
  caf::actor read_side;
  const ports::journal* journal = nullptr;
};

core_actor spawn_core_front(caf::actor_system& system, core_contexts contexts);

}  // namespace ttareungyi::actors
