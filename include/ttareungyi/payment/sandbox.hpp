#pragma once
// The sandbox payment provider: an in-process stand-in for a real PG, for tests, demos and
// load tests. It approves by default; latency, decline rate and failure rate are settings.
// Like a real provider it is idempotent: the same payment id always gets the same verdict.
#include <chrono>
#include <memory>

#include "ttareungyi/ports/payment_provider.hpp"

namespace ttareungyi::payment {

struct sandbox_settings {
  std::chrono::milliseconds latency{0};
  double decline_rate = 0;  // 0..1: share of charges declined
  double failure_rate = 0;  // 0..1: share of calls that fail (no verdict)
};

class sandbox_provider final : public ports::payment_provider {
 public:
  explicit sandbox_provider(sandbox_settings settings);
  ~sandbox_provider() override;  // answers nothing more; pending answers are dropped
  void charge(const ports::charge_request& request, on_charged done) override;
  void refund(const ports::refund_request& request, on_refunded done) override;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace ttareungyi::payment
