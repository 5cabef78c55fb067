#pragma once
#include <caf/fwd.hpp>

#include "environment.hpp"
#include "interfaces.hpp"

namespace ttareungyi::actors {

// The ticket desk: routes each request to the ticket's own actor, activating it on first use
// by loading its state from the ticket context's own store. What the ticket context needs of
// payments, it asks `payment`.
ticket_desk_actor spawn_ticket_desk(caf::actor_system& system, environment env, const ports::ticket_store& tickets,
                                    payment_actor payment);

}  // namespace ttareungyi::actors
