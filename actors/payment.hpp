#pragma once
#include <caf/fwd.hpp>

#include <cstddef>
#include <functional>
#include <memory>

#include "environment.hpp"
#include "health_board.hpp"
#include "interfaces.hpp"
#include "ttareungyi/app/services.hpp"
#include "ttareungyi/domain/circuit_breaker.hpp"
#include "ttareungyi/ports/payment_provider.hpp"

namespace ttareungyi::actors {

struct payment_settings {
  std::size_t workers = 4;                    // payment workers in the pool
  std::chrono::milliseconds call_timeout{2000};  // a provider call slower than this fails
  // The breaker's thresholds; its slow_call is always the call timeout.
  domain::breaker_settings breaker{};
  std::function<double()> random{};  // the breaker's jitter, uniform in [0, 1); empty: seeded at spawn
};

// The breaker's state as last published by the supervisor, readable from any thread.
using breaker_board = health_board<app::payment_health>;

// The payment supervisor: owns a pool of workers that talk to the provider, restarts any that
// fail, and answers every call within the call timeout (a late answer is a failure). A circuit
// breaker (domain/circuit_breaker.hpp) guards the provider: while it is open, charges and
// refunds fail at once with error_kind::unavailable and a retry_after_seconds until its trial
// call. Provider failures and timeouts count against it; verdicts (a decline too) are
// successes. It publishes its state on `board` when one is given. `records` is the payment
// context's own store; other contexts ask the supervisor for a payment's record (get_atom).
payment_actor spawn_payment(caf::actor_system& system, environment env, const ports::payment_store& records,
                            ports::payment_provider& provider, payment_settings settings,
                            std::shared_ptr<breaker_board> board = nullptr);

}  // namespace ttareungyi::actors
