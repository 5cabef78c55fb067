#pragma once
// The one simulated time source of every suite: a domain::clock that moves only when the test
// moves it. Reads and moves are atomic, so a server under test may read it from its own threads
// while the test sets it. Components that take time as a function (the token service, in whole
// seconds since the epoch; the rate limiter, in steady time) read this same clock through
// seconds() and steady().
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>

#include "ttareungyi/domain/time.hpp"

namespace ttareungyi::test {

// A time on the suites' usual day, 1 May 2024 (UTC).
inline domain::instant at(int hour, int minute = 0) {
  using namespace std::chrono;
  return domain::instant{sys_days{year{2024} / 5 / 1} + hours{hour} + minutes{minute}};
}

class simulated_clock final : public domain::clock {
 public:
  explicit simulated_clock(domain::instant start = at(9)) : ms_(start.time_since_epoch().count()) {}

  domain::instant now() const override { return domain::instant{std::chrono::milliseconds{ms_.load()}}; }
  void set(domain::instant t) { ms_.store(t.time_since_epoch().count()); }
  void advance(std::chrono::milliseconds by) { ms_.fetch_add(by.count()); }

  // The same time as a steady_clock time point (for the rate limiter, which measures intervals);
  // the clock must outlive the function.
  std::function<std::chrono::steady_clock::time_point()> steady() const {
    return [this] { return std::chrono::steady_clock::time_point{now().time_since_epoch()}; };
  }

  // Whole seconds since the epoch; the clock must outlive the function.
  std::function<std::int64_t()> seconds() const {
    return [this] { return std::chrono::floor<std::chrono::seconds>(now()).time_since_epoch().count(); };
  }

 private:
  std::atomic<std::int64_t> ms_;
};

// The instant of a count of seconds since the epoch, for tests that speak in token times.
inline domain::instant epoch_seconds(std::int64_t s) { return domain::instant{std::chrono::seconds{s}}; }

}  // namespace ttareungyi::test
