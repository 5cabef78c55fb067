#pragma once
// Outbound delivery of notifications to an SMS/push gateway (e.g. a webhook). At least once:
// the receiver deduplicates by notification id.
#include <functional>

#include "ttareungyi/domain/views.hpp"

namespace ttareungyi::ports {

class notification_gateway {
 public:
  virtual ~notification_gateway() = default;
  // Starts one delivery and returns at once. `done(true)` once the receiver acknowledged it
  // (HTTP 2xx), `done(false)` when it failed or timed out (the caller retries later). `done`
  // runs exactly once, on the gateway's own thread: keep it short (e.g. send a message).
  virtual void deliver(const domain::notification& n, std::function<void(bool delivered)> done) = 0;
};

}  // namespace ttareungyi::ports
