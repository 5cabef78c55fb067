#include "ttareungyi/domain/circuit_breaker.hpp"

#include <algorithm>

namespace ttareungyi::domain {

std::string_view to_string(breaker_state state) {
  switch (state) {
    case breaker_state::closed: return "closed";
    case breaker_state::open: return "open";
    case breaker_state::half_open: return "half_open";
  }
  return "closed";
}

circuit_breaker::circuit_breaker(breaker_settings settings, random_source random)
    : settings_(settings), random_(std::move(random)) {
  using std::chrono::milliseconds;
  settings_.failure_threshold = std::max(1, settings_.failure_threshold);
  settings_.reset_timeout = std::max(milliseconds{1}, settings_.reset_timeout);
  settings_.max_reset_timeout = std::max(settings_.reset_timeout, settings_.max_reset_timeout);
  settings_.jitter = std::clamp(settings_.jitter, 0.0, 1.0);
  if (!random_) random_ = [] { return 0.0; };
}

std::optional<circuit_breaker::time_point> circuit_breaker::retry_at() const {
  if (state_ != breaker_state::open) return std::nullopt;
  return retry_at_;
}

breaker_change circuit_breaker::move_to(breaker_state to, std::string reason) {
  breaker_change change{state_, to, std::move(reason)};
  state_ = to;
  ++generation_;
  trial_in_flight_ = false;
  return change;
}

void circuit_breaker::open(time_point now) {
  auto period = settings_.reset_timeout;
  for (int i = 0; i < reopenings_ && period < settings_.max_reset_timeout; ++i) period *= 2;
  period = std::min(period, settings_.max_reset_timeout);
  const double r = std::clamp(random_(), 0.0, 1.0);
  const auto extra = std::chrono::duration_cast<clock::duration>(period * (settings_.jitter * r));
  retry_at_ = now + period + extra;
}

circuit_breaker::admission circuit_breaker::admit(time_point now) {
  switch (state_) {
    case breaker_state::closed:
      return {permit{generation_, now}, std::nullopt, {}};
    case breaker_state::open: {
      if (now < retry_at_) return {std::nullopt, std::nullopt, retry_at_ - now};
      auto change = move_to(breaker_state::half_open, "reset timeout elapsed: trying one call");
      trial_in_flight_ = true;
      return {permit{generation_, now}, std::move(change), {}};
    }
    case breaker_state::half_open:
      if (trial_in_flight_) return {std::nullopt, std::nullopt, settings_.slow_call};  // the trial decides by then
      trial_in_flight_ = true;
      return {permit{generation_, now}, std::nullopt, {}};
  }
  return {};
}

std::optional<breaker_change> circuit_breaker::record(const permit& p, call_outcome outcome, time_point now,
                                                      std::string_view reason) {
  if (p.generation != generation_) return std::nullopt;  // stale: from before the last transition
  if (outcome == call_outcome::success && now - p.started > settings_.slow_call) {
    outcome = call_outcome::failure;
    reason = "slow call";
  }
  std::string why{reason.empty() ? std::string_view{"call failed"} : reason};
  switch (state_) {
    case breaker_state::closed:
      if (outcome == call_outcome::success) failures_ = 0;
      if (outcome != call_outcome::failure) return std::nullopt;
      if (++failures_ < settings_.failure_threshold) return std::nullopt;
      reopenings_ = 0;
      open(now);
      return move_to(breaker_state::open, std::to_string(failures_) + " consecutive failures, last: " + why);
    case breaker_state::open:
      return std::nullopt;  // no permits are handed out while open
    case breaker_state::half_open:
      if (outcome == call_outcome::neutral) {
        trial_in_flight_ = false;  // it said nothing: the next call is the trial
        return std::nullopt;
      }
      if (outcome == call_outcome::success) {
        failures_ = 0;
        reopenings_ = 0;
        return move_to(breaker_state::closed, "trial call succeeded");
      }
      ++failures_;
      ++reopenings_;
      open(now);
      return move_to(breaker_state::open, "trial call failed: " + why);
  }
  return std::nullopt;
}

}  // namespace ttareungyi::domain
