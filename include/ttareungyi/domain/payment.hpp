#pragma once
// Payment context (결제): charges for tickets and refunds, recorded per payment id.
#include <string>
#include <string_view>

#include "ttareungyi/domain/error.hpp"
#include "ttareungyi/domain/events.hpp"

namespace ttareungyi::domain {

enum class payment_status { approved, declined, refunded };
std::string_view to_string(payment_status status);

struct payment {
  std::string id{};         // payment id, chosen by the payer (idempotency key at the provider)
  std::string reference{};  // what it pays for, e.g. the ticket id
  money amount = 0;
  payment_status status = payment_status::approved;
  bool operator==(const payment&) const = default;
};

// What a payment provider answers for a charge.
enum class charge_verdict { approved, declined };

decided<payment, event_payload> record_charge(std::string id, std::string reference, money amount, charge_verdict verdict);
// A refund of an approved charge; refunding twice is a no-op (no second event).
result<decided<payment, event_payload>> record_refund(const payment& p);

}  // namespace ttareungyi::domain
