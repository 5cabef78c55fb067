#pragma once
// The core on a gateway (`--roles http --core HOST:PORT`): a stand-in with the core's front
// interface (core_front.hpp) that reaches it through a peer link. While the core is away (a
// restart) a call waits up to `hold` for it, then is refused (503 with Retry-After); otherwise
// passed on and answered within `call_timeout` (stand_in.hpp says which calls are passed on
// again after a broken connection).
#include <caf/fwd.hpp>

#include <chrono>
#include <memory>

#include "../interfaces.hpp"
#include "peer.hpp"

namespace ttareungyi::actors {

core_actor spawn_remote_core(caf::actor_system& system, link_settings link, std::shared_ptr<peer_board> board,
                             const domain::clock& clock, std::chrono::milliseconds call_timeout,
                             std::chrono::milliseconds hold = std::chrono::milliseconds{0});

}  // namespace ttareungyi::actors
