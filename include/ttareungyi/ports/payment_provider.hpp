#pragma once
// The payment provider (PG) as the payment context sees it: charge and refund, both idempotent
// on the payment id. Answers arrive asynchronously, on any thread.
#include <expected>
#include <functional>
#include <string>

#include "ttareungyi/domain/payment.hpp"

namespace ttareungyi::ports {

struct charge_request {
  std::string payment_id;
  domain::money amount = 0;
  std::string reference;  // what the charge is for, e.g. the ticket id
};

struct refund_request {
  std::string payment_id;
  domain::money amount = 0;
};

// The provider did not give a verdict: down, erroring or too slow. A decline is not a failure.
struct provider_failure {
  std::string reason;
};

class payment_provider {
 public:
  using on_charged = std::function<void(std::expected<domain::charge_verdict, provider_failure>)>;
  using on_refunded = std::function<void(std::expected<void, provider_failure>)>;
  virtual ~payment_provider() = default;
  virtual void charge(const charge_request& request, on_charged done) = 0;
  virtual void refund(const refund_request& request, on_refunded done) = 0;
};

}  // namespace ttareungyi::ports
