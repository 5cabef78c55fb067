#pragma once
// The payment context on a node that does not run it (`--roles` without payment): a stand-in
// with the payment supervisor's interface that reaches the payment node's supervisor through a
// peer link. A call while the link is down is refused at once as payment_unavailable with a
// Retry-After, so a purchase never waits for a dead node (it stays payment_pending and can be
// paid later); a call while it is up is passed on and answered within `call_timeout`, or
// refused as unavailable (a frozen peer, or a message the peer could not read).
#include <caf/fwd.hpp>

#include <chrono>
#include <memory>

#include "../interfaces.hpp"
#include "peer.hpp"

namespace ttareungyi::actors {

payment_actor spawn_remote_payment(caf::actor_system& system, link_settings link, std::shared_ptr<peer_board> board,
                                   const domain::clock& clock, std::chrono::milliseconds call_timeout);

}  // namespace ttareungyi::actors
