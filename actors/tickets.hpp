#pragma once
#include <caf/fwd.hpp>

#include "environment.hpp"
#include "interfaces.hpp"

namespace ttareungyi::actors {

// The ticket desk: routes each request to the ticket's own actor, activating it on first use
// by loading its state from storage.
ticket_desk_actor spawn_ticket_desk(caf::actor_system& system, environment env, payment_actor payment);

}  // namespace ttareungyi::actors
