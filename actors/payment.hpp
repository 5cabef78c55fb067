#pragma once
#include <caf/fwd.hpp>

#include <cstddef>

#include "environment.hpp"
#include "interfaces.hpp"
#include "ttareungyi/ports/payment_provider.hpp"

namespace ttareungyi::actors {

struct payment_settings {
  std::size_t workers = 4;                    // payment workers in the pool
  std::chrono::milliseconds call_timeout{2000};  // a provider call slower than this fails
};

// The payment supervisor: owns a pool of workers that talk to the provider, restarts any that
// fail, and answers every call within the call timeout (a late answer is a failure).
payment_actor spawn_payment(caf::actor_system& system, environment env, ports::payment_provider& provider,
                            payment_settings settings);

}  // namespace ttareungyi::actors
