#pragma once
// A customer's live notices on a gateway (docs/nodes.md). The watch is kept on the core, whose
// front sends each notice to a relay actor here. The relay monitors the actor keeping its
// watch there; when that goes (the core restarted, the connection broke) it registers again,
// with back-off, from the last notice it passed on, and drops any notice not newer than that
// one: each reaches `deliver` once, in sequence order. Cancelling the handle stops the relay,
// which ends the watch on the core.
#include <caf/fwd.hpp>

#include <chrono>
#include <functional>
#include <memory>

#include "../interfaces.hpp"

namespace ttareungyi::actors {

struct relay_settings {
  std::chrono::milliseconds retry_first{100};   // after a refused or lost registration...
  std::chrono::milliseconds retry_ceiling{2000};  // ...doubling up to this
  std::chrono::milliseconds call_timeout{2000};
};

std::unique_ptr<app::watch> start_relay(caf::actor_system& system, core_actor core, domain::ids::customer_id customer,
                                        std::uint64_t after, std::function<void(domain::notification)> deliver,
                                        relay_settings settings = {});

}  // namespace ttareungyi::actors
