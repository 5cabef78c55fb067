#pragma once
// Rate limiting: one token bucket per client key (a token's subject, or the peer address for the
// endpoints without a token), in a table split into shards that each have their own lock, so
// that the I/O threads rarely wait for each other. Framework-free; time is given by the caller.
#include <array>
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ttareungyi::http {

struct rate_limit {
  double per_second = 0;  // sustained requests per second; 0 turns limiting off
  double burst = 0;       // requests allowed at once (the bucket's size); below 1 taken as 1
  bool enabled() const noexcept { return per_second > 0; }
};

// A token bucket: starts full with `burst` tokens and refills at `per_second`; each request
// takes one. Pure: every call is told the time.
class token_bucket {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  using duration = std::chrono::steady_clock::duration;

  token_bucket(rate_limit limit, time_point now) noexcept;

  // Takes a token: nullopt when there was one, otherwise how long until there is one.
  std::optional<duration> take(time_point now) noexcept;
  // Whether the bucket is full at `now`, that is no different from a new one.
  bool full(time_point now) const noexcept;

 private:
  double level(time_point now) const noexcept;

  double per_second_;
  double capacity_;
  double tokens_;
  time_point last_;
};

// The buckets of all clients. Memory stays bounded by the clients active within one refill
// time (burst / per_second): a bucket that has refilled completely is dropped at the next sweep
// of its shard, which runs whenever the shard doubled since the last one.
class rate_limiter {
 public:
  using clock_fn = std::function<token_bucket::time_point()>;

  explicit rate_limiter(rate_limit limit, clock_fn now = {});

  bool enabled() const noexcept { return limit_.enabled(); }
  // Counts a request of `client`: nullopt to go ahead, otherwise the whole seconds it should
  // wait (Retry-After: rounded up, at least 1).
  std::optional<int> admit(std::string_view client);
  // Buckets held now (for tests).
  std::size_t tracked() const;

 private:
  static constexpr std::size_t shard_count = 16;
  static constexpr std::size_t first_sweep = 1024;  // entries per shard before its first sweep

  struct shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, token_bucket> buckets;
    std::size_t sweep_at = first_sweep;
  };

  rate_limit limit_;
  clock_fn now_;
  std::array<shard, shard_count> shards_;
};

}  // namespace ttareungyi::http
