#pragma once
// Acting later, in one place: CAF's delayed_send and `after` changed in later versions, so
// actors go through these helpers and never call CAF's timers directly. Time is CAF's clock,
// which the deterministic test scheduler simulates.
#include <caf/actor_clock.hpp>

#include <algorithm>
#include <chrono>
#include <utility>

namespace ttareungyi::actors {

// Sends `xs...` to the actor itself once `delay` has passed (at once when it is zero or
// negative). The message is dropped if the actor has stopped by then.
template <class Self, class... Ts>
void send_later(Self* self, std::chrono::milliseconds delay, Ts&&... xs) {
  if (delay <= std::chrono::milliseconds::zero())
    self->send(self, std::forward<Ts>(xs)...);
  else
    self->delayed_send(self, delay, std::forward<Ts>(xs)...);
}

// Notices that an actor has been idle for a while, with at most one delayed message in flight
// (no timer per message): touch() on every message that counts as activity; when the tick
// arrives, expired() says whether `limit` has passed since the last touch, and otherwise
// schedules the tick again for the rest of the time. A zero limit never expires.
class idle_timer {
 public:
  explicit idle_timer(std::chrono::milliseconds limit = {}) : limit_(limit) {}

  template <class Self, class... Ts>
  void touch(Self* self, const Ts&... tick) {
    if (limit_ <= std::chrono::milliseconds::zero()) return;
    last_ = self->clock().now();
    if (armed_) return;
    armed_ = true;
    send_later(self, limit_, tick...);
  }

  template <class Self, class... Ts>
  bool expired(Self* self, const Ts&... tick) {
    armed_ = false;
    if (limit_ <= std::chrono::milliseconds::zero()) return false;
    auto idle = std::chrono::duration_cast<std::chrono::milliseconds>(self->clock().now() - last_);
    if (idle >= limit_) return true;
    armed_ = true;
    send_later(self, std::max(limit_ - idle, std::chrono::milliseconds{1}), tick...);
    return false;
  }

 private:
  std::chrono::milliseconds limit_;
  caf::actor_clock::time_point last_{};
  bool armed_ = false;
};

// Exponential back-off: first, then doubling up to `ceiling`; reset() after a success.
class backoff {
 public:
  backoff(std::chrono::milliseconds first, std::chrono::milliseconds ceiling) : first_(first), ceiling_(ceiling), next_(first) {}

  // The delay to wait now; the following one doubles (up to the ceiling).
  std::chrono::milliseconds next() {
    auto now = next_;
    next_ = std::min(ceiling_, next_ * 2);
    return now;
  }
  void reset() { next_ = first_; }

 private:
  std::chrono::milliseconds first_;
  std::chrono::milliseconds ceiling_;
  std::chrono::milliseconds next_;
};

}  // namespace ttareungyi::actors
