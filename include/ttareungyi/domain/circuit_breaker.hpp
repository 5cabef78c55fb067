#pragma once
// A circuit breaker (payment context): stops calling a dependency that keeps failing, so that
// an overloaded payment provider is shielded instead of hammered, and tries it again later.
// Pure: the caller passes the time in (a monotonic clock) and supplies the randomness.
//
//   closed     every call goes through. A failure (the dependency erred, timed out, or answered
//              later than `slow_call`) extends a run of consecutive failures; a success ends
//              it. `failure_threshold` consecutive failures open the breaker.
//   open       every call is refused at once until `retry_at()`. The first call asked for at or
//              after it moves the breaker to half-open and is let through as the trial.
//   half_open  exactly one trial call is in flight; every other call is refused. The trial's
//              success closes the breaker; its failure reopens it for twice as long as before.
//
// Open periods: reset_timeout doubled on each reopening in a row (reset_timeout * 2^k, k = 0
// when opening from closed), capped at max_reset_timeout, plus a random extra of up to
// `jitter` times that (so that many nodes do not probe a recovering provider together).
//
// Every call let through gets a permit, and each permit must be recorded exactly once. A
// permit from before the last transition is stale: its outcome is ignored (a slow call from
// the closed period cannot close or reopen the breaker, nor can it count twice).
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace ttareungyi::domain {

enum class breaker_state { closed, open, half_open };
std::string_view to_string(breaker_state state);  // "closed", "open", "half_open"

struct breaker_settings {
  int failure_threshold = 5;                           // consecutive failures that open it
  std::chrono::milliseconds reset_timeout{5'000};      // the first open period
  std::chrono::milliseconds max_reset_timeout{60'000}; // the longest open period (before jitter)
  double jitter = 0.2;                                 // 0..1: up to this share added at random
  std::chrono::milliseconds slow_call{2'000};          // a success slower than this is a failure
};

// What a call told about the dependency. `neutral`: nothing (e.g. refused by our own rules
// before reaching it); it neither counts nor ends a run, and frees the half-open trial slot.
enum class call_outcome { success, failure, neutral };

struct breaker_change {
  breaker_state from;
  breaker_state to;
  std::string reason;
  bool operator==(const breaker_change&) const = default;
};

class circuit_breaker {
 public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;
  using random_source = std::function<double()>;  // uniform in [0, 1)

  // A call let through; give it back to record().
  struct permit {
    std::uint64_t generation = 0;
    time_point started{};
  };

  struct admission {
    std::optional<permit> granted;          // empty: refused, fail at once
    std::optional<breaker_change> change;   // open -> half_open when this call is the trial
    clock::duration retry_in{};             // when refused: how long until a call may pass
  };

  // Settings out of range are clamped: threshold >= 1, reset >= 1 ms, max >= reset, jitter 0..1.
  circuit_breaker(breaker_settings settings, random_source random);

  // Asks to make a call now.
  admission admit(time_point now);
  // The outcome of a permitted call, at `now`; `reason` explains a failure (for the log). Returns
  // the transition it caused, if any.
  std::optional<breaker_change> record(const permit& p, call_outcome outcome, time_point now,
                                       std::string_view reason = {});

  breaker_state state() const { return state_; }
  // Consecutive failures since the last success (in every state: open keeps the count that
  // opened it, and failed trials add to it).
  int failures() const { return failures_; }
  // When open: the earliest time a trial call is let through.
  std::optional<time_point> retry_at() const;
  const breaker_settings& settings() const { return settings_; }

 private:
  breaker_change move_to(breaker_state to, std::string reason);
  void open(time_point now);

  breaker_settings settings_;
  random_source random_;
  breaker_state state_ = breaker_state::closed;
  std::uint64_t generation_ = 0;  // advances on every transition
  int failures_ = 0;
  int reopenings_ = 0;  // failed trials since the breaker last closed
  time_point retry_at_{};
  bool trial_in_flight_ = false;
};

}  // namespace ttareungyi::domain
