#pragma once
// A value an actor publishes for /health/ready: written by the actor, read from any thread.
#include <mutex>
#include <utility>

namespace ttareungyi::actors {

template <class T>
class health_board {
 public:
  T read() const {
    std::lock_guard lock{mutex_};
    return value_;
  }
  void write(T value) {
    std::lock_guard lock{mutex_};
    value_ = std::move(value);
  }

 private:
  mutable std::mutex mutex_;
  T value_{};
};

}  // namespace ttareungyi::actors
