#pragma once
// The core's front: the one actor a core offers gateways at its door (as "core"), with the
// core_actor interface. It passes each message on to the context that answers it (the
// answer goes from there straight back to the caller), runs rents and returns on the core
// (so a gateway that dies mid-ride leaves nothing half done; the core's recovery stays the
// only one), raises the read side's read-your-writes bound to the core's own journal end, and
// serves the journal feed, signs gateways' tokens and keeps their relays' watches (a relay
// that goes away, or whose node does, ends its watch).
#include <caf/fwd.hpp>

#include <memory>

#include "../interfaces.hpp"
#include "ttareungyi/ports/idempotency.hpp"
#include "ttareungyi/ports/storage.hpp"
#include "ttareungyi/ports/token_signer.hpp"

namespace ttareungyi::actors {

struct core_contexts {
  identity_actor identity;
  ticket_desk_actor desk;
  ticket_listings_actor ticket_listings;
  fleet_actor fleet;
  rental_listings_actor rental_listings;
  caf::actor read_side;
  const ports::journal* journal = nullptr;
  caf::actor hub;  // the journal's announcements, for the long polls
  const ports::token_signer* signer = nullptr;  // none: sign-in through the front is refused
  ports::idempotency_store* answers = nullptr;   // a store that finds at once; none: refused
  std::shared_ptr<class read_side_link> watches;  // where a relay's watch is registered
};

core_actor spawn_core_front(caf::actor_system& system, core_contexts contexts);

}  // namespace ttareungyi::actors
