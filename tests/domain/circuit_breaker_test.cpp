// The circuit breaker: every transition, with explicit instants and a scripted random source.
#include "ttareungyi/domain/circuit_breaker.hpp"

#include <gtest/gtest.h>

namespace ttareungyi::domain {
namespace {

using namespace std::chrono_literals;
using state = breaker_state;
using outcome = call_outcome;

class CircuitBreaker : public ::testing::Test {
 protected:
  breaker_settings settings{.failure_threshold = 3, .reset_timeout = 1000ms, .max_reset_timeout = 3000ms, .jitter = 0.5,
                            .slow_call = 200ms};
  double random = 0;  // what the random source answers next
  circuit_breaker::time_point t0{std::chrono::hours{1}};
  circuit_breaker::time_point now = t0;
  circuit_breaker breaker{settings, [this] { return random; }};

  // One call that starts and ends now with `o`; returns the change it caused.
  std::optional<breaker_change> call(outcome o, std::string_view reason = "boom") {
    auto a = breaker.admit(now);
    if (!a.granted) throw std::runtime_error("call refused");
    return breaker.record(*a.granted, o, now, reason);
  }
  void fail_times(int n) {
    for (int i = 0; i < n; ++i) call(outcome::failure);
  }
  bool refused() { return !breaker.admit(now).granted; }
};

TEST_F(CircuitBreaker, StateNames) {
  EXPECT_EQ(to_string(state::closed), "closed");
  EXPECT_EQ(to_string(state::open), "open");
  EXPECT_EQ(to_string(state::half_open), "half_open");
}

TEST_F(CircuitBreaker, StartsClosedAndLetsCallsThrough) {
  EXPECT_EQ(breaker.state(), state::closed);
  EXPECT_FALSE(call(outcome::success));
  EXPECT_EQ(breaker.failures(), 0);
  EXPECT_FALSE(breaker.retry_at());
}

TEST_F(CircuitBreaker, OpensAfterThresholdConsecutiveFailures) {
  EXPECT_FALSE(call(outcome::failure));
  EXPECT_FALSE(call(outcome::failure));
  EXPECT_EQ(breaker.state(), state::closed);
  EXPECT_EQ(breaker.failures(), 2);
  auto change = call(outcome::failure, "provider is down");
  ASSERT_TRUE(change);
  EXPECT_EQ(change->from, state::closed);
  EXPECT_EQ(change->to, state::open);
  EXPECT_EQ(change->reason, "3 consecutive failures, last: provider is down");
  EXPECT_EQ(breaker.state(), state::open);
  EXPECT_EQ(breaker.failures(), 3);
  EXPECT_EQ(breaker.retry_at(), now + 1000ms);
}

TEST_F(CircuitBreaker, SuccessEndsTheRunOfFailures) {
  fail_times(2);
  call(outcome::success);
  EXPECT_EQ(breaker.failures(), 0);
  fail_times(2);
  EXPECT_EQ(breaker.state(), state::closed);
}

TEST_F(CircuitBreaker, NeutralOutcomesNeitherCountNorEndTheRun) {
  fail_times(2);
  call(outcome::neutral);
  EXPECT_EQ(breaker.failures(), 2);
  fail_times(1);
  EXPECT_EQ(breaker.state(), state::open);
}

TEST_F(CircuitBreaker, SlowSuccessCountsAsFailure) {
  for (int i = 0; i < 3; ++i) {
    auto a = breaker.admit(now);
    ASSERT_TRUE(a.granted);
    now += 201ms;
    breaker.record(*a.granted, outcome::success, now);
  }
  EXPECT_EQ(breaker.state(), state::open);
  // Exactly the limit is not slow.
  circuit_breaker other{settings, nullptr};
  auto a = other.admit(now);
  other.record(*a.granted, outcome::failure, now);
  auto b = other.admit(now);
  other.record(*b.granted, outcome::success, now + 200ms);
  EXPECT_EQ(other.failures(), 0);
}

TEST_F(CircuitBreaker, OpenRefusesAtOnceUntilTheResetTimeout) {
  fail_times(3);
  auto a = breaker.admit(now + 400ms);
  EXPECT_FALSE(a.granted);
  EXPECT_FALSE(a.change);
  EXPECT_EQ(a.retry_in, 600ms);
  EXPECT_FALSE(breaker.admit(now + 999ms).granted);
  EXPECT_EQ(breaker.state(), state::open);
}

TEST_F(CircuitBreaker, AfterTheResetTimeoutExactlyOneTrialGoesThrough) {
  fail_times(3);
  now += 1000ms;
  auto trial = breaker.admit(now);
  ASSERT_TRUE(trial.granted);
  ASSERT_TRUE(trial.change);
  EXPECT_EQ(*trial.change, (breaker_change{state::open, state::half_open, "reset timeout elapsed: trying one call"}));
  EXPECT_EQ(breaker.state(), state::half_open);
  EXPECT_FALSE(breaker.retry_at());
  auto second = breaker.admit(now);
  EXPECT_FALSE(second.granted);
  EXPECT_EQ(second.retry_in, settings.slow_call);
}

TEST_F(CircuitBreaker, SuccessfulTrialCloses) {
  fail_times(3);
  now += 1000ms;
  auto trial = breaker.admit(now);
  auto change = breaker.record(*trial.granted, outcome::success, now + 10ms);
  ASSERT_TRUE(change);
  EXPECT_EQ(*change, (breaker_change{state::half_open, state::closed, "trial call succeeded"}));
  EXPECT_EQ(breaker.state(), state::closed);
  EXPECT_EQ(breaker.failures(), 0);
  EXPECT_TRUE(breaker.admit(now).granted);
  EXPECT_TRUE(breaker.admit(now).granted);
}

TEST_F(CircuitBreaker, FailedTrialReopensWithDoubledTimeoutUpToTheMaximum) {
  fail_times(3);
  auto expect_reopen_after = [&](std::chrono::milliseconds period) {
    now = *breaker.retry_at();
    auto trial = breaker.admit(now);
    ASSERT_TRUE(trial.granted);
    auto change = breaker.record(*trial.granted, outcome::failure, now, "still down");
    ASSERT_TRUE(change);
    EXPECT_EQ(*change, (breaker_change{state::half_open, state::open, "trial call failed: still down"}));
    EXPECT_EQ(breaker.retry_at(), now + period);
  };
  expect_reopen_after(2000ms);
  expect_reopen_after(3000ms);  // 4000 capped
  expect_reopen_after(3000ms);
  EXPECT_EQ(breaker.failures(), 6);
  // Once closed, the next opening starts from the reset timeout again.
  now = *breaker.retry_at();
  breaker.record(*breaker.admit(now).granted, outcome::success, now);
  fail_times(3);
  EXPECT_EQ(breaker.retry_at(), now + 1000ms);
}

TEST_F(CircuitBreaker, JitterAddsUpToItsShareOfThePeriod) {
  random = 0.5;
  fail_times(3);
  EXPECT_EQ(breaker.retry_at(), now + 1250ms);  // 1000 + 1000 * 0.5 * 0.5
  now = *breaker.retry_at();
  random = 0.999;
  breaker.record(*breaker.admit(now).granted, outcome::failure, now);
  EXPECT_GT(*breaker.retry_at(), now + 2998ms);  // 2000 + almost 1000
  EXPECT_LT(*breaker.retry_at(), now + 3000ms);
}

TEST_F(CircuitBreaker, NeutralTrialFreesTheSlotForTheNextCall) {
  fail_times(3);
  now += 1000ms;
  auto trial = breaker.admit(now);
  EXPECT_FALSE(breaker.record(*trial.granted, outcome::neutral, now));
  EXPECT_EQ(breaker.state(), state::half_open);
  auto next = breaker.admit(now);
  ASSERT_TRUE(next.granted);
  EXPECT_FALSE(next.change);
  EXPECT_FALSE(breaker.admit(now).granted);
}

TEST_F(CircuitBreaker, StaleOutcomesAreIgnored) {
  // Three calls in flight from the closed period; more fail after it opened.
  auto late = breaker.admit(now);
  fail_times(3);
  EXPECT_FALSE(breaker.record(*late.granted, outcome::failure, now));
  EXPECT_EQ(breaker.failures(), 3);
  // A late success from the closed period does not close a half-open breaker.
  now += 1000ms;
  auto trial = breaker.admit(now);
  EXPECT_FALSE(breaker.record(*late.granted, outcome::success, now));
  EXPECT_EQ(breaker.state(), state::half_open);
  EXPECT_TRUE(breaker.record(*trial.granted, outcome::success, now));
  EXPECT_EQ(breaker.state(), state::closed);
}

TEST_F(CircuitBreaker, SettingsOutOfRangeAreClamped) {
  circuit_breaker b{{.failure_threshold = 0, .reset_timeout = 0ms, .max_reset_timeout = 0ms, .jitter = 7}, nullptr};
  EXPECT_EQ(b.settings().failure_threshold, 1);
  EXPECT_EQ(b.settings().reset_timeout, 1ms);
  EXPECT_EQ(b.settings().max_reset_timeout, 1ms);
  EXPECT_EQ(b.settings().jitter, 1.0);
  auto a = b.admit(now);
  EXPECT_TRUE(b.record(*a.granted, outcome::failure, now));
  EXPECT_EQ(b.retry_at(), now + 1ms);  // a missing random source adds no jitter
}

}  // namespace
}  // namespace ttareungyi::domain
