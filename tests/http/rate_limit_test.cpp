// Token buckets and the per-client limiter, on a time the test moves by hand.
#include "rate_limit.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "simulated_clock.hpp"

namespace ttareungyi::http {
namespace {

using namespace std::chrono_literals;
using time_point = token_bucket::time_point;

const time_point t0 = time_point{} + 1000s;

TEST(TokenBucket, StartsFullThenRefillsAtItsRate) {
  token_bucket b{{.per_second = 2, .burst = 3}, t0};
  EXPECT_FALSE(b.take(t0));
  EXPECT_FALSE(b.take(t0));
  EXPECT_FALSE(b.take(t0));
  auto wait = b.take(t0);
  ASSERT_TRUE(wait);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(*wait), 500ms);  // one token at 2/s
  EXPECT_TRUE(b.take(t0 + 499ms));
  EXPECT_FALSE(b.take(t0 + 600ms));
  EXPECT_TRUE(b.take(t0 + 600ms));
}

TEST(TokenBucket, NeverHoldsMoreThanItsBurst) {
  token_bucket b{{.per_second = 10, .burst = 2}, t0};
  EXPECT_TRUE(b.full(t0 - 1s));  // time going backwards changes nothing
  EXPECT_TRUE(b.full(t0));
  EXPECT_FALSE(b.take(t0 + 1h));
  EXPECT_FALSE(b.take(t0 + 1h));
  EXPECT_TRUE(b.take(t0 + 1h));
  EXPECT_FALSE(b.full(t0 + 1h + 100ms));
  EXPECT_TRUE(b.full(t0 + 1h + 300ms));
}

TEST(TokenBucket, ABurstBelowOneIsOne) {
  token_bucket b{{.per_second = 1, .burst = 0}, t0};
  EXPECT_FALSE(b.take(t0));
  EXPECT_TRUE(b.take(t0));
  EXPECT_FALSE(b.take(t0 + 1s));
}

using ttareungyi::test::simulated_clock;

TEST(RateLimiter, LimitsEachClientOnItsOwn) {
  simulated_clock time;
  rate_limiter limiter{{.per_second = 1, .burst = 2}, time.steady()};
  EXPECT_FALSE(limiter.admit("customer:c-1"));
  EXPECT_FALSE(limiter.admit("customer:c-1"));
  EXPECT_EQ(limiter.admit("customer:c-1"), 1);  // Retry-After: 1 s
  EXPECT_FALSE(limiter.admit("customer:c-2"));  // another client is not affected
  time.advance(1s);
  EXPECT_FALSE(limiter.admit("customer:c-1"));
  EXPECT_EQ(limiter.admit("customer:c-1"), 1);
}

TEST(RateLimiter, RetryAfterIsRoundedUpToWholeSeconds) {
  simulated_clock time;
  rate_limiter limiter{{.per_second = 0.4, .burst = 1}, time.steady()};
  EXPECT_FALSE(limiter.admit("k"));
  EXPECT_EQ(limiter.admit("k"), 3);  // 2.5 s until the next token
  time.advance(2s);
  EXPECT_EQ(limiter.admit("k"), 1);  // 0.5 s
}

TEST(RateLimiter, ZeroRateIsOff) {
  rate_limiter limiter{{.per_second = 0, .burst = 0}};
  EXPECT_FALSE(limiter.enabled());
  for (int i = 0; i < 1000; ++i) ASSERT_FALSE(limiter.admit("k"));
  EXPECT_EQ(limiter.tracked(), 0u);
}

TEST(RateLimiter, DropsTheBucketsOfIdleClients) {
  simulated_clock time;
  rate_limiter limiter{{.per_second = 10, .burst = 10}, time.steady()};
  for (int i = 0; i < 50'000; ++i) limiter.admit("peer:" + std::to_string(i));
  EXPECT_EQ(limiter.tracked(), 50'000u);  // all active within the refill time: kept
  time.advance(1s);  // every bucket is full again: the same as a new one
  for (int i = 0; i < 50'000; ++i) limiter.admit("other:" + std::to_string(i));
  EXPECT_LE(limiter.tracked(), 50'000u);  // the idle ones went at the sweeps (100'000 otherwise)
  // And a client that was dropped starts again with a full bucket.
  for (int i = 0; i < 10; ++i) ASSERT_FALSE(limiter.admit("peer:1"));
  EXPECT_TRUE(limiter.admit("peer:1"));
}

}  // namespace
}  // namespace ttareungyi::http
