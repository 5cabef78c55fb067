#pragma once
#include <caf/fwd.hpp>

#include "environment.hpp"
#include "interfaces.hpp"
#include "ttareungyi/ports/password_hasher.hpp"

namespace ttareungyi::actors {

// Identity: customers sign up with their phone and log in with it. One actor serializes
// sign-ups so a phone is taken once.
identity_actor spawn_identity(caf::actor_system& system, environment env, const ports::identity_store& customers,
                              const ports::password_hasher& hasher);

}  // namespace ttareungyi::actors
