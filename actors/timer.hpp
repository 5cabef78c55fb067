#pragma once
// Acting later, in one place: CAF's delayed_send and `after` changed in later versions, so
// actors go through these helpers and never call CAF's timers directly. Time is CAF's clock,
// which the deterministic test scheduler simulates.
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
