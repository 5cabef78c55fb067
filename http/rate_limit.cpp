#include "rate_limit.hpp"

#include <algorithm>
#include <cmath>

namespace ttareungyi::http {

token_bucket::token_bucket(rate_limit limit, time_point now) noexcept
    : per_second_(limit.per_second),
      capacity_(std::max(limit.burst, 1.0)),
      tokens_(capacity_),
      last_(now) {}

double token_bucket::level(time_point now) const noexcept {
  if (now <= last_ || per_second_ <= 0) return tokens_;
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  return std::min(capacity_, tokens_ + elapsed * per_second_);
}

std::optional<token_bucket::duration> token_bucket::take(time_point now) noexcept {
  tokens_ = level(now);
  last_ = std::max(last_, now);
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return std::nullopt;
  }
  if (per_second_ <= 0) return duration::max();
  const double seconds = (1.0 - tokens_) / per_second_;
  return std::chrono::duration_cast<duration>(std::chrono::duration<double>(seconds));
}

bool token_bucket::full(time_point now) const noexcept { return level(now) >= capacity_; }

rate_limiter::rate_limiter(rate_limit limit, clock_fn now) : limit_(limit), now_(std::move(now)) {
  if (!now_) now_ = [] { return std::chrono::steady_clock::now(); };
}

std::optional<int> rate_limiter::admit(std::string_view client) {
  if (!enabled()) return std::nullopt;
  const auto now = now_();
  auto& s = shards_[std::hash<std::string_view>{}(client) % shard_count];
  std::lock_guard lock{s.mutex};
  if (s.buckets.size() >= s.sweep_at) {
    std::erase_if(s.buckets, [&](const auto& entry) { return entry.second.full(now); });
    s.sweep_at = std::max(first_sweep, 2 * s.buckets.size());
  }
  auto it = s.buckets.find(std::string{client});
  if (it == s.buckets.end()) it = s.buckets.emplace(std::string{client}, token_bucket{limit_, now}).first;
  auto wait = it->second.take(now);
  if (!wait) return std::nullopt;
  const double seconds = std::chrono::duration<double>(*wait).count();
  if (!(seconds < 86'400)) return 86'400;
  return std::max(1, static_cast<int>(std::ceil(seconds)));
}

std::size_t rate_limiter::tracked() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock{s.mutex};
    n += s.buckets.size();
  }
  return n;
}

}  // namespace ttareungyi::http
