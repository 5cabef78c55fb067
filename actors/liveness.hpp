#pragma once
// Whether the node can still do its job, for /health/live. One invariant: the node is live
// while each heartbeat path (the actor scheduler, the commit writer) beat within `threshold`
// of now. Plain C++, time passed in; beats come from any thread, readers from any other.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

#include "ttareungyi/app/services.hpp"

namespace ttareungyi::actors {

class liveness {
 public:
  using clock = std::chrono::steady_clock;
  enum path : std::size_t { scheduler, writer };

  // Both paths count as beating at `started`.
  liveness(std::chrono::milliseconds threshold, clock::time_point started) : threshold_(threshold) {
    for (auto& b : beats_) b.store(started.time_since_epoch().count(), std::memory_order_relaxed);
  }

  void beat(path p, clock::time_point at) { beats_[p].store(at.time_since_epoch().count(), std::memory_order_relaxed); }

  app::liveness_report report(clock::time_point now) const {
    app::liveness_report r;
    for (auto p : {scheduler, writer}) {
      auto age = std::chrono::duration_cast<std::chrono::milliseconds>(
          now - clock::time_point{clock::duration{beats_[p].load(std::memory_order_relaxed)}});
      r.heartbeats.push_back({p == scheduler ? "scheduler" : "writer", age});
      if (age > threshold_) r.live = false;
    }
    return r;
  }

  std::chrono::milliseconds threshold() const { return threshold_; }

 private:
  std::chrono::milliseconds threshold_;
  std::array<std::atomic<clock::rep>, 2> beats_;
};

}  // namespace ttareungyi::actors
