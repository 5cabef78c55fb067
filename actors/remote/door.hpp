#pragma once
// A node's door: the one actor it publishes on its node port (CAF's io middleman publishes one
// actor per port). A peer greets it with (hello_atom, its wire fingerprint, the context it
// wants) and gets that context's entry actor, or a refusal: another build's fingerprint (a
// clear log line here and at the peer, instead of misread messages), or a context this node
// does not run.
#include <caf/fwd.hpp>

#include <cstdint>
#include <map>
#include <string>

namespace ttareungyi::actors {

caf::actor spawn_door(caf::actor_system& system, std::uint64_t fingerprint, std::map<std::string, caf::actor> contexts);

}  // namespace ttareungyi::actors
