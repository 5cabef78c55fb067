#pragma once
// The core on a gateway (`--roles http --core HOST:PORT`): a stand-in with the core's front
// interface (core_front.hpp) that reaches it through a peer link. While the core is away a call
// is refused at once (503 with Retry-After); otherwise passed on and answered within
// `call_timeout`.
#include <caf/fwd.hpp>

#include <chrono>
#include <memory>

#include "../interfaces.hpp"
#include "peer.hpp"

namespace ttareungyi::actors {

core_actor spawn_remote_core(caf::actor_system& system, link_settings link, std::shared_ptr<peer_board> board,
                             const domain::clock& clock, std::chrono::milliseconds call_timeout);

}  // namespace ttareungyi::actors
